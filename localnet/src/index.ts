/**
 * gpunet localnet: a LiteSVM-backed Solana node speaking the standard
 * JSON-RPC and WebSocket PubSub APIs, for tests, demos and the CLI.
 *
 * @example
 * ```ts
 * import { createLocalnet } from 'gpunet/localnet';
 * const net = await createLocalnet({ rpcPort: 0 });
 * // new Connection(net.rpcUrl) / createSolanaRpc(net.rpcUrl) / createSolanaRpcSubscriptions(net.wsUrl)
 * await net.close();
 * ```
 */
export { createLocalnet } from './localnet.ts';
export type { Localnet, LocalnetOptions, LocalnetProgram, PubkeyLike } from './localnet.ts';
export { LocalnetError, isLocalnetError, RpcError, RPC_ERROR } from './errors.ts';
export type { LocalnetErrorCode, RpcErrorCode } from './errors.ts';
export type { AccountState } from './account-changes.ts';
export type { Commitment } from './clock.ts';
export type { TransactionRecord, TransactionMetaRecord, TokenBalance } from './history.ts';
export type { LocalnetNode, NodeEvents } from './node.ts';
export { SOLANA_CORE_VERSION } from './methods.ts';
export { parseLocalnetArgs, runLocalnetCli, LOCALNET_USAGE } from './cli.ts';

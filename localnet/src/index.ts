/**
 * gpunet localnet: a LiteSVM-backed Solana node speaking the standard
 * JSON-RPC (HTTP, default 127.0.0.1:8899) and PubSub (WebSocket, default
 * 127.0.0.1:8900, also accepted on the RPC port) APIs, so @coral-xyz/anchor,
 * @solana/web3.js `Connection` and @solana/kit clients work unmodified.
 *
 * HTTP methods: getHealth getVersion getGenesisHash getIdentity getSlot
 * getBlockHeight getEpochInfo getEpochSchedule getTransactionCount
 * getFirstAvailableBlock minimumLedgerSlot getClusterNodes getSlotLeader
 * getLatestBlockhash isBlockhashValid getAccountInfo getMultipleAccounts
 * getProgramAccounts getBalance getTokenAccountBalance getTokenSupply
 * getTokenAccountsByOwner getMinimumBalanceForRentExemption getFeeForMessage
 * getRecentPrioritizationFees sendTransaction simulateTransaction
 * requestAirdrop getSignatureStatuses getTransaction getSignaturesForAddress
 * getBlock getBlockTime, and time travel: gpunet_advanceSlots
 * gpunet_advanceClock gpunet_setClock; fork switches for tests (no ledger):
 * gpunet_switchFork.
 * PubSub: account/program/logs/signature/slot/root Subscribe + Unsubscribe.
 *
 * @example
 * ```ts
 * import { Connection, Keypair } from '@solana/web3.js';
 * import { createLocalnet } from '@gpunet/localnet';
 * const net = await createLocalnet({ rpcPort: 0 }); // ephemeral ports, WebSocket on rpcPort + 1
 * const connection = new Connection(net.rpcUrl, 'confirmed'); // or createSolanaRpc(net.rpcUrl)
 * const payer = Keypair.generate();
 * net.airdrop(payer.publicKey, 10n ** 9n);
 * await net.close();
 * ```
 */
export { createLocalnet } from "./localnet.ts";
export type { Localnet, LocalnetOptions, LocalnetProgram, PubkeyLike } from "./localnet.ts";
export { LocalnetError, isLocalnetError, RpcError, RPC_ERROR } from "./errors.ts";
export type { LocalnetErrorCode, RpcErrorCode } from "./errors.ts";
export type { AccountState } from "./account-changes.ts";
export type { Commitment } from "./clock.ts";
export type { TransactionRecord, TransactionMetaRecord, TokenBalance } from "./history.ts";
export type { LocalnetNode, NodeEvents } from "./node.ts";
export { SOLANA_CORE_VERSION } from "./methods.ts";
export { gpunetProgramPath, gpunetProgramBytes } from "./program.ts";
export { parseLocalnetArgs, runLocalnetCli, LOCALNET_USAGE } from "./cli.ts";
export { startGeyserServer } from "./geyser/server.ts";
export type { GeyserServer, GeyserServerOptions } from "./geyser/server.ts";

/** gpunet's test harness: LiteSVM in-process behind Anchor's Provider and a Connection look-alike. */
export { createTestEnv, GPUNET_IDL_PATH, GPUNET_SO_PATH } from "./test-env.ts";
export type { DeployMode, TestEnv, TestEnvOptions } from "./test-env.ts";
export { LiteSvmConnection, SvmTransactionError } from "./litesvm-connection.ts";
export type { LiteSvmConnectionOptions, SendResult, SvmTransactionErrorCode } from "./litesvm-connection.ts";
export { keypairWallet, LiteSvmProvider } from "./litesvm-provider.ts";
export type { SimulationSuccess } from "./litesvm-provider.ts";
export { deployProgramUpgradeable, DeployError } from "../../localnet/src/deploy.ts";

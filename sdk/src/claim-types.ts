/** The Connection methods `claimAll` uses beyond sending. */
import type { Connection } from "@solana/web3.js";

/** getMultipleAccountsInfo for the batch reads, getSignatureStatuses for idempotent retries. */
export type GpunetClientConnectionForClaims = Pick<Connection, "getMultipleAccountsInfo" | "getSignatureStatuses">;

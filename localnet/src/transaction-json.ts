/**
 * The JSON shapes of landed transactions (getTransaction, getBlock): the
 * `json`, `jsonParsed` (partially decoded), `base64` and `base58` encodings,
 * with meta as a cluster sends it.
 */
import bs58 from "bs58";
import { invalidParams, RPC_ERROR, RpcError } from "./errors.ts";
import type { TokenBalance, TransactionRecord } from "./history.ts";
import { uiTokenAmount } from "./token-accounts.ts";
import { parseWireTransaction } from "./transaction-wire.ts";

/** Encodings of getTransaction/getBlock. */
export type TransactionEncoding = "json" | "jsonParsed" | "base64" | "base58" | "binary";

/** Validates the `encoding` of getTransaction/getBlock (default json). */
export function parseTransactionEncoding(v: unknown): TransactionEncoding {
  if (v === undefined || v === null) return "json";
  if (v === "json" || v === "jsonParsed" || v === "base64" || v === "base58" || v === "binary") return v;
  throw invalidParams(`Invalid params: unknown variant \`${String(v)}\`, expected one of \`binary\`, \`base64\`, \`base58\`, \`json\`, \`jsonParsed\``);
}

/** Checks maxSupportedTransactionVersion against a v0 transaction (-32015). */
export function checkVersionSupported(record: TransactionRecord, maxVersion: unknown): void {
  if (record.version === "legacy") return;
  if (maxVersion === undefined || maxVersion === null) {
    throw new RpcError(
      RPC_ERROR.UNSUPPORTED_TRANSACTION_VERSION,
      'Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": 0',
    );
  }
  if (maxVersion !== 0) throw invalidParams("Invalid params: maxSupportedTransactionVersion must be 0");
}

function tokenBalanceJson(b: TokenBalance): Record<string, unknown> {
  return { accountIndex: b.accountIndex, mint: b.mint, owner: b.owner, programId: b.programId, uiTokenAmount: uiTokenAmount(b.amount, b.decimals) };
}

/** The `meta` object of a landed transaction. */
export function metaJson(r: TransactionRecord, parsed: boolean): Record<string, unknown> {
  const m = r.meta;
  return {
    err: m.err,
    status: m.err === null ? { Ok: null } : { Err: m.err },
    fee: m.fee,
    preBalances: m.preBalances,
    postBalances: m.postBalances,
    innerInstructions: m.innerInstructions.map((g) => ({
      index: g.index,
      instructions: g.instructions.map((ix) =>
        parsed
          ? { programId: r.accountKeys[ix.programIdIndex], accounts: ix.accounts.map((a) => r.accountKeys[a]), data: ix.data, stackHeight: ix.stackHeight }
          : { programIdIndex: ix.programIdIndex, accounts: ix.accounts, data: ix.data, stackHeight: ix.stackHeight },
      ),
    })),
    logMessages: m.logMessages,
    preTokenBalances: m.preTokenBalances.map(tokenBalanceJson),
    postTokenBalances: m.postTokenBalances.map(tokenBalanceJson),
    rewards: [],
    loadedAddresses: m.loadedAddresses,
    computeUnitsConsumed: m.computeUnitsConsumed,
    ...(m.returnData ? { returnData: { programId: m.returnData.programId, data: [m.returnData.data, "base64"] } } : {}),
  };
}

/** The `transaction` field in the requested encoding. */
export function transactionBodyJson(r: TransactionRecord, encoding: TransactionEncoding): unknown {
  if (encoding === "base64") return [Buffer.from(r.wire).toString("base64"), "base64"];
  if (encoding === "base58") return [bs58.encode(r.wire), "base58"];
  if (encoding === "binary") return bs58.encode(r.wire);
  const tx = parseWireTransaction(r.wire);
  const signatures = tx.signatures.map((s) => bs58.encode(s));
  const lookups = tx.lookups.map((l) => ({ accountKey: l.accountKey, writableIndexes: l.writableIndexes, readonlyIndexes: l.readonlyIndexes }));
  if (encoding === "jsonParsed") {
    const staticCount = tx.staticKeys.length;
    return {
      signatures,
      message: {
        accountKeys: r.accountKeys.map((pubkey, i) => ({
          pubkey,
          signer: i < tx.header.numRequiredSignatures,
          writable: r.writable[i] ?? false,
          source: i < staticCount ? "transaction" : "lookupTable",
        })),
        recentBlockhash: tx.recentBlockhash,
        instructions: tx.instructions.map((ix) => ({
          programId: r.accountKeys[ix.programIdIndex],
          accounts: ix.accounts.map((a) => r.accountKeys[a]),
          data: bs58.encode(ix.data),
          stackHeight: null,
        })),
        ...(tx.version === 0 ? { addressTableLookups: lookups } : {}),
      },
    };
  }
  return {
    signatures,
    message: {
      header: tx.header,
      accountKeys: tx.staticKeys,
      recentBlockhash: tx.recentBlockhash,
      instructions: tx.instructions.map((ix) => ({ programIdIndex: ix.programIdIndex, accounts: ix.accounts, data: bs58.encode(ix.data), stackHeight: null })),
      ...(tx.version === 0 ? { addressTableLookups: lookups } : {}),
    },
  };
}

/**
 * A landed transaction as getTransaction returns it; `version` is present
 * only when the client sent maxSupportedTransactionVersion, as on a cluster.
 */
export function transactionWithMetaJson(r: TransactionRecord, encoding: TransactionEncoding, maxVersion: unknown): Record<string, unknown> {
  checkVersionSupported(r, maxVersion);
  const withVersion = maxVersion !== undefined && maxVersion !== null;
  return {
    transaction: transactionBodyJson(r, encoding),
    meta: metaJson(r, encoding === "jsonParsed"),
    ...(withVersion ? { version: r.version } : {}),
  };
}

/**
 * The node's records in the Geyser message shapes (the schema shipped with
 * `@triton-one/yellowstone-grpc`): a landed transaction as
 * `SubscribeUpdateTransactionInfo`, its error as the bincode bytes a
 * validator's Geyser plugin sends, slot statuses and block metas.
 */
import type { SubscribeUpdateBlockMeta, SubscribeUpdateTransactionInfo } from "@triton-one/yellowstone-grpc";
import bs58 from "bs58";
import type { TransactionRecord } from "../history.ts";
import { INSTRUCTION_ERROR_VARIANTS as IX_ERRORS, TRANSACTION_ERROR_VARIANTS as TX_ERRORS, type TransactionErrorJson } from "../transaction-error.ts";

/** A landed transaction's wire bytes cut into Geyser's message fields (views into the bytes, no base58). */
function rawMessage(w: Uint8Array) {
  let pos = 0;
  const byte = (): number => w[pos++] as number;
  const short = (): number => {
    let v = 0;
    for (let i = 0; i < 3; i++) {
      const b = byte();
      v |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) break;
    }
    return v;
  };
  const take = (n: number): Uint8Array => {
    const out = w.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const signatures: Uint8Array[] = [];
  for (let i = short(); i > 0; i--) signatures.push(take(64));
  const first = byte();
  const versioned = (first & 0x80) !== 0;
  const header = { numRequiredSignatures: versioned ? byte() : first, numReadonlySignedAccounts: byte(), numReadonlyUnsignedAccounts: byte() };
  const accountKeys: Uint8Array[] = [];
  for (let i = short(); i > 0; i--) accountKeys.push(take(32));
  const recentBlockhash = take(32);
  const instructions: { programIdIndex: number; accounts: Uint8Array; data: Uint8Array }[] = [];
  for (let i = short(); i > 0; i--) {
    const programIdIndex = byte();
    const accounts = take(short());
    instructions.push({ programIdIndex, accounts, data: take(short()) });
  }
  const addressTableLookups: { accountKey: Uint8Array; writableIndexes: Uint8Array; readonlyIndexes: Uint8Array }[] = [];
  if (versioned)
    for (let i = short(); i > 0; i--) {
      const accountKey = take(32);
      const writableIndexes = take(short());
      addressTableLookups.push({ accountKey, writableIndexes, readonlyIndexes: take(short()) });
    }
  return { signatures, message: { header, accountKeys, recentBlockhash, instructions, versioned, addressTableLookups } };
}

const u32le = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const tag = (list: readonly string[], name: string): number => {
  const i = list.indexOf(name);
  return i < 0 ? -1 : i;
};

function instructionErrorBytes(e: unknown): number[] {
  if (typeof e === "string") {
    const i = tag(IX_ERRORS, e);
    return u32le(i < 0 ? tag(IX_ERRORS, "InvalidError") : i);
  }
  if (e !== null && typeof e === "object" && "Custom" in e)
    return [...u32le(tag(IX_ERRORS, "Custom")), ...u32le(Number((e as { Custom: unknown }).Custom) >>> 0)];
  return u32le(tag(IX_ERRORS, "InvalidError"));
}

/**
 * A transaction error (the JSON a cluster's RPC sends) as the bincode bytes of
 * Agave's `TransactionError`, which Geyser puts in `meta.err.err`.
 *
 * @example
 * ```ts
 * transactionErrorBincode({ InstructionError: [0, { Custom: 6000 }] }); // 8,0,0,0, 0, 25,0,0,0, 112,23,0,0
 * ```
 */
export function transactionErrorBincode(err: TransactionErrorJson): Uint8Array {
  if (typeof err === "string") {
    const i = tag(TX_ERRORS, err);
    return Uint8Array.from(u32le(i < 0 ? tag(TX_ERRORS, "SanitizeFailure") : i));
  }
  const [variant, value] = Object.entries(err)[0] ?? ["SanitizeFailure", null];
  const i = tag(TX_ERRORS, variant);
  if (variant === "InstructionError" && Array.isArray(value)) {
    return Uint8Array.from([...u32le(i), Number(value[0]) & 0xff, ...instructionErrorBytes(value[1])]);
  }
  if (variant === "DuplicateInstruction") return Uint8Array.from([...u32le(i), Number(value) & 0xff]);
  if (variant === "InsufficientFundsForRent" || variant === "ProgramExecutionTemporarilyRestricted") {
    return Uint8Array.from([...u32le(i), Number((value as { account_index?: unknown } | null)?.account_index ?? 0) & 0xff]);
  }
  return Uint8Array.from(u32le(i < 0 ? tag(TX_ERRORS, "SanitizeFailure") : i));
}

const key = (k: string): Uint8Array => bs58.decode(k);

/**
 * A landed transaction as Geyser's `SubscribeUpdateTransactionInfo`
 * (message, status meta, position in its block).
 *
 * @example
 * ```ts
 * declare const record: TransactionRecord;
 * const info = transactionInfo(record);
 * console.log(info.index, info.meta?.logMessages); // position in the block, logs
 * ```
 */
export function transactionInfo(r: TransactionRecord): SubscribeUpdateTransactionInfo {
  const tx = rawMessage(r.wire);
  const m = r.meta;
  const tokenBalance = (b: (typeof m.preTokenBalances)[number]) => {
    const amount = b.amount.toString();
    const whole = amount.padStart(b.decimals + 1, "0");
    const ui = b.decimals === 0 ? whole : `${whole.slice(0, -b.decimals)}.${whole.slice(-b.decimals)}`.replace(/\.?0+$/, "");
    return {
      accountIndex: b.accountIndex,
      mint: b.mint,
      owner: b.owner,
      programId: b.programId,
      uiTokenAmount: { uiAmount: Number(ui), decimals: b.decimals, amount, uiAmountString: ui === "" ? "0" : ui },
    };
  };
  return {
    signature: tx.signatures[0] ?? new Uint8Array(64),
    isVote: false,
    index: String(r.indexInSlot),
    transaction: tx,
    meta: {
      err: m.err === null ? undefined : { err: transactionErrorBincode(m.err) },
      fee: m.fee.toString(),
      preBalances: m.preBalances.map(String),
      postBalances: m.postBalances.map(String),
      innerInstructions: m.innerInstructions.map((g) => ({
        index: g.index,
        instructions: g.instructions.map((ii) => ({
          programIdIndex: ii.programIdIndex,
          accounts: Uint8Array.from(ii.accounts),
          data: bs58.decode(ii.data),
          stackHeight: ii.stackHeight,
        })),
      })),
      innerInstructionsNone: false,
      logMessages: [...m.logMessages],
      logMessagesNone: false,
      preTokenBalances: m.preTokenBalances.map(tokenBalance),
      postTokenBalances: m.postTokenBalances.map(tokenBalance),
      rewards: [],
      loadedWritableAddresses: m.loadedAddresses.writable.map(key),
      loadedReadonlyAddresses: m.loadedAddresses.readonly.map(key),
      returnData: m.returnData ? { programId: key(m.returnData.programId), data: Buffer.from(m.returnData.data, "base64") } : undefined,
      returnDataNone: m.returnData === null,
      computeUnitsConsumed: m.computeUnitsConsumed.toString(),
    },
  };
}

/** The block meta of `slot`, from its records (empty when none landed) and the node's clock. */
export function blockMeta(
  slot: bigint,
  records: readonly TransactionRecord[],
  clock: { blockhashOf(s: bigint): string | null; blockTimeOf(s: bigint): bigint | null },
): SubscribeUpdateBlockMeta {
  const first = records[0];
  const time = first?.blockTime ?? clock.blockTimeOf(slot);
  const parent = slot > 0n ? slot - 1n : 0n;
  return {
    slot: slot.toString(),
    blockhash: first?.blockhash ?? clock.blockhashOf(slot) ?? "",
    rewards: { rewards: [], numPartitions: undefined },
    blockTime: time === null ? undefined : { timestamp: time.toString() },
    blockHeight: { blockHeight: slot.toString() },
    parentSlot: parent.toString(),
    parentBlockhash: first?.previousBlockhash ?? clock.blockhashOf(parent) ?? "",
    executedTransactionCount: String(records.length),
    entriesCount: "1",
  };
}

/**
 * The one SPL instruction the SDK adds itself: create a payout account if missing.
 * Why not spl-token's builder: it calls a global `Buffer`, which a browser bundle
 * without a polyfill does not have. The associated token address still comes from
 * spl-token's getAssociatedTokenAddressSync (no global needed there).
 */
import { Buffer } from "buffer";
import { PublicKey, SystemProgram, TransactionInstruction } from "@solana/web3.js";
import { ASSOCIATED_TOKEN_PROGRAM_ID, TOKEN_PROGRAM_ID } from "@solana/spl-token";

/**
 * `CreateIdempotent` of the Associated Token Account program (instruction 1): a no-op
 * when the account already exists, so retries and races are harmless.
 *
 * @example
 * ```ts
 * import { getAssociatedTokenAddressSync } from "@solana/spl-token";
 * import { createAtaIdempotentInstruction } from "./token.ts";
 * const ata = getAssociatedTokenAddressSync(mint, owner, true);
 * const createIx = createAtaIdempotentInstruction(payer.publicKey, ata, owner, mint);
 * ```
 */
export function createAtaIdempotentInstruction(payer: PublicKey, ata: PublicKey, owner: PublicKey, mint: PublicKey): TransactionInstruction {
  return new TransactionInstruction({
    programId: ASSOCIATED_TOKEN_PROGRAM_ID,
    keys: [
      { pubkey: payer, isSigner: true, isWritable: true },
      { pubkey: ata, isSigner: false, isWritable: true },
      { pubkey: owner, isSigner: false, isWritable: false },
      { pubkey: mint, isSigner: false, isWritable: false },
      { pubkey: SystemProgram.programId, isSigner: false, isWritable: false },
      { pubkey: TOKEN_PROGRAM_ID, isSigner: false, isWritable: false },
    ],
    data: Buffer.from([1]),
  });
}

/**
 * The SPL Token pieces the SDK needs: the two program ids, the associated token
 * address, and the one instruction it adds itself (create a payout account if
 * missing). Written here rather than taken from @solana/spl-token: that package
 * calls a global `Buffer` (absent in a browser bundle without a polyfill) and
 * installs a native addon (bigint-buffer), for three constants and one PDA.
 */
import { Buffer } from "buffer";
import { PublicKey, SystemProgram, TransactionInstruction } from "@solana/web3.js";

/** The SPL Token program. */
export const TOKEN_PROGRAM_ID = new PublicKey("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
/** The Associated Token Account program. */
export const ASSOCIATED_TOKEN_PROGRAM_ID = new PublicKey("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");

/**
 * The associated token account of `owner` for `mint` (SPL Token program), the PDA
 * `[owner, token program, mint]` of the Associated Token Account program. Owners
 * off the curve (PDAs) are allowed, as the program's vaults need.
 *
 * @example
 * ```ts
 * import { PublicKey } from "@solana/web3.js";
 * import { associatedTokenAddress } from "@gpunet/sdk";
 * declare const owner: PublicKey, mint: PublicKey;
 * const ata = associatedTokenAddress(mint, owner);
 * ```
 */
export function associatedTokenAddress(mint: PublicKey, owner: PublicKey): PublicKey {
  return PublicKey.findProgramAddressSync([owner.toBuffer(), TOKEN_PROGRAM_ID.toBuffer(), mint.toBuffer()], ASSOCIATED_TOKEN_PROGRAM_ID)[0];
}

/**
 * `CreateIdempotent` of the Associated Token Account program (instruction 1): a no-op
 * when the account already exists, so retries and races are harmless.
 *
 * @example
 * ```ts
 * import { associatedTokenAddress, createAtaIdempotentInstruction } from "./token.ts";
 * const createIx = createAtaIdempotentInstruction(payer.publicKey, associatedTokenAddress(mint, owner), owner, mint);
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

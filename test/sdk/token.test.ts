import { ASSOCIATED_TOKEN_PROGRAM_ID as SPL_ATA, getAssociatedTokenAddressSync, TOKEN_PROGRAM_ID as SPL_TOKEN } from "@solana/spl-token";
import { Keypair, PublicKey } from "@solana/web3.js";
import { describe, expect, it } from "vitest";
import { ASSOCIATED_TOKEN_PROGRAM_ID, associatedTokenAddress, TOKEN_PROGRAM_ID } from "../../sdk/src/index.ts";
import { findStakeVaultPda } from "../../sdk/src/pdas.ts";

describe("SPL Token addresses without @solana/spl-token", () => {
  it("Given the program ids, Then they equal spl-token's", () => {
    expect(TOKEN_PROGRAM_ID.equals(SPL_TOKEN)).toBe(true);
    expect(ASSOCIATED_TOKEN_PROGRAM_ID.equals(SPL_ATA)).toBe(true);
  });

  it("Given 200 random owners on and off the curve, When the associated token address is derived, Then it equals spl-token's getAssociatedTokenAddressSync", () => {
    for (let i = 0; i < 200; i++) {
      const mint = Keypair.generate().publicKey;
      const owner = i % 2 === 0 ? Keypair.generate().publicKey : (findStakeVaultPda(Keypair.generate().publicKey)[0] as PublicKey);
      expect(associatedTokenAddress(mint, owner).toBase58()).toBe(getAssociatedTokenAddressSync(mint, owner, true).toBase58());
    }
  });
});

/**
 * What the generated Kit builders share: PDA derivation with Kit, and turning the
 * core's account metas into a Kit `Instruction` (signers carried as account signers).
 */
import { AccountRole, getProgramDerivedAddress, type AccountMeta, type Address, type Instruction, type TransactionSigner } from "@solana/kit";
import { addressBytes, type AccountMeta as CoreAccountMeta } from "../core/values.ts";

/** Options every Kit builder takes. */
export interface KitInstructionConfig {
  /** The program address; default the IDL's. */
  readonly programAddress?: Address;
}

/** A PDA and its canonical bump, derived by Kit. */
export async function derive(seeds: Uint8Array[], programAddress: Address): Promise<readonly [Address, number]> {
  const [address, bump] = await getProgramDerivedAddress({ programAddress, seeds });
  return [address, bump] as const;
}

function isSigner(v: Address | TransactionSigner): v is TransactionSigner {
  return typeof v === "object" && v !== null && typeof (v as { address?: unknown }).address === "string";
}

const ROLES = [AccountRole.READONLY, AccountRole.WRITABLE, AccountRole.READONLY_SIGNER, AccountRole.WRITABLE_SIGNER] as const;

/** A Kit instruction from the core's metas; every address is checked (typed `InvalidPublicKey`). */
export function kitInstruction(programAddress: Address, metas: readonly CoreAccountMeta<Address | TransactionSigner>[], data: Uint8Array): Instruction {
  addressBytes(programAddress, "programAddress");
  const accounts: AccountMeta[] = metas.map((m, i) => {
    const role = ROLES[(m.signer ? 2 : 0) + (m.writable ? 1 : 0)] as AccountRole;
    const v = m.address;
    if (isSigner(v)) {
      addressBytes(v.address, `account ${i}`);
      return { address: v.address, role, signer: v } as AccountMeta;
    }
    addressBytes(v, `account ${i}`);
    return { address: v, role };
  });
  return { programAddress, accounts, data };
}

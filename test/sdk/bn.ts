/**
 * The tests' one bridge to Anchor's BN: Anchor's coders are the oracle for the
 * SDK's own encoders and decoders. The SDK itself is bigint throughout and does
 * not depend on Anchor, so neither installs nor bundles carry it.
 */
import * as anchorNs from "@coral-xyz/anchor";

/** The part of bn.js the SDK uses. */
export interface BNLike {
  toString(base?: number): string;
}
type BNConstructor = new (value: string, base?: number) => BNLike;

// Node's ESM loader does not see `BN` among the CommonJS build's named exports (it
// is re-exported through a getter), but it is on the default export; bundlers that
// take the ESM/browser build see the named export. Take whichever exists.
const ns = anchorNs as unknown as { BN?: BNConstructor; default?: { BN?: BNConstructor } };
const BNImpl: BNConstructor | undefined = ns.BN ?? ns.default?.BN;

function ctor(): BNConstructor {
  if (!BNImpl) throw new TypeError("@coral-xyz/anchor does not export BN");
  return BNImpl;
}

/** bigint -> BN (for Anchor's coders). */
export function toBN(v: bigint): BNLike {
  return new (ctor())(v.toString(10), 10);
}

/** BN (from Anchor's coders) -> bigint. */
export function fromBN(v: BNLike): bigint {
  return BigInt(v.toString(10));
}

/** True for a BN instance (a plain boolean: every object would satisfy BNLike). */
export function isBN(v: unknown): boolean {
  const C = BNImpl;
  return C !== undefined && v instanceof C;
}

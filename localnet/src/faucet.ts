/**
 * The airdrop faucet: each airdrop is a real System Program transfer from
 * the faucet account, so it has a signature, logs and a history entry like
 * any other, and confirms through the normal paths (requestAirdrop +
 * confirmTransaction in web3.js). The faucet key persists in the ledger.
 */
import { createPrivateKey, createPublicKey, randomBytes, sign, type KeyObject } from "node:crypto";
import bs58 from "bs58";

const SYSTEM_PROGRAM = new Uint8Array(32);
/** DER prefix of a PKCS#8 Ed25519 private key; the 32-byte seed follows (RFC 8410). */
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/** A faucet key able to sign transfers. */
export interface Faucet {
  readonly address: string;
  /** 32-byte Ed25519 seed, to persist the faucet across restarts. */
  readonly seed: Uint8Array;
  /** Builds and signs a legacy transfer of `lamports` to `recipient` referencing `blockhash`. */
  transfer(recipient: string, lamports: bigint, blockhash: string): Uint8Array;
}

function shortU16(n: number): number[] {
  const out: number[] = [];
  let v = n;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if (v === 0) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/**
 * Creates the faucet from a saved seed, or a fresh one.
 *
 * @example
 * ```ts
 * const faucet = createFaucet();
 * declare const blockhash: string; // a recent blockhash of the node
 * const wire = faucet.transfer(owner.toBase58(), 1_000_000_000n, blockhash); // signed by the faucet, ready to send
 * ```
 */
export function createFaucet(seed: Uint8Array = randomBytes(32)): Faucet {
  const privateKey: KeyObject = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(seed)]), format: "der", type: "pkcs8" });
  const jwk = createPublicKey(privateKey).export({ format: "jwk" });
  const faucetKey = Buffer.from(jwk.x ?? "", "base64url");
  return {
    address: bs58.encode(faucetKey),
    seed: new Uint8Array(seed),
    transfer(recipient, lamports, blockhash) {
      const data = Buffer.alloc(12);
      data.writeUInt32LE(2, 0); // SystemInstruction::Transfer
      data.writeBigUInt64LE(lamports, 4);
      const msg = Buffer.concat([
        Buffer.from([1, 0, 1]), // 1 signer, 0 readonly signed, 1 readonly unsigned (system program)
        Buffer.from(shortU16(3)),
        faucetKey,
        Buffer.from(bs58.decode(recipient)),
        Buffer.from(SYSTEM_PROGRAM),
        Buffer.from(bs58.decode(blockhash)),
        Buffer.from(shortU16(1)),
        Buffer.from([2, ...shortU16(2), 0, 1, ...shortU16(data.length)]),
        data,
      ]);
      const sig = sign(null, msg, privateKey);
      return new Uint8Array(Buffer.concat([Buffer.from(shortU16(1)), sig, msg]));
    },
  };
}

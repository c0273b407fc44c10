/**
 * The airdrop faucet: each airdrop is a real System Program transfer
 * transaction, so it has a signature, logs and a history entry like any
 * other and confirms through the normal paths (requestAirdrop +
 * confirmTransaction in web3.js).
 *
 * Each airdrop is paid by a fresh one-shot faucet key funded with exactly
 * amount + fee, so two identical airdrops in the same blockhash window still
 * get distinct signatures, and the faucet account is emptied (and removed)
 * by its own transaction.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import bs58 from 'bs58';

const SYSTEM_PROGRAM = new Uint8Array(32);

/** A one-shot faucet: its address and the signed transfer's wire bytes. */
export interface FaucetTransfer {
  readonly faucet: string;
  readonly wire: Uint8Array;
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
 * Builds and signs a legacy transfer of `lamports` from a fresh key to
 * `recipient`, referencing `blockhash`.
 *
 * @example
 * ```ts
 * const { faucet, wire } = buildFaucetTransfer(recipient, 1_000_000_000n, blockhash);
 * ```
 */
export function buildFaucetTransfer(recipient: string, lamports: bigint, blockhash: string): FaucetTransfer {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  const faucetKey = Buffer.from(jwk.x ?? '', 'base64url');
  const to = bs58.decode(recipient);
  const data = Buffer.alloc(12);
  data.writeUInt32LE(2, 0); // SystemInstruction::Transfer
  data.writeBigUInt64LE(lamports, 4);
  const msg = Buffer.concat([
    Buffer.from([1, 0, 1]), // 1 signer, 0 readonly signed, 1 readonly unsigned (system program)
    Buffer.from(shortU16(3)),
    faucetKey,
    Buffer.from(to),
    Buffer.from(SYSTEM_PROGRAM),
    Buffer.from(bs58.decode(blockhash)),
    Buffer.from(shortU16(1)),
    Buffer.from([2, ...shortU16(2), 0, 1, ...shortU16(data.length)]),
    data,
  ]);
  const sig = sign(null, msg, privateKey);
  const wire = new Uint8Array(Buffer.concat([Buffer.from(shortU16(1)), sig, msg]));
  return { faucet: bs58.encode(faucetKey), wire };
}

/**
 * `gpunet localnet`: the local node with the gpunet program loaded at its IDL
 * address, and optionally a ready network: `--init` creates the admin, the
 * stake mint and the treasury and initializes gpunet; `--fund PUBKEY` gives a
 * wallet SOL and stake tokens. What `--init` made is written to `--keys DIR`
 * (admin keypair and network.json) so scripts can mint and administer.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Keypair, PublicKey } from "@solana/web3.js";
import { createLocalnet, LOCALNET_USAGE, parseLocalnetArgs } from "@gpunet/localnet";
import { GPUNET_PROGRAM_ADDRESS } from "@gpunet/sdk";
import { bootstrapNetwork, mintStake } from "./bootstrap.ts";

export const GPUNET_LOCALNET_USAGE = `${LOCALNET_USAGE}
gpunet additions:
  --init                initialize gpunet: admin, stake mint (6 decimals), treasury
  --keys DIR            where admin.json (gpunet's upgrade authority: the only key that
                        may initialize) and, with --init, network.json go (default .gpunet)
  --fund PUBKEY         with --init: 100 SOL and 1,000,000 stake tokens to this wallet (repeatable)`;

/** Runs `gpunet localnet`; resolves with the exit code once stopped by SIGINT/SIGTERM. */
export async function runLocalnetCommand(argv: readonly string[], gpunetSoPath: string): Promise<number> {
  const rest: string[] = [];
  let init = false;
  let keysDir = ".gpunet";
  const fund: PublicKey[] = [];
  try {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i] as string;
      if (a === "--init") init = true;
      else if (a === "--keys")
        keysDir =
          argv[++i] ??
          (() => {
            throw new TypeError("--keys needs a directory");
          })();
      else if (a === "--fund") fund.push(new PublicKey(argv[++i] ?? ""));
      else rest.push(a);
    }
    if (fund.length && !init) throw new TypeError("--fund needs --init");
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${GPUNET_LOCALNET_USAGE}\n`);
    return 2;
  }
  const ownProgram = !rest.some((a) => a === "--program" || a === "--upgradeable-program");
  let opts;
  try {
    opts = parseLocalnetArgs(rest);
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${GPUNET_LOCALNET_USAGE}\n`);
    return 2;
  }
  if (opts === null) {
    process.stdout.write(`${GPUNET_LOCALNET_USAGE}\n`);
    return 0;
  }
  // gpunet at its IDL address, deployed through the BPF Loader Upgradeable; its upgrade
  // authority is the admin (only that key may initialize), kept in the keys directory.
  // An admin.json left by an earlier run is kept (a resumed --ledger has that key as its upgrade authority).
  const adminPath = join(resolve(keysDir), "admin.json");
  const admin = existsSync(adminPath) ? Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(adminPath, "utf8")) as number[])) : Keypair.generate();
  if (ownProgram)
    opts = {
      ...opts,
      programs: [
        { programId: GPUNET_PROGRAM_ADDRESS, bytes: new Uint8Array(readFileSync(gpunetSoPath)), upgradeable: true, upgradeAuthority: admin.secretKey },
      ],
    };
  const net = await createLocalnet(opts);
  if (ownProgram) {
    const dir = resolve(keysDir);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "admin.json"), JSON.stringify([...admin.secretKey]), { mode: 0o600 });
  }
  try {
    process.stdout.write(
      `gpunet localnet: JSON-RPC ${net.rpcUrl}  WebSocket ${net.wsUrl}${net.grpcUrl ? `  gRPC ${net.grpcUrl}` : ""}  program ${GPUNET_PROGRAM_ADDRESS}\n`,
    );
    if (init) {
      const g = await bootstrapNetwork({ rpcUrl: net.rpcUrl, wsUrl: net.wsUrl, admin });
      const dir = resolve(keysDir);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "admin.json"), JSON.stringify([...g.admin.secretKey]), { mode: 0o600 });
      const info = {
        rpcUrl: net.rpcUrl,
        wsUrl: net.wsUrl,
        programId: GPUNET_PROGRAM_ADDRESS,
        admin: g.admin.publicKey.toBase58(),
        stakeMint: g.stakeMint.toBase58(),
        treasury: g.treasury.toBase58(),
        decimals: g.decimals,
      };
      writeFileSync(join(dir, "network.json"), `${JSON.stringify(info, null, 2)}\n`);
      process.stdout.write(`gpunet initialized: stake mint ${info.stakeMint}, admin ${info.admin} (keys in ${dir})\n`);
      for (const pk of fund) {
        net.airdrop(pk, 100_000_000_000n);
        await mintStake(g, pk, 1_000_000n * 10n ** BigInt(g.decimals));
        process.stdout.write(`funded ${pk.toBase58()}: 100 SOL, 1,000,000 stake tokens\n`);
      }
    }
    await new Promise<void>((done) => {
      const stop = (): void => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        done();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    return 0;
  } finally {
    await net.close();
    process.stdout.write("gpunet localnet: stopped\n");
  }
}

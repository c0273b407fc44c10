/**
 * The live demo workload of `npm start`: providers register and stake,
 * buyers post jobs, providers accept and deliver, buyers approve or dispute,
 * the admin resolves disputes, jobs expire, rewards are funded and claimed
 * by a bot, a provider is slashed, stake is unbonded and withdrawn, and
 * finished jobs are closed. Everything goes through the SDK against a real
 * RPC endpoint; the clock is moved with the localnet's `gpunet_advanceClock`
 * so that windows and deadlines pass without waiting.
 */
import { Keypair, type PublicKey } from "@solana/web3.js";
import { BPS_DENOMINATOR, GPU_MODEL, isGpunetError, MAX_PROVIDER_SHARE_BPS, REGIONS, type JobState } from "@gpunet/sdk";
import { formatTokens } from "@gpunet/indexer";
import { airdrop, mintStake, type GpunetNetwork } from "./bootstrap.ts";

/** Deterministic PRNG (xorshift64*), so a seed replays the same workload. */
export function createRng(seed: bigint): { next(): bigint; int(n: number): number; pick<T>(xs: readonly T[]): T; chance(p: number): boolean } {
  let s = (seed ^ 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
  if (s === 0n) s = 1n;
  const next = (): bigint => {
    s ^= s >> 12n;
    s ^= (s << 25n) & 0xffffffffffffffffn;
    s ^= s >> 27n;
    return (s * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn;
  };
  const int = (n: number): number => Number(next() % BigInt(n));
  return {
    next,
    int,
    pick: <T>(xs: readonly T[]): T => xs[int(xs.length)] as T,
    chance: (p: number): boolean => int(1_000_000) < p * 1_000_000,
  };
}

export interface DemoOptions {
  readonly net: GpunetNetwork;
  readonly seed: bigint;
  /** Stop after this many milliseconds (default: until the signal aborts). */
  readonly durationMs?: number;
  readonly signal?: AbortSignal;
  readonly providers?: number;
  readonly buyers?: number;
  /** Pause between steps, so a watcher can follow (default 150 ms). */
  readonly stepDelayMs?: number;
  readonly log?: (line: string) => void;
}

export interface DemoStats {
  steps: number;
  sent: Record<string, number>;
  /** Program errors met on purpose-free steps; a healthy run has none. */
  errors: Record<string, number>;
  /** The first message of each kind in {@link errors} (what a failed step was told). */
  errorMessages: Record<string, string>;
  claimedTotal: bigint;
}

interface Actor {
  kp: Keypair;
  token: PublicKey;
}
interface DemoJob {
  address: PublicKey;
  buyer: Actor;
  provider?: Actor;
  state: JobState;
  price: bigint;
  deadlineAt: bigint;
  submittedAt: bigint;
}

async function rpc(url: string, method: string, params: unknown[]): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/**
 * Runs the workload until the duration passes or the signal aborts.
 *
 * @example
 * ```ts
 * import { GPUNET_PROGRAM_ADDRESS } from "@gpunet/sdk";
 * import { createLocalnet, gpunetProgramBytes } from "@gpunet/localnet";
 * import { bootstrapNetwork } from "./bootstrap.ts";
 * import { runDemo } from "./demo.ts";
 * const localnet = await createLocalnet({ rpcPort: 0, programs: [{ programId: GPUNET_PROGRAM_ADDRESS, bytes: gpunetProgramBytes() }] });
 * const net = await bootstrapNetwork({ rpcUrl: localnet.rpcUrl, wsUrl: localnet.wsUrl });
 * const stats = await runDemo({ net, seed: 42n, durationMs: 30_000 });
 * console.log(stats.steps, stats.sent);
 * await localnet.close();
 * ```
 */
export async function runDemo(o: DemoOptions): Promise<DemoStats> {
  const { net } = o;
  const rng = createRng(o.seed);
  const log = o.log ?? (() => {});
  const unit = 10n ** BigInt(net.decimals);
  const stats: DemoStats = { steps: 0, sent: {}, errors: {}, errorMessages: {}, claimedTotal: 0n };
  const client = net.client;
  const now = async (): Promise<bigint> => BigInt((await net.connection.getBlockTime(await net.connection.getSlot("confirmed"))) ?? 0);
  const advance = (seconds: number) => rpc(net.rpcUrl, "gpunet_advanceClock", [{ seconds }]);

  async function act(name: string, f: () => Promise<unknown>): Promise<boolean> {
    try {
      await f();
      stats.sent[name] = (stats.sent[name] ?? 0) + 1;
      return true;
    } catch (e) {
      const code = isGpunetError(e) ? e.code : e instanceof Error ? e.name : "Unknown";
      const key = `${name}:${code}`;
      const message = e instanceof Error ? (e.message.split("\n")[0] ?? "") : String(e);
      stats.errors[key] = (stats.errors[key] ?? 0) + 1;
      stats.errorMessages[key] ??= message;
      log(`  ${name} failed: ${code} ${message}`);
      return false;
    }
  }

  const newActor = async (tokens: bigint): Promise<Actor> => {
    const kp = Keypair.generate();
    await airdrop(net.connection, kp.publicKey, 10);
    const token = await mintStake(net, kp.publicKey, tokens);
    return { kp, token };
  };

  // The terms the network was initialized with: the per-GPU minimum stake, the challenge window, the slash cap.
  const cfg = (await client.fetchConfig()).data;
  // Providers: varied hardware, staked enough for their GPUs (1.5 times the per-GPU minimum, plus change).
  const providers: (Actor & { gpus: number; model: number; vram: number })[] = [];
  for (let i = 0; i < (o.providers ?? 5); i++) {
    const a = await newActor(100_000n * unit);
    const gpus = 1 + rng.int(8);
    const model = rng.pick([GPU_MODEL.h100, GPU_MODEL.a100, GPU_MODEL.l40S]);
    const vram = [24, 48, 80][rng.int(3)] as number;
    await act("registerProvider", () =>
      client.registerProvider({ gpuModel: model, gpuCount: gpus, vramGb: vram, region: rng.int(REGIONS.length) }, { signers: [a.kp] }),
    );
    await act("stake", () => client.stake({ amount: (BigInt(gpus) * cfg.minStakePerGpu * 3n) / 2n + BigInt(rng.int(1_000)) * unit }, { signers: [a.kp] }));
    providers.push({ ...a, gpus, model, vram });
  }
  log(`${providers.length} providers registered and staked`);
  const buyers: Actor[] = [];
  for (let i = 0; i < (o.buyers ?? 4); i++) buyers.push(await newActor(1_000_000n * unit));
  const funder = await newActor(10_000_000n * unit);
  log(`${buyers.length} buyers funded; workload running (seed ${o.seed})`);

  const jobs: DemoJob[] = [];
  let nextJobId = 1n;
  const started = Date.now();
  const done = (): boolean => (o.signal?.aborted ?? false) || (o.durationMs !== undefined && Date.now() - started >= o.durationMs);

  while (!done()) {
    stats.steps++;
    const roll = rng.int(100);
    const open = jobs.filter((j) => j.state === "open");
    const accepted = jobs.filter((j) => j.state === "accepted");
    const submitted = jobs.filter((j) => j.state === "submitted");
    const disputed = jobs.filter((j) => j.state === "disputed");
    const finished = jobs.filter((j) => j.state === "completed" || j.state === "cancelled" || j.state === "expired" || j.state === "resolved");

    if (roll < 20 || jobs.length === 0) {
      const buyer = rng.pick(buyers);
      const target = rng.pick(providers);
      const price = BigInt(10 + rng.int(500)) * unit + BigInt(rng.int(1_000_000));
      const jobId = nextJobId++;
      const ok = await act("createJob", () =>
        client.createJob(
          {
            jobId,
            price,
            maxDuration: 900 + rng.int(2_700),
            minGpus: 1 + rng.int(target.gpus),
            gpuModel: rng.chance(0.5) ? target.model : GPU_MODEL.any,
            minVramGb: target.vram,
          },
          { signers: [buyer.kp] },
        ),
      );
      if (ok) jobs.push({ address: client.jobAddress({ buyer: buyer.kp.publicKey, jobId }), buyer, state: "open", price, deadlineAt: 0n, submittedAt: 0n });
    } else if (roll < 35 && open.length) {
      const j = rng.pick(open);
      const job = (await client.fetchJob({ address: j.address })).data;
      const fit = providers.filter(
        (p) =>
          p.gpus >= job.minGpus &&
          p.vram >= job.minVramGb &&
          (job.gpuModel === GPU_MODEL.any || job.gpuModel === p.model) &&
          !p.kp.publicKey.equals(j.buyer.kp.publicKey),
      );
      if (fit.length === 0 || rng.chance(0.15)) {
        if (await act("cancelJob", () => client.cancelJob({ job: { address: j.address } }, { signers: [j.buyer.kp] }))) j.state = "cancelled";
      } else {
        const p = rng.pick(fit);
        if (await act("acceptJob", () => client.acceptJob({ job: { address: j.address } }, { signers: [p.kp] }))) {
          j.state = "accepted";
          j.provider = p;
          j.deadlineAt = (await client.fetchJob({ address: j.address })).data.deadline;
        }
      }
    } else if (roll < 50 && accepted.length) {
      const j = rng.pick(accepted);
      if ((await now()) > j.deadlineAt) {
        if (await act("expireJob", () => client.expireJob({ job: { address: j.address } }, { signers: [funder.kp] }))) j.state = "expired";
      } else if (rng.chance(0.9)) {
        const hash = new Uint8Array(32).map(() => rng.int(256));
        if (await act("submitResult", () => client.submitResult({ job: { address: j.address }, resultHash: hash }, { signers: [j.provider!.kp] })))
          j.state = "submitted";
      }
    } else if (roll < 62 && submitted.length) {
      const j = rng.pick(submitted);
      if (rng.chance(0.15)) {
        if (await act("disputeJob", () => client.disputeJob({ job: { address: j.address } }, { signers: [j.buyer.kp] }))) j.state = "disputed";
      } else if (await act("completeJob", () => client.completeJob({ job: { address: j.address } }, { signers: [j.buyer.kp] }))) j.state = "completed";
    } else if (roll < 67 && disputed.length) {
      const j = rng.pick(disputed);
      const share = rng.int(5) * (MAX_PROVIDER_SHARE_BPS / 4); // none, a quarter, ..., all
      if (await act("resolveDispute", () => client.resolveDispute({ job: { address: j.address }, providerShareBps: share }, { signers: [net.admin] })))
        j.state = "resolved";
    } else if (roll < 73) {
      await act("fundRewards", () => client.fundRewards({ amount: BigInt(100 + rng.int(10_000)) * unit + BigInt(rng.int(999_999)) }, { signers: [funder.kp] }));
    } else if (roll < 78) {
      // The reward bot: one claimAll for every provider key it holds.
      await act("claimAll", async () => {
        const r = await client.claimAll({ signers: providers.map((p) => p.kp) });
        stats.claimedTotal += r.total;
        if (r.total > 0n) log(`  bot claimed ${formatTokens(r.total, net.decimals)} for ${r.claimed.length} providers in ${r.batches.length} transaction(s)`);
      });
    } else if (roll < 81 && finished.length) {
      const j = rng.pick(finished);
      if (await act("closeJob", () => client.closeJob({ job: { address: j.address } }, { signers: [funder.kp] }))) jobs.splice(jobs.indexOf(j), 1);
    } else if (roll < 84) {
      const p = rng.pick(providers);
      const prov = (await client.fetchProvider({ owner: p.kp.publicKey })).data;
      if (prov.unbondingAmount > 0n && (await now()) >= prov.unbondingUnlockAt) {
        await act("withdrawUnstaked", () => client.withdrawUnstaked({}, { signers: [p.kp] }));
      } else if (prov.activeStake > BigInt(p.gpus) * cfg.minStakePerGpu + unit) {
        await act("requestUnstake", () => client.requestUnstake({ amount: unit + BigInt(rng.int(Number(10n * unit))) }, { signers: [p.kp] }));
      } else {
        await act("stake", () => client.stake({ amount: BigInt(10 + rng.int(100)) * unit }, { signers: [p.kp] }));
      }
    } else if (roll < 86) {
      const p = rng.pick(providers);
      const prov = (await client.fetchProvider({ owner: p.kp.publicKey })).data;
      const cap = ((prov.activeStake + prov.unbondingAmount) * BigInt(cfg.slashCapBps)) / BigInt(BPS_DENOMINATOR);
      const amount = cap / 20n; // well under the epoch cap
      if (amount > 0n) {
        await act("slash", () =>
          client.slash(
            { providerOwner: p.kp.publicKey, amount, reason: (["failedJob", "fraud", "other"] as const)[rng.int(3)] ?? "other" },
            { signers: [net.admin] },
          ),
        );
        log(`  slashed provider ${p.kp.publicKey.toBase58().slice(0, 8)}… by ${amount}`);
      }
    } else if (roll < 92) {
      // Time passes: challenge windows close, deadlines pass, unbonding ends.
      await advance(300 + rng.int(1_200));
      for (const j of submitted) {
        if ((await now()) > j.submittedAt + cfg.challengeWindow && rng.chance(0.5)) {
          if (await act("completeJob(timeout)", () => client.completeJob({ job: { address: j.address } }, { signers: [funder.kp] }))) j.state = "completed";
        }
      }
    }
    for (const j of jobs) if (j.state === "submitted" && j.submittedAt === 0n) j.submittedAt = (await client.fetchJob({ address: j.address })).data.submittedAt;
    if (stats.steps % 25 === 0) {
      const cfg = (await client.fetchConfig()).data;
      log(
        `step ${stats.steps}: ${jobs.length} live jobs, active stake ${cfg.totalActiveStake}, funded ${cfg.totalFunded}, claimed ${cfg.totalClaimed}, slashed ${cfg.totalSlashed}`,
      );
    }
    await sleep(o.stepDelayMs ?? 150, o.signal);
  }
  return stats;
}

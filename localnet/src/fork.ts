/**
 * Fork switches, for tests of what a client does when the cluster drops
 * transactions it already reported at processed or confirmed.
 *
 * `switchFork(node, parentSlot)` abandons every slot after `parentSlot` (none
 * of them may be finalized), as when a cluster's fork choice moves to a sibling
 * fork that branched at `parentSlot`: the abandoned transactions disappear
 * from the history (signature statuses, getTransaction, blocks), every account
 * returns to its state at `parentSlot`, the blockhashes of the abandoned slots
 * become invalid, and the next slot is `parentSlot + 1` on the new fork. A
 * client may then send the same signed bytes again; they land at a slot of
 * the new fork, above or below the slot they had before.
 *
 * JSON-RPC: `gpunet_switchFork {parentSlot}` (only without a ledger: the
 * ledger's history is append-only).
 */
import type { LocalnetNode } from "./node.ts";
import { invalidParams } from "./errors.ts";
import { configAt, paramsArray, u64Param } from "./params.ts";
import { createSvmAccess } from "./svm-access.ts";
import type { RpcMethod } from "./methods.ts";

/** What a fork switch abandoned. */
export interface ForkSwitch {
  /** Signatures of the abandoned transactions, oldest first. */
  readonly dropped: readonly string[];
  /** The current slot after the switch (the parent). */
  readonly slot: bigint;
}

/**
 * Abandons the slots after `parentSlot`; see the module comment.
 *
 * @throws {RpcError} invalid params when `parentSlot` is below the finalized slot or not behind the current slot.
 * @example
 * ```ts
 * import { createLocalnet } from "@gpunet/localnet";
 * import { switchFork } from "./fork.ts";
 * const net = await createLocalnet({ rpcPort: 0 });
 * const { dropped } = switchFork(net.node, net.node.clock.slot - 2n);
 * ```
 */
export function switchFork(node: LocalnetNode, parentSlot: bigint): ForkSwitch {
  const { clock, history, changes } = node;
  const finalized = clock.commitmentSlot("finalized");
  if (parentSlot < finalized) throw invalidParams(`Invalid params: parentSlot ${parentSlot} is below the finalized slot ${finalized}`);
  if (parentSlot >= clock.slot) throw invalidParams(`Invalid params: parentSlot ${parentSlot} must be behind the current slot ${clock.slot}`);
  const access = createSvmAccess(node.svm);
  for (const addr of changes.changedAfter(parentSlot)) {
    access.setAccount(addr, changes.stateAt(addr, parentSlot, node.accountState(addr)));
  }
  changes.dropAfter(parentSlot);
  const dropped = history.dropAfter(parentSlot).map((r) => r.signature);
  clock.rewind(parentSlot);
  return { dropped, slot: clock.slot };
}

/** The JSON-RPC method `gpunet_switchFork` over a node. */
export function createForkMethods(node: LocalnetNode): Record<string, RpcMethod> {
  return {
    gpunet_switchFork: (p) => {
      const a = configAt(paramsArray(p), 0);
      if (a.parentSlot === undefined) throw invalidParams("Invalid params: parentSlot is required");
      const r = switchFork(node, u64Param(a.parentSlot, "parentSlot"));
      return { slot: r.slot, dropped: r.dropped };
    },
  };
}

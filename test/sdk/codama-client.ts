/**
 * A Codama-generated Kit client of the IDL, rendered at test time into `.tmp/`
 * (`@codama/nodes-from-anchor` + `@codama/renderers-js`) and loaded: the second
 * oracle the generated encoders are checked against.
 *
 * Two adjustments let renderers-js 2.2 render the node tree of @codama/nodes 1.11,
 * which leaves empty child arrays out: empty arrays are put back, and each
 * instruction gets one optional extra argument (never encoded) so the renderer's
 * own empty-struct path is not taken. Events are left out: this renderer has no
 * event support. Neither touches instruction data or accounts.
 */
import { mkdtempSync } from "node:fs";
import { join, resolve } from "node:path";
import { rootNodeFromAnchor, type AnchorIdl } from "@codama/nodes-from-anchor";
import { renderVisitor } from "@codama/renderers-js";
import { visit } from "@codama/visitors-core";
import { GPUNET_IDL } from "../../sdk/src/idl.ts";

const ARRAYS: Record<string, string[]> = {
  structTypeNode: ["fields"],
  pdaValueNode: ["seeds"],
  pdaNode: ["seeds"],
  instructionNode: ["accounts", "arguments", "remainingAccounts", "byteDeltas", "discriminators", "subInstructions"],
  tupleTypeNode: ["items"],
  enumTypeNode: ["variants"],
};

function withArrays(n: unknown): unknown {
  if (Array.isArray(n)) return n.map(withArrays);
  if (!n || typeof n !== "object") return n;
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(n)) o[k] = withArrays(v);
  for (const k of ARRAYS[(n as { kind?: string }).kind ?? ""] ?? []) if (o[k] === undefined) o[k] = [];
  return o;
}

const EXTRA = {
  kind: "instructionArgumentNode",
  name: "unused",
  type: { kind: "numberTypeNode", format: "u8", endian: "le" },
  defaultValue: { kind: "numberValueNode", number: 0 },
  defaultValueStrategy: "optional",
};

/** The rendered client's exports (the renderer's `src/generated/index.ts`). */
export type CodamaClient = Record<string, unknown>;

/** Renders the client into a fresh directory under `.tmp/` and imports it. */
export async function loadCodamaClient(): Promise<CodamaClient> {
  const tmp = resolve(import.meta.dirname, "../../.tmp");
  const { mkdirSync } = await import("node:fs");
  mkdirSync(tmp, { recursive: true });
  const dir = mkdtempSync(join(tmp, "codama-"));
  const root = withArrays(rootNodeFromAnchor(GPUNET_IDL as unknown as AnchorIdl)) as {
    program: { instructions: Record<string, unknown>[]; events: unknown[] };
  };
  const program = { ...root.program, events: [], instructions: root.program.instructions.map((ix) => ({ ...ix, extraArguments: [EXTRA] })) };
  await visit({ ...root, program } as never, renderVisitor(dir, { formatCode: false, syncPackageJson: false, deleteFolderBeforeRendering: true }));
  return (await import(join(dir, "src/generated/index.ts"))) as CodamaClient;
}

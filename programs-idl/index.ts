/**
 * `@gpunet/idl`: the gpunet program's Anchor IDL, the one contract that the
 * program, the SDK and the indexer follow. No dependencies.
 *
 * - `gpunetIdlJson`: the JSON as committed (snake_case), typed `as const`;
 * - `Gpunet`: the type Anchor's `Program<Gpunet>` takes (camelCase names);
 * - `@gpunet/idl/gpunet.json`: the raw file, for tools that read JSON.
 *
 * @example
 * ```ts
 * import { gpunetIdlJson, GPUNET_PROGRAM_ADDRESS } from "@gpunet/idl";
 * console.log(gpunetIdlJson.metadata.name, GPUNET_PROGRAM_ADDRESS);
 * ```
 */
import { gpunetIdlJson } from "./idl-json.ts";

export { gpunetIdlJson };
export type { Gpunet } from "./gpunet.ts";

/** The raw IDL's exact type (snake_case names, literal values). */
export type GpunetIdlJson = typeof gpunetIdlJson;

/**
 * The program address the IDL declares (base58).
 *
 * @example
 * ```ts
 * import { GPUNET_PROGRAM_ADDRESS } from "@gpunet/idl";
 * console.log(GPUNET_PROGRAM_ADDRESS.length > 30); // true
 * ```
 */
export const GPUNET_PROGRAM_ADDRESS: string = gpunetIdlJson.address;

/**
 * The IDL's `metadata.version`.
 *
 * @example
 * ```ts
 * import { GPUNET_IDL_VERSION } from "@gpunet/idl";
 * console.log(GPUNET_IDL_VERSION); // "0.1.0"
 * ```
 */
export const GPUNET_IDL_VERSION: string = gpunetIdlJson.metadata.version;

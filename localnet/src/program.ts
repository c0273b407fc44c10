/**
 * Where the compiled gpunet program (`gpunet.so`) is on this machine.
 *
 * `@gpunet/localnet` ships the program it was released with (`program/gpunet.so`
 * in the package). In a checkout of the gpunet repository the freshly built
 * `target/deploy/gpunet.so` is preferred, so a rebuilt program is what runs.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { LocalnetError } from "./errors.ts";

// Both candidates are relative to this module: `src/program.ts` in a checkout,
// `dist/program.js` in an installed package, one directory below the package root.
const CHECKOUT_BUILD = new URL("../../target/deploy/gpunet.so", import.meta.url);
const PACKAGED = new URL("../program/gpunet.so", import.meta.url);

/**
 * The path of the gpunet program binary this package runs.
 *
 * @example
 * ```ts
 * import { gpunetProgramPath } from '@gpunet/localnet';
 * console.log(gpunetProgramPath().endsWith('gpunet.so')); // true
 * ```
 */
export function gpunetProgramPath(): string {
  for (const url of [CHECKOUT_BUILD, PACKAGED]) {
    const path = fileURLToPath(url);
    if (existsSync(path)) return path;
  }
  throw new LocalnetError("PROGRAM_NOT_FOUND", `gpunet.so not found (looked for ${fileURLToPath(PACKAGED)}); build it with npm run build:program`);
}

/**
 * The gpunet program's bytes (an SBPF ELF), for `createLocalnet({ programs })`.
 *
 * @example
 * ```ts
 * import { createLocalnet, gpunetProgramBytes } from '@gpunet/localnet';
 * import { GPUNET_PROGRAM_ADDRESS } from '@gpunet/idl';
 * const net = await createLocalnet({ rpcPort: 0, programs: [{ programId: GPUNET_PROGRAM_ADDRESS, bytes: gpunetProgramBytes() }] });
 * await net.close();
 * ```
 */
export function gpunetProgramBytes(): Uint8Array {
  return readFileSync(gpunetProgramPath());
}

// An ES module app: import the installed SDK and IDL.
import { createGpunetClient, findConfigPda, isGpunetError, toU64 } from "@gpunet/sdk";
import { gpunetIdlJson } from "@gpunet/idl";
const [config] = findConfigPda();
let code = "none";
try {
  toU64(-1, "amount");
} catch (e) {
  code = isGpunetError(e, "U64OutOfRange") ? e.code : "other";
}
console.log(
  JSON.stringify({ format: "esm", createGpunetClient: typeof createGpunetClient, config: config.toBase58(), idl: gpunetIdlJson.metadata.name, code }),
);

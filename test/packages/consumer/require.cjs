// A CommonJS app: require() the installed SDK and IDL.
const sdk = require("@gpunet/sdk");
const { gpunetIdlJson } = require("@gpunet/idl");
const [config] = sdk.findConfigPda();
let code = "none";
try {
  sdk.toU64(-1, "amount");
} catch (e) {
  code = sdk.isGpunetError(e, "U64OutOfRange") ? e.code : "other";
}
console.log(
  JSON.stringify({ format: "cjs", createGpunetClient: typeof sdk.createGpunetClient, config: config.toBase58(), idl: gpunetIdlJson.metadata.name, code }),
);

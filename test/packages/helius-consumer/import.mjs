// An ES module app: import the installed SDK's Helius face beside its main entry.
import { GpunetError, isGpunetError } from "@gpunet/sdk";
import { heliusPriorityFee, heliusSender, heliusSmartTransaction, MIN_TIP_LAMPORTS_MAX, SENDER_TIP_ACCOUNTS, senderFastUrl } from "@gpunet/sdk/helius";
let code = "none";
let sameClass = false;
try {
  heliusSender({ tipLamports: 1n });
} catch (e) {
  code = isGpunetError(e, "InvalidInput") ? e.code : "other";
  sameClass = e instanceof GpunetError;
}
console.log(
  JSON.stringify({
    format: "esm",
    sender: heliusSender().name,
    smart: heliusSmartTransaction({ url: "https://mainnet.helius-rpc.com/?api-key=KEY" }).name,
    fee: heliusPriorityFee({ url: "https://mainnet.helius-rpc.com/?api-key=KEY" }).kind,
    fast: senderFastUrl("Default"),
    tipAccounts: SENDER_TIP_ACCOUNTS.length,
    minTip: String(MIN_TIP_LAMPORTS_MAX),
    code,
    sameClass,
  }),
);

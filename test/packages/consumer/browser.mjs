// A browser app's entry: what a dApp bundles.
import { createGpunetClient, findConfigPda, getStakeInstruction, parseGpunetLogs } from "@gpunet/sdk";
export const used = [createGpunetClient, findConfigPda, getStakeInstruction, parseGpunetLogs];

#!/usr/bin/env node
/**
 * The installed `gpunet` command: npm links `node_modules/.bin/gpunet` to the
 * compiled form of this file, which always runs (no main-module check to fool
 * through the symlink).
 */
import { runAsProcess } from "./gpunet.ts";

runAsProcess();

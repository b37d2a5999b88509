// Where the toolchain lives: a versioned folder under Mooring's home, so a warm machine skips every
// build and a new recipe never picks up an old binary.
import { join } from "node:path";
import { mooringHome } from "../util/home.ts";
import { binaryRelPath, PROVIDER_MIRROR_DIR, type Tool, toolDirName } from "./catalog.ts";

export const TOOLCHAIN_LAYOUT_VERSION = "v1";

/** MOORING_TOOLCHAIN overrides the folder, so tests can isolate MOORING_HOME and still share builds. */
export function toolchainRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.MOORING_TOOLCHAIN || join(mooringHome(env), `toolchain-${TOOLCHAIN_LAYOUT_VERSION}`);
}

export function toolDir(tool: Tool, env: NodeJS.ProcessEnv = process.env): string {
  return join(toolchainRoot(env), toolDirName(tool));
}

export function toolBinary(tool: Tool, binary: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(toolDir(tool, env), binaryRelPath(tool, binary));
}

/** The filesystem mirror folder of a provider tool: what a `filesystem_mirror` block points at. */
export function providerMirrorDir(tool: Tool, env: NodeJS.ProcessEnv = process.env): string {
  return join(toolDir(tool, env), PROVIDER_MIRROR_DIR);
}

export function toolAsset(tool: Tool, file: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(toolDir(tool, env), "share", file);
}

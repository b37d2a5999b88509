// The one folder where Mooring keeps what it builds and runs on this machine: the toolchain cache
// and the sandboxes. MOORING_HOME overrides it (tests and CI use that); default ~/.cache/mooring.
import { homedir } from "node:os";
import { join } from "node:path";

export function mooringHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.MOORING_HOME || join(homedir(), ".cache", "mooring");
}

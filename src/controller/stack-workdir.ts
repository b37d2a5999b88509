// The folder one Stack run works in. The checked-out commit is shared and read-only, while tofu
// writes into its module folder (.terraform, the lock file, plan files), so each run copies the
// repository into a folder of its own, adds the backend override (state in the cluster, never on
// this disk) and the variables file, and is removed afterwards. Nothing in it outlives the run
// except what is stored in the cluster: state, plans, outputs.
import { cp, mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { type ClusterAccess, writeBackendOverride } from "../terraform/state-backend.ts";

export interface Workdir {
  /** Root of the copied repository. */
  root: string;
  /** The module folder inside it, where tofu runs. */
  moduleDir: string;
  /** HOME for tofu. */
  homeDir: string;
  /** The variables file (terraform.tfvars.json), relative to moduleDir. */
  varFile: string;
  remove(): Promise<void>;
}

export class WorkdirError extends Error {}

export async function prepareWorkdir(options: {
  parent: string;
  checkout: string;
  path: string;
  stack: { namespace: string; name: string };
  stateAccess: ClusterAccess;
  tfvars: string;
}): Promise<Workdir> {
  await mkdir(options.parent, { recursive: true });
  const base = await mkdtemp(join(options.parent, `${options.stack.namespace}.${options.stack.name}-`));
  const root = join(base, "repo");
  // Symbolic links are copied as links; the path check below keeps the module inside the copy.
  await cp(options.checkout, root, { recursive: true, verbatimSymlinks: true });
  const moduleDir = resolve(root, options.path || ".");
  const realModule = await realpath(moduleDir).catch(() => "");
  const realRoot = await realpath(root);
  const inside = realModule && !relative(realRoot, realModule).startsWith("..");
  if (!inside) {
    await rm(base, { recursive: true, force: true });
    throw new WorkdirError(
      realModule
        ? `source.path ${options.path} leaves the repository; point it at a folder inside it`
        : `source.path ${options.path} does not exist in the repository at this revision`,
    );
  }
  await writeBackendOverride(moduleDir, { stack: options.stack, access: options.stateAccess });
  const varFile = "mooring.tfvars.json";
  await writeFile(join(moduleDir, varFile), options.tfvars, { mode: 0o600 });
  const homeDir = join(base, "home");
  await mkdir(homeDir, { recursive: true });
  return { root, moduleDir, homeDir, varFile, remove: () => rm(base, { recursive: true, force: true }) };
}

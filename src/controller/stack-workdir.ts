// The folder a Stack run works in. The checked-out commit is shared and read-only, while tofu
// writes into its module folder (.terraform, the lock file, plan files), so a run works in a
// copy of the repository with the backend override (state in the cluster, never on this disk)
// and the variables file added.
//
// `tofu init` and the copy cost more than a small plan itself, so the folder is kept for the
// Stack's next run while the commit, the module path and the environment stay the same: that
// run skips both. Between runs the folder holds only what the commit holds plus `.terraform`
// (providers and the backend's settings) — the variables file, which may hold secrets, and
// plan files are removed at the end of every run. A run that fails throws its folder away, so
// a half-done init is never reused. Folders left by an earlier controller process are swept
// when the first run starts, unless a process still works in them.
//
// Each folder also holds `cluster.kubeconfig`, naming the API server and its CA (no
// credentials): the state backend's way to the cluster, with the run's token from the
// environment. A module whose override files would replace Mooring's backend is refused here,
// before tofu ever reads it.
import { cp, mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { backendOverrides, isOverrideFile } from "../core/stack/override-files.ts";
import { type ApiServer, clusterKubeconfig, writeBackendOverride } from "../terraform/state-backend.ts";
import { processesWorkingUnder } from "../util/processes.ts";

export interface Workdir {
  /** Root of the copied repository. */
  root: string;
  /** The module folder inside it, where tofu runs. */
  moduleDir: string;
  /** HOME for tofu. */
  homeDir: string;
  /** The variables file (terraform.tfvars.json), relative to moduleDir. */
  varFile: string;
  /** `tofu init` already ran here (a folder kept from an earlier run). */
  initialized: boolean;
}

export class WorkdirError extends Error {}

/** The module's override files would move its state elsewhere (see override-files.ts). */
export class BackendOverrideError extends WorkdirError {}

interface Kept {
  base: string;
  /** Commit, module path and environment digest the folder was made and initialized for. */
  key: string;
  workdir: Workdir;
  busy: boolean;
  /** When its last run ended (ms), for the disk budget's least-recently-used order. */
  usedAt?: number;
}

const VAR_FILE = "mooring.tfvars.json";

/** What a run folder is made from: the Stack, its checked-out commit, the module path, the variables. */
export interface FolderSource {
  stack: { namespace: string; name: string };
  checkout: string;
  path: string;
  tfvars: string;
}

export class RunFolders {
  private readonly parent: string;
  private readonly apiServer: ApiServer;
  private readonly kept = new Map<string, Kept>();
  private swept: Promise<void> | undefined;

  constructor(parent: string, apiServer: ApiServer) {
    this.parent = parent;
    this.apiServer = apiServer;
  }

  /**
   * A folder for one run of `stack` at a commit: the one kept from the Stack's last run when it
   * was made for the same `key` (commit, path, environment), else a fresh copy of `checkout`.
   * Hand it back with `release` once the run is over.
   */
  async open(options: FolderSource & { key: string }): Promise<Workdir> {
    this.swept ??= this.sweep();
    await this.swept;
    const id = `${options.stack.namespace}/${options.stack.name}`;
    const kept = this.kept.get(id);
    if (kept && !kept.busy && kept.key === options.key) {
      kept.busy = true;
      try {
        await writeFile(join(kept.workdir.moduleDir, VAR_FILE), options.tfvars, { mode: 0o600 });
        return kept.workdir;
      } catch {
        // The folder went away under us (someone cleaned the disk): make a new one.
        kept.busy = false;
      }
    }
    if (kept && !kept.busy) {
      this.kept.delete(id);
      await rm(kept.base, { recursive: true, force: true });
    }
    const { base, workdir } = await this.copy(options);
    if (!this.kept.has(id)) this.kept.set(id, { base, key: options.key, workdir, busy: true });
    return workdir;
  }

  /**
   * A fresh folder for one run that is never kept — a pull request's preview: the Stack's kept
   * folder is neither taken nor replaced, and `release` removes this one whatever the outcome.
   */
  async openThrowaway(options: FolderSource): Promise<Workdir> {
    this.swept ??= this.sweep();
    await this.swept;
    return (await this.copy(options)).workdir;
  }

  /**
   * Ends a run in `workdir`. After a successful run the folder is kept, initialized, for the
   * next run — minus the variables file and plan files; after a failure it is removed.
   */
  async release(workdir: Workdir, outcome: { ok: boolean }): Promise<void> {
    const entry = [...this.kept.entries()].find(([, k]) => k.workdir === workdir);
    const base = resolve(workdir.root, "..");
    if (!entry || !outcome.ok) {
      if (entry) this.kept.delete(entry[0]);
      await rm(base, { recursive: true, force: true });
      return;
    }
    try {
      await rm(join(workdir.moduleDir, VAR_FILE), { force: true });
      for (const name of await readdir(workdir.moduleDir)) {
        if (name.endsWith(".tfplan")) await rm(join(workdir.moduleDir, name), { force: true });
      }
    } catch {
      // Gone or unreadable: not worth keeping.
      this.kept.delete(entry[0]);
      await rm(base, { recursive: true, force: true });
      return;
    }
    workdir.initialized = true;
    entry[1].busy = false;
    entry[1].usedAt = Date.now();
  }

  /**
   * The folders kept between runs, for the disk budget (disk-gc.ts): each with whether a run
   * uses it now and a way to drop it that never touches a folder a run has taken meanwhile.
   */
  keptFolders(): { path: string; lastUsedMs: number; inUse: boolean; remove: () => Promise<void> }[] {
    return [...this.kept.entries()].map(([id, kept]) => ({
      path: kept.base,
      lastUsedMs: kept.usedAt ?? 0,
      inUse: kept.busy,
      remove: async () => {
        if (this.kept.get(id) !== kept || kept.busy) return;
        this.kept.delete(id);
        await rm(kept.base, { recursive: true, force: true });
      },
    }));
  }

  /** Removes the folder kept for a Stack that is gone. */
  async forget(stack: { namespace: string; name: string }): Promise<void> {
    const id = `${stack.namespace}/${stack.name}`;
    const kept = this.kept.get(id);
    if (!kept || kept.busy) return;
    this.kept.delete(id);
    await rm(kept.base, { recursive: true, force: true });
  }

  private async copy(options: FolderSource): Promise<{ base: string; workdir: Workdir }> {
    await mkdir(this.parent, { recursive: true });
    const base = await mkdtemp(join(this.parent, `${options.stack.namespace}.${options.stack.name}-`));
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
    const refused = await overrideProblems(moduleDir);
    if (refused.length > 0) {
      await rm(base, { recursive: true, force: true });
      throw new BackendOverrideError(
        `stack ${options.stack.namespace}/${options.stack.name}: ${refused.join("; ")}; ` +
          "Mooring keeps every Stack's state in the cluster, so a module may not redefine its backend in an override file: remove the block from the module",
      );
    }
    const clusterFile = join(base, "cluster.kubeconfig");
    await writeFile(clusterFile, clusterKubeconfig(this.apiServer), { mode: 0o600 });
    await writeBackendOverride(moduleDir, {
      stack: options.stack,
      access: { clusterFile, ...(this.apiServer.insecureSkipTlsVerify ? { insecure: true } : {}) },
    });
    await writeFile(join(moduleDir, VAR_FILE), options.tfvars, { mode: 0o600 });
    const homeDir = join(base, "home");
    await mkdir(homeDir, { recursive: true });
    return { base, workdir: { root, moduleDir, homeDir, varFile: VAR_FILE, initialized: false } };
  }

  /** Removes run folders an earlier controller process left, unless something still runs in one. */
  private async sweep(): Promise<void> {
    const entries = await readdir(this.parent).catch(() => [] as string[]);
    if (entries.length === 0) return;
    const busy = processesWorkingUnder(this.parent);
    for (const name of entries) {
      const base = join(this.parent, name);
      if (busy.some((cwd) => cwd === base || cwd.startsWith(`${base}/`))) continue;
      await rm(base, { recursive: true, force: true });
    }
  }
}

/** The module folder's override files that declare a backend or cloud block. */
async function overrideProblems(moduleDir: string): Promise<string[]> {
  const files: { name: string; text: string }[] = [];
  for (const entry of await readdir(moduleDir, { withFileTypes: true })) {
    if (!isOverrideFile(entry.name)) continue;
    // A link or folder named like an override file is read as one by tofu (a link) or not at all.
    if (!entry.isFile() && !entry.isSymbolicLink()) continue;
    const text = await readFile(join(moduleDir, entry.name), "utf8").catch(() => "{ unreadable");
    files.push({ name: entry.name, text });
  }
  return backendOverrides(files);
}

// What a sandboxed tool may see, and the bubblewrap command line that shows it exactly that.
//
// bubblewrap (`bwrap`) starts a program in fresh namespaces: it runs as uid/gid 65534, "nobody",
// with no capabilities (see DropPrivileges for how), its own PID and IPC namespaces (it sees only its
// own processes, /proc included), optionally its own network namespace (no interface but a
// loopback that leads nowhere), and a root folder that is an empty tmpfs. Into that root go only
// the folders listed here, each at the SAME absolute path as outside: tofu writes absolute paths
// into its run folder (provider symlinks into the mirror, plan files) and kept folders are reused
// across runs, so a path must mean the same inside and out.
//
// The base every sandbox gets is the system's programs (/usr, read-only, with the usual /bin and
// /lib links), a private /tmp, a minimal /dev, and from /etc only what name resolution and TLS
// read. Everything but /tmp and the read-write folders is read-only, the root included. No /root, /home, /var, no other /etc file, no service-account token
// (/var/run/secrets/...), nothing of Mooring's cache that is not listed.
//
// The environment is an allow-list: bwrap clears it (--clearenv) and sets only the given values.
// The program becomes PID 1 of its namespace (--as-pid-1) so that a signal sent to it from
// outside (tofu's interrupt, which releases the state lock) reaches it: bwrap itself does not
// forward signals. --json-status-fd reports its PID in the host's namespace for that purpose.

/** Where the sandbox runs as. */
export const SANDBOX_UID = 65534;

/**
 * How the program loses the controller's identity.
 * - `user-namespace` (the controller is not root, as in its Pod): bwrap makes a user namespace in
 *   which the program is uid 65534; on the host it stays the controller's uid, and the mount
 *   namespace is what keeps the controller's files out of reach.
 * - `setuid` (the controller runs as root: development machines, CI): no user namespace is needed,
 *   bwrap sets up the mounts as root and the program is started through `setpriv` as the host's
 *   uid and gid 65534 with no capabilities, no bounding set and no_new_privs: a separate
 *   unprivileged user on the host too, so a file it can reach outside the view is still guarded by
 *   its permissions. Its writable folders must belong to that uid (the adapter hands them over).
 */
export type DropPrivileges = "user-namespace" | "setuid";

/** setpriv, from util-linux (Debian's essential packages): how `setuid` mode drops root. */
export const SETPRIV = "/usr/bin/setpriv";

export interface SandboxView {
  /** Folders and files the program may change (its run or scratch folder). */
  readWrite: readonly string[];
  /** Folders and files it may read (its binary, the checkout, the provider mirror). */
  readOnly: readonly string[];
  /** Files of /etc shown read-only (those of SYSTEM_FILES that exist on this host). */
  system: readonly string[];
  /** Whether it reaches the network (tofu talks to the API server; renderers never do). */
  network: boolean;
  /** The working folder; must lie inside one of the folders above. */
  cwd: string;
  /** The whole environment of the program. */
  env: Readonly<Record<string, string>>;
}

/**
 * Files of /etc a program may need: name resolution (resolv.conf, hosts, nsswitch.conf) and the
 * CA bundle for TLS (ssl/certs, whose links point into /usr/share/ca-certificates). The adapter
 * keeps those present on the host.
 */
export const SYSTEM_FILES = [
  "/etc/resolv.conf",
  "/etc/hosts",
  "/etc/nsswitch.conf",
  "/etc/ssl/certs",
] as const;

/** Folders every sandbox has: the system's programs and its private /tmp. */
const BASE_FOLDERS = ["/usr", "/tmp"];

/** PATH inside a sandbox: only the system's programs are there. */
export const SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin";

/** A problem with a view: paths must be absolute and normalised, the cwd inside the view. */
export function viewProblems(view: SandboxView): string[] {
  const problems: string[] = [];
  const all = [...view.readWrite, ...view.readOnly, ...view.system];
  for (const path of [...all, view.cwd]) {
    if (!isPlainAbsolute(path)) problems.push(`path "${path}" is not an absolute, normalised path`);
  }
  if (![...all, ...BASE_FOLDERS].some((p) => isUnder(view.cwd, p)))
    problems.push(`working folder ${view.cwd} is not in the view`);
  for (const name of Object.keys(view.env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      problems.push(`environment variable name "${name}" is invalid`);
  }
  return problems;
}

/**
 * bwrap's arguments (without the program) for `view`, then `--`, the program and its arguments.
 * `statusFd` is the descriptor bwrap reports the program's PID on.
 */
export function bwrapArgs(
  view: SandboxView,
  program: string,
  args: readonly string[],
  statusFd: number,
  drop: DropPrivileges = "user-namespace",
): string[] {
  const problems = viewProblems(view);
  if (problems.length > 0) throw new Error(`invalid sandbox view: ${problems.join("; ")}`);
  const id = String(SANDBOX_UID);
  const out = [
    ...(drop === "user-namespace" ? ["--unshare-user", "--uid", id, "--gid", id] : []),
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    ...(view.network ? [] : ["--unshare-net"]),
    "--die-with-parent",
    "--as-pid-1",
    "--json-status-fd",
    String(statusFd),
    "--ro-bind",
    "/usr",
    "/usr",
    "--symlink",
    "usr/bin",
    "/bin",
    "--symlink",
    "usr/sbin",
    "/sbin",
    "--symlink",
    "usr/lib",
    "/lib",
    "--symlink",
    "usr/lib64",
    "/lib64",
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    // Root's tmpfs would be root's alone; the program's private /tmp must take its writes.
    ...(drop === "setuid" ? ["--perms", "1777"] : []),
    "--tmpfs",
    "/tmp",
  ];
  // bwrap makes the folders leading to a mount point private to its owner (root); a program that
  // is not root in the host's eyes could not walk through them, so they are made plainly
  // traversable. They are empty: the mounts are all they hold.
  if (drop === "setuid") {
    const bound = [...view.system, ...view.readWrite, ...view.readOnly];
    for (const dir of mountPointParents(bound)) out.push("--perms", "0755", "--dir", dir);
  }
  for (const path of view.system) out.push("--ro-bind-try", path, path);
  // Parents before children: a folder bound inside another is mounted on top of it, so a writable
  // run folder inside a read-only tree stays writable and a read-only file inside it stays
  // read-only. A path listed both ways is read-only. A read-only path missing on the host is left
  // out (a provider mirror not built yet), as it would simply be absent outside the sandbox; a
  // missing writable folder is an error.
  const binds = new Map<string, string>();
  for (const path of view.readWrite) binds.set(path, "--bind");
  for (const path of view.readOnly) binds.set(path, "--ro-bind-try");
  for (const path of sortByDepth([...binds.keys()])) out.push(binds.get(path) as string, path, path);
  // The root itself (a tmpfs holding the mount points) is made read-only last, so a write
  // anywhere but the writable folders and /tmp fails loudly instead of vanishing with the sandbox.
  out.push("--remount-ro", "/", "--chdir", view.cwd, "--clearenv");
  for (const [name, value] of Object.entries(view.env).sort(([a], [b]) => a.localeCompare(b))) {
    out.push("--setenv", name, value);
  }
  out.push("--");
  if (drop === "setuid") {
    out.push(
      SETPRIV,
      `--reuid=${id}`,
      `--regid=${id}`,
      "--clear-groups",
      "--inh-caps=-all",
      "--bounding-set=-all",
      "--no-new-privs",
      "--",
    );
  }
  out.push(program, ...args);
  return out;
}

/**
 * The folders that lead to the mount points and that bwrap creates itself: every ancestor of a
 * bound path that is neither bound nor inside a bound folder or one of the base folders (whose
 * own permissions then apply), shallowest first.
 */
function mountPointParents(bound: readonly string[]): string[] {
  const covered = [...bound, "/usr", "/proc", "/dev"];
  const parents = new Set<string>();
  for (const path of bound) {
    const parts = path.split("/").filter((p) => p !== "");
    for (let i = 1; i < parts.length; i++) {
      const dir = `/${parts.slice(0, i).join("/")}`;
      if (dir === "/tmp") continue;
      if (covered.some((c) => isUnder(dir, c))) continue;
      parents.add(dir);
    }
  }
  return sortByDepth([...parents]);
}

/** bwrap's first status line: the program's PID in the host's PID namespace. */
export function childPidOf(statusLine: string): number | undefined {
  const match = /"child-pid"\s*:\s*(\d+)/.exec(statusLine);
  return match ? Number(match[1]) : undefined;
}

function sortByDepth(paths: readonly string[]): string[] {
  return [...paths].sort((a, b) => a.split("/").length - b.split("/").length || a.localeCompare(b));
}

function isPlainAbsolute(path: string): boolean {
  if (!path.startsWith("/") || path.includes("\0")) return false;
  if (path !== "/" && path.endsWith("/")) return false;
  return !path.split("/").some((part, i) => (i > 0 && part === "") || part === "." || part === "..");
}

function isUnder(path: string, parent: string): boolean {
  return path === parent || path.startsWith(parent === "/" ? "/" : `${parent}/`);
}

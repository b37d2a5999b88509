// Whether this host can confine a program with bubblewrap, found out once by trying it.
//
// Run by root (development machines, CI), bubblewrap needs no user namespace: it mounts as root and
// the program drops to uid 65534 through setpriv. Anyone else's bubblewrap needs unprivileged user
// namespaces. Debian enables them; a Kubernetes Pod's default
// seccomp profile (RuntimeDefault) may forbid creating them, and some hardened kernels turn them
// off. Rather than guess from sysctls, the probe starts `true` in exactly the kind of sandbox a
// real run uses and reports bwrap's own words when that fails, so the message says what is wrong.
import { access, constants } from "node:fs/promises";
import { delimiter, join } from "node:path";
import {
  bwrapArgs,
  type DropPrivileges,
  SANDBOX_PATH,
  type SandboxView,
  SYSTEM_FILES,
} from "../core/isolation/bwrap.ts";
import { runCommand } from "../util/exec.ts";

/** A working bubblewrap on this host. */
export interface Sandbox {
  /** The bwrap binary. */
  readonly bwrap: string;
  /** The files of /etc shown to sandboxed programs (those of SYSTEM_FILES present here). */
  readonly system: readonly string[];
  /** How programs lose the controller's identity: a separate host uid when it runs as root. */
  readonly drop: DropPrivileges;
}

/** Root can give the program a uid of its own on the host; anyone else relies on a user namespace. */
export function dropPrivilegesHere(): DropPrivileges {
  return process.getuid?.() === 0 ? "setuid" : "user-namespace";
}

export type SandboxProbe = { ok: true; sandbox: Sandbox } | { ok: false; reason: string };

/** Advice shown with every "sandbox unavailable" error. */
export const SANDBOX_ADVICE =
  "install bubblewrap (Debian: apt-get install bubblewrap) and allow unprivileged user namespaces " +
  "(in a Pod: a seccomp profile that permits them, e.g. seccompProfile.type Unconfined)";

/** The sandbox could not start; the message says why and what to do. */
export class SandboxError extends Error {
  readonly code = "sandbox-unavailable";
  constructor(message: string) {
    super(message);
    this.name = "SandboxError";
  }
}

/** Tries bubblewrap with and without a network namespace of its own. */
export async function probeSandbox(options: {
  network: boolean;
  bwrap?: string;
  drop?: DropPrivileges;
}): Promise<SandboxProbe> {
  const bwrap = options.bwrap ?? (await findBwrap());
  if (!bwrap) return { ok: false, reason: `bwrap was not found in ${SANDBOX_PATH}` };
  const system = await existing(SYSTEM_FILES);
  const view: SandboxView = {
    readWrite: [],
    readOnly: [],
    system,
    network: options.network,
    cwd: "/tmp",
    env: { PATH: SANDBOX_PATH },
  };
  const drop = options.drop ?? dropPrivilegesHere();
  const result = await runCommand(bwrap, bwrapArgs(view, "/usr/bin/true", [], 3, drop), {
    timeoutMs: 10_000,
    onFd3: () => {},
  });
  if (result.code === 0) return { ok: true, sandbox: { bwrap, system, drop } };
  const said = result.stderr.trim().split("\n").slice(-3).join("; ");
  return {
    ok: false,
    reason: `${bwrap} could not start a sandbox (exit ${result.code}): ${said || "no output"}`,
  };
}

const probes = new Map<boolean, Promise<SandboxProbe>>();

/** This host's sandbox, probed on first use and remembered for the life of the process. */
export function hostSandbox(options: { network: boolean }): Promise<SandboxProbe> {
  let probe = probes.get(options.network);
  if (!probe) {
    probe = probeSandbox(options);
    probes.set(options.network, probe);
  }
  return probe;
}

/** The host's sandbox, or a SandboxError naming `what` could not be confined and why. */
export async function requireSandbox(options: { network: boolean; what: string }): Promise<Sandbox> {
  const probe = await hostSandbox(options);
  if (probe.ok) return probe.sandbox;
  throw new SandboxError(`${options.what} cannot run sandboxed: ${probe.reason}; ${SANDBOX_ADVICE}`);
}

async function findBwrap(): Promise<string | undefined> {
  const dirs = [...SANDBOX_PATH.split(delimiter), ...(process.env.PATH ?? "").split(delimiter)];
  for (const dir of dirs) {
    if (!dir) continue;
    const file = join(dir, "bwrap");
    if (
      await access(file, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return file;
  }
  return undefined;
}

async function existing(paths: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const path of paths) {
    if (
      await access(path).then(
        () => true,
        () => false,
      )
    )
      found.push(path);
  }
  return found;
}

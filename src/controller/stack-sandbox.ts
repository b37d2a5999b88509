// Which sandbox a Stack's run gets. tofu runs a repository's HCL — its file() calls, its
// providers, its local-exec commands — so a run never starts unconfined by accident: where the
// host cannot start the sandbox, the run is refused with a stable code (SandboxUnavailable,
// stalled: waiting does not help), unless the operator chose --unsafe-unsandboxed-stacks.
import type { Stack } from "../core/stack/spec.ts";
import { hostSandbox, SANDBOX_ADVICE, type Sandbox, type SandboxProbe } from "../isolation/sandbox.ts";
import { StackError } from "./stack-errors.ts";

export interface StackSandboxOptions {
  /** Run tofu unconfined (--unsafe-unsandboxed-stacks): a Stack's HCL can then read this host. */
  unsafeUnsandboxed: boolean;
  /** What every run may read besides its own folder: the provider mirrors the CLI configuration names. */
  providerMirrors: readonly string[];
  /** How the sandbox is found; default: this host's, probed once (tests pass their own). */
  probe?: () => Promise<SandboxProbe>;
}

/** The sandbox for a run of `stack`; none when the controller runs Stacks unconfined on purpose. */
export async function stackSandbox(options: StackSandboxOptions, stack: Stack): Promise<Sandbox | undefined> {
  if (options.unsafeUnsandboxed) return undefined;
  const probe = await (options.probe ?? (() => hostSandbox({ network: true })))();
  if (probe.ok) return probe.sandbox;
  const { namespace, name } = stack.metadata;
  throw new StackError(
    "sandbox-unavailable",
    `stack ${namespace}/${name} was not run: tofu cannot run sandboxed on this controller's host (${probe.reason}); ` +
      `${SANDBOX_ADVICE}, or start the controller with --unsafe-unsandboxed-stacks`,
  );
}

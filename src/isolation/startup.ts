// What the controller says at start about confinement: whether tofu and the renderers can run
// sandboxed on this host, and a loud warning for each kind of tool an operator chose to run
// unconfined. Saying it once at start, not only on each refused run, lets an operator see a
// host without user namespaces before the first Stack stalls.
import type { Logger } from "../util/log.ts";
import { hostSandbox, SANDBOX_ADVICE } from "./sandbox.ts";

export interface ConfinementChoice {
  /** --unsafe-unsandboxed-stacks */
  unsafeStacks: boolean;
  /** --unsafe-unsandboxed-renders */
  unsafeRenders: boolean;
}

export async function reportConfinement(log: Logger, choice: ConfinementChoice): Promise<void> {
  const kinds = [
    {
      what: "Stacks (tofu)",
      flag: "--unsafe-unsandboxed-stacks",
      unsafe: choice.unsafeStacks,
      network: true,
      risk: "a Stack's HCL (file(), local-exec, providers) can read this controller's credentials and files and act with them",
      refused: "every Stack run is refused (condition SandboxUnavailable)",
    },
    {
      what: "renders (helm, kustomize)",
      flag: "--unsafe-unsandboxed-renders",
      unsafe: choice.unsafeRenders,
      network: false,
      risk: "a repository can make helm or kustomize read local files and send requests from this host",
      refused: "every helm and kustomize render fails (sandbox-unavailable)",
    },
  ];
  for (const kind of kinds) {
    if (kind.unsafe) {
      log.warn(`UNSAFE: ${kind.what} run without a sandbox (${kind.flag}): ${kind.risk}`, {
        flag: kind.flag,
      });
      continue;
    }
    const probe = await hostSandbox({ network: kind.network });
    if (probe.ok) {
      log.info(`${kind.what} run sandboxed`, { bwrap: probe.sandbox.bwrap });
    } else {
      log.error(`${kind.what} cannot run sandboxed on this host, so ${kind.refused}; ${SANDBOX_ADVICE}`, {
        reason: probe.reason,
      });
    }
  }
}

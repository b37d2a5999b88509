// `moor stack ...`: OpenTofu Stacks from the command line. As with `moor app`, the CLI never runs
// tofu itself: create applies the Stack, and approve, apply, plan --refresh and drift --check
// write an annotation the Stack controller answers; with --wait (or --refresh/--check) the CLI
// watches the status until the controller has answered, bounded by --timeout (default: the
// Stack's own spec.timeout plus 5 minutes, since the answer takes at most one run and a queue).
//
// Exit codes are Mooring's: 0 ok, 1 failed, 2 usage. `plan` and `drift` take --detailed-exitcode,
// which adds 3: the command worked and changes are pending (plan) or the infrastructure drifted
// (drift). tofu's own -detailed-exitcode uses 2 for that, which moor keeps for usage errors.
import { readFileSync } from "node:fs";
import {
  type ApprovalResult,
  applyStack,
  approveStack,
  assertNotSuspended,
  deleteStack,
  planStack,
  unlockStack,
} from "../actions/stack-actions.ts";
import { projectNameOf } from "../core/project/project.ts";
import { isPlanId } from "../core/stack/plan-id.ts";
import { type Stack, type StackPlanStatus, stackSpecDefaults } from "../core/stack/spec.ts";
import type { StateLock } from "../core/stack/state-lock.ts";
import { apiRequest } from "./api-client.ts";
import { requesterName } from "./app-client.ts";
import {
  remoteAction,
  remoteDelete,
  remoteLogin,
  remoteNamespace,
  remoteStack,
  SERVER_FLAG,
  serverOption,
} from "./app-remote.ts";
import { type Command, EXIT, outputOption, stringValue, type Values } from "./command.ts";
import { CLUSTER_FLAGS, finish, forPrinting, oneName, print, seconds, timeoutFlag } from "./command-kit.ts";
import { clientFromFlags, clusterOptions } from "./controller-commands.ts";
import { parseOutputFormat, renderStructured, UsageError } from "./output.ts";
import { poll } from "./poll.ts";
import { createProgress } from "./progress.ts";
import { kubeconfigOnly, remoteStackOutputs, remoteStacks } from "./reads-remote.ts";
import {
  DRIFT_CHECK_ANNOTATION,
  SENSITIVE_OUTPUTS_ANNOTATION,
  STACK_LOG_KEY,
  StackApi,
  StackError,
  stackLogConfigMapName,
} from "./stack-client.ts";
import { sameStack, stackFromFlags } from "./stack-spec.ts";
import {
  blockingReason,
  noPlanMessage,
  noStatusMessage,
  outputValues,
  parseSensitiveKeys,
  renderDrift,
  renderOutputs,
  renderPlanHeader,
  renderStackList,
  renderStackSummary,
  SENSITIVE_PLACEHOLDER,
  STACK_EXIT,
  stackCommand,
  stackId,
  statusOf,
  tailLines,
} from "./stack-view.ts";
import {
  applyVerdict,
  driftCheckVerdict,
  pollStack,
  replanVerdict,
  stackBefore,
  stackDeletedVerdict,
  type Verdict,
} from "./stack-wait.ts";

const TIMEOUT_FLAG = "[--timeout D]";
/** Added to the Stack's spec.timeout for the default wait: time in the controller's queue. */
const QUEUE_MARGIN_MS = 5 * 60_000;

/** How long to wait for the controller: --timeout, else the Stack's own run limit plus the queue margin. */
function timeoutFor(override: number | undefined, stack: Stack): number {
  return override ?? stackSpecDefaults(stack.spec, stack.metadata.namespace).timeoutMs + QUEUE_MARGIN_MS;
}

/** Runs work with the Stacks API of the namespace in the flags; closes the client after. */
async function withStacks<T>(
  values: Values,
  work: (api: StackApi) => Promise<T>,
  namespace?: string,
): Promise<T> {
  const { client, namespace: fromFlags } = clientFromFlags(values);
  try {
    return await work(new StackApi(client, namespace ?? fromFlags));
  } finally {
    client.close();
  }
}

/**
 * Where a Stack command goes: straight to the cluster, or through a Mooring server
 * (./app-remote.ts says which). Both answer the same results, so the output is the same.
 */
interface StackTarget {
  namespace: string;
  find(name: string): Promise<Stack | null>;
  /**
   * The stored `tofu show` text of a plan, null when it is not kept, or why a server that may not
   * read the plan store withholds it.
   */
  planText(name: string, planId: string): Promise<string | null | { withheld: string }>;
  /** Asks for a new plan; answers the Stack as it was before. */
  requestPlan(name: string): Promise<Stack>;
  /** Approves planId, or (undefined) whatever plan is pending. */
  approve(name: string, planId: string | undefined): Promise<ApprovalResult>;
  remove(name: string): Promise<{ stack: Stack; after: Stack | null; message: string }>;
}

function notFound(name: string, namespace: string): StackError {
  return new StackError(
    `stack ${name} not found in namespace ${namespace}; \`moor stack list -n ${namespace}\` lists the stacks there`,
  );
}

async function withStackTarget<T>(values: Values, work: (target: StackTarget) => Promise<T>): Promise<T> {
  const login = remoteLogin(values);
  if (login) {
    const namespace = remoteNamespace(values);
    const find = (name: string) => remoteStack(login, namespace, name);
    const get = async (name: string) => {
      const stack = await find(name);
      if (!stack) throw notFound(name, namespace);
      return stack;
    };
    return work({
      namespace,
      find,
      planText: async (name, planId) => {
        const answer = await apiRequest<{
          plan: { id: string } | null;
          text?: string;
          textWithheld?: string;
        }>(login, "GET", `/stacks/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/plan`);
        if (answer.plan?.id !== planId) return null;
        if (answer.textWithheld !== undefined) return { withheld: answer.textWithheld };
        return answer.text ?? null;
      },
      requestPlan: async (name) => {
        const stack = await get(name);
        await remoteAction(login, "stacks", namespace, name, "plan");
        return stack;
      },
      approve: async (name, planId) => {
        const stack = await get(name);
        const answer = await remoteAction(
          login,
          "stacks",
          namespace,
          name,
          planId === undefined ? "apply" : "approve",
          planId === undefined ? {} : { planId },
        );
        const request = answer.request as {
          planId: string;
          purpose: string;
          approvedBy: string;
          warning?: string;
        };
        const seen = statusOf(stack).lastPlan;
        const plan: StackPlanStatus =
          seen?.id === request.planId
            ? seen
            : ({ ...seen, id: request.planId, purpose: request.purpose } as StackPlanStatus);
        return {
          action: planId === undefined ? "apply" : "approve",
          stack,
          plan,
          approvedBy: request.approvedBy,
          message: answer.message,
          ...(request.warning ? { warning: request.warning } : {}),
        };
      },
      remove: async (name) => {
        const stack = await get(name);
        const answer = await remoteDelete(login, "stacks", namespace, name);
        return { stack, after: await find(name), message: answer.message };
      },
    });
  }
  return withStacks(values, (api) => {
    const who = requesterName(values);
    const { client, namespace } = api;
    return work({
      namespace,
      find: (name) => api.find(name),
      planText: async (name, planId) => (await api.plan(name, planId))?.text ?? null,
      requestPlan: async (name) => (await planStack(client, namespace, name, {}, who)).stack,
      approve: (name, planId) =>
        planId === undefined
          ? applyStack(client, namespace, name, {}, who)
          : approveStack(client, namespace, name, { planId }, who),
      remove: (name) => deleteStack(client, namespace, name, {}, who),
    });
  });
}

/**
 * What the read commands (list, get, outputs, drift) need, from the cluster or through the server.
 * Through the server the state lock is not shown (its Lease is not served) and sensitive outputs
 * are refused: they need a kubeconfig that may read the outputs Secret.
 */
interface StackReads {
  namespace: string;
  /** The Stacks of the namespace (all: of every namespace), of one project when given. */
  list(all: boolean, project: string | undefined): Promise<Stack[]>;
  get(name: string): Promise<Stack>;
  stateLock(stack: Stack): Promise<StateLock | undefined>;
  /** The outputs to print, or null when the Secret is missing. */
  outputs(
    stack: Stack,
    secretName: string,
    showSensitive: boolean,
  ): Promise<{ shown: Record<string, string>; sensitiveListed: boolean } | null>;
}

async function withStackReads<T>(values: Values, work: (reads: StackReads) => Promise<T>): Promise<T> {
  const login = remoteLogin(values);
  if (login) {
    const namespace = remoteNamespace(values);
    return work({
      namespace,
      // Only the Stacks of projects this login may list.
      list: (all, project) =>
        remoteStacks(login, { ...(all ? {} : { namespace }), ...(project ? { project } : {}) }),
      get: async (name) => {
        const stack = await remoteStack(login, namespace, name);
        if (!stack) throw notFound(name, namespace);
        return stack;
      },
      stateLock: async () => undefined,
      outputs: async (stack, _secretName, showSensitive) => {
        if (showSensitive) {
          throw new StackError(
            kubeconfigOnly(
              "moor stack outputs --show-sensitive",
              "reads the outputs Secret itself (the server never serves a sensitive value)",
            ),
          );
        }
        const answer = await remoteStackOutputs(login, namespace, stack.metadata.name);
        if (answer.withheld !== undefined) throw new StackError(answer.withheld);
        if (!answer.found) return null;
        return { shown: answer.outputs, sensitiveListed: answer.sensitiveListed };
      },
    });
  }
  return withStacks(values, (api) =>
    work({
      namespace: api.namespace,
      list: async (all, project) =>
        (await api.list(all)).filter((s) => project === undefined || projectNameOf(s) === project),
      get: (name) => api.get(name),
      stateLock: (stack) => api.stateLock(stack).catch(() => undefined),
      outputs: async (_stack, secretName, showSensitive) => {
        const secret = await api.secret(secretName);
        if (!secret) return null;
        const sensitive = parseSensitiveKeys(secret.metadata.annotations?.[SENSITIVE_OUTPUTS_ANNOTATION]);
        return {
          shown: outputValues(secret.data ?? {}, sensitive, showSensitive),
          sensitiveListed: sensitive !== undefined,
        };
      },
    }),
  );
}

function requireStatus(stack: Stack): void {
  if (!stack.status) throw new StackError(noStatusMessage(stack));
}

function requirePlan(stack: Stack): StackPlanStatus {
  const plan = statusOf(stack).lastPlan;
  if (!plan) throw new StackError(noPlanMessage(stack));
  return plan;
}

function controllerSilent(stack: Stack, timeoutMs: number): string {
  const why = blockingReason(stack);
  return `the controller did not answer within ${seconds(timeoutMs)}: is the Stack controller running (\`moor controller\`, or the mooring-controller Deployment)?${why ? ` stack ${stackId(stack)} says ${why}` : ""}`;
}

/**
 * Waits, showing progress, until `judge` says the controller answered (or failed, or the time is
 * up; then `seen`, the Stack as last known, explains a silent controller). Returns the exit code
 * and the Stack as last read.
 */
async function awaitStack(
  api: Pick<StackTarget, "find">,
  name: string,
  judge: (stack: Stack | null) => Verdict,
  timeoutMs: number,
  seen: Stack,
): Promise<{ code: number; stack: Stack | null }> {
  const progress = createProgress();
  const result = await pollStack(() => api.find(name), judge, { timeoutMs, progress });
  const silent = controllerSilent(result.stack ?? seen, timeoutMs);
  return { code: finish(progress, result.verdict, result.timedOut, silent), stack: result.stack };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

// ---- create, list, get, delete ------------------------------------------------------------------

const createCommand: Command = {
  path: ["stack", "create"],
  usage: `moor stack create NAME --repo URL [--revision R] [--path P] [--workspace W] [--service-account SA] [--approve auto|manual] [--var k=v]... [--var-json k=JSON]... [--destroy-on-delete] [--outputs-secret NAME] [--drift-interval 1h] [--drift-mode report|remediate] [--depends-on [NS/]NAME]... [--upsert] [-f stack.yaml] ${CLUSTER_FLAGS} [-o json|yaml]`,
  summary: "create a Stack (server-side apply as moor-cli); an existing one is replaced only with --upsert",
  options: {
    ...clusterOptions,
    ...outputOption,
    repo: { type: "string" },
    revision: { type: "string" },
    path: { type: "string" },
    workspace: { type: "string" },
    // The ServiceAccount plans and applies act as (spec.serviceAccountName).
    "service-account": { type: "string" },
    approve: { type: "string" },
    var: { type: "string", multiple: true },
    "var-json": { type: "string", multiple: true },
    "destroy-on-delete": { type: "boolean" },
    "outputs-secret": { type: "string" },
    "drift-interval": { type: "string" },
    "drift-mode": { type: "string" },
    "depends-on": { type: "string", multiple: true },
    upsert: { type: "boolean" },
    file: { type: "string", short: "f" },
  },
  run: async (values, args) => {
    if (args.length > 1) throw new UsageError(`expected one stack name, got ${args.length}`);
    const output = parseOutputFormat(stringValue(values, "output"));
    const file = stringValue(values, "file");
    let manifest: { text: string; source: string } | undefined;
    if (file !== undefined) {
      try {
        manifest = {
          text: file === "-" ? await readStdin() : readFileSync(file, "utf8"),
          source: file === "-" ? "stdin" : file,
        };
      } catch (err) {
        throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
      }
    }
    const desired = stackFromFlags({
      ...(args[0] ? { name: args[0] } : {}),
      values,
      ...(manifest ? { manifest } : {}),
    });
    const { name, namespace } = desired.metadata;
    return withStacks(
      values,
      async (api) => {
        const existing = await api.find(name);
        if (existing?.metadata.deletionTimestamp) {
          throw new StackError(
            `stack ${namespace}/${name} is being deleted; wait until it is gone (\`${stackCommand(`delete ${name} --wait`, namespace)}\`)`,
          );
        }
        let action: string;
        let applied: Stack;
        if (existing && sameStack(existing, desired)) {
          action = "unchanged";
          applied = existing;
        } else if (existing && values.upsert !== true) {
          throw new StackError(
            `stack ${namespace}/${name} already exists with a different spec; pass --upsert to replace it (\`${stackCommand(`get ${name} -o yaml`, namespace)}\` shows the current one)`,
          );
        } else {
          action = existing ? "updated" : "created";
          applied = await api.apply(desired, true);
        }
        if (output === "json" || output === "yaml") {
          print(renderStructured(forPrinting(applied), output));
          return EXIT.ok;
        }
        print(`stack ${name} ${action}`);
        if (action !== "unchanged") {
          const mode = stackSpecDefaults(applied.spec, namespace).approvePlan;
          print(
            mode === "auto"
              ? `the controller plans and applies it (approvePlan: auto); \`${stackCommand(`get ${name}`, namespace)}\` shows the progress`
              : `the controller plans it; review the plan with \`${stackCommand(`plan ${name}`, namespace)}\` and approve it with \`${stackCommand(`approve ${name} PLAN_ID`, namespace)}\``,
          );
        }
        return EXIT.ok;
      },
      namespace,
    );
  },
};

const listCommand: Command = {
  path: ["stack", "list"],
  usage: `moor stack list [-A] [-p PROJECT] ${CLUSTER_FLAGS} ${SERVER_FLAG} [-o table|json|yaml|name]`,
  summary: "list Stacks: readiness, current plan and whether it is pending, last apply, drift",
  options: {
    ...clusterOptions,
    ...serverOption,
    ...outputOption,
    "all-namespaces": { type: "boolean", short: "A" },
    project: { type: "string", short: "p" },
  },
  run: async (values, args) => {
    if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
    const output = parseOutputFormat(stringValue(values, "output"));
    const all = values["all-namespaces"] === true;
    return withStackReads(values, async (api) => {
      const project = stringValue(values, "project");
      const stacks = await api.list(all, project);
      if (output === "json" || output === "yaml") print(renderStructured(stacks.map(forPrinting), output));
      else if (output === "name") for (const s of stacks) print(s.metadata.name);
      else if (stacks.length === 0)
        process.stderr.write(
          `no stacks${project === undefined ? "" : ` of project ${project}`} in ${all ? "any namespace" : `namespace ${api.namespace}`}\n`,
        );
      else print(renderStackList(stacks, { allNamespaces: all }));
      return EXIT.ok;
    });
  },
};

const getCommand: Command = {
  path: ["stack", "get"],
  usage: `moor stack get NAME ${CLUSTER_FLAGS} ${SERVER_FLAG} [-o table|json|yaml]`,
  summary:
    "show a Stack: source, approval mode, conditions, state lock, last plan and its resources, last apply, outputs, drift",
  options: { ...clusterOptions, ...serverOption, ...outputOption },
  run: async (values, args) => {
    const name = oneName(args, "stack", "moor stack get NAME");
    const output = parseOutputFormat(stringValue(values, "output"));
    return withStackReads(values, async (api) => {
      const stack = await api.get(name);
      if (output === "json" || output === "yaml") print(renderStructured(forPrinting(stack), output));
      else if (output === "name") print(stack.metadata.name);
      else print(renderStackSummary(stack, Date.now(), await api.stateLock(stack)));
      return EXIT.ok;
    });
  },
};

const deleteCommand: Command = {
  path: ["stack", "delete"],
  usage: `moor stack delete NAME [--wait] ${TIMEOUT_FLAG} ${CLUSTER_FLAGS} ${SERVER_FLAG}`,
  summary:
    "delete a Stack; with spec.destroyOnDelete its infrastructure is destroyed first (a destroy plan, approved like any other), else state and infrastructure are kept",
  options: { ...clusterOptions, ...serverOption, wait: { type: "boolean" }, timeout: { type: "string" } },
  run: async (values, args) => {
    const name = oneName(args, "stack", "moor stack delete NAME");
    const timeout = timeoutFlag(values);
    return withStackTarget(values, async (api) => {
      const { stack, after, message } = await api.remove(name);
      const timeoutMs = timeoutFor(timeout, stack);
      print(message);
      if (!after || values.wait !== true) return EXIT.ok;
      return (await awaitStack(api, name, (s) => stackDeletedVerdict(name, s), timeoutMs, after)).code;
    });
  },
};

// ---- plan, approve, apply ----------------------------------------------------------------------

const planCommand: Command = {
  path: ["stack", "plan"],
  usage: `moor stack plan NAME [--refresh] [--detailed-exitcode] ${TIMEOUT_FLAG} ${CLUSTER_FLAGS} ${SERVER_FLAG}`,
  summary:
    "print the current plan of a Stack as tofu shows it; --refresh re-plans first; --detailed-exitcode exits 3 when changes are pending",
  options: {
    ...clusterOptions,
    ...serverOption,
    refresh: { type: "boolean" },
    "detailed-exitcode": { type: "boolean" },
    timeout: { type: "string" },
  },
  run: async (values, args) => {
    const name = oneName(args, "stack", "moor stack plan NAME");
    const timeout = timeoutFlag(values);
    return withStackTarget(values, async (api) => {
      let stack = await api.find(name);
      if (!stack) throw notFound(name, api.namespace);
      if (values.refresh === true) {
        stack = await api.requestPlan(name);
        const timeoutMs = timeoutFor(timeout, stack);
        const before = stackBefore(stack);
        const result = await awaitStack(api, name, (s) => replanVerdict(name, s, before), timeoutMs, stack);
        if (result.code !== EXIT.ok || !result.stack) return EXIT.failed;
        stack = result.stack;
      } else {
        requireStatus(stack);
      }
      const plan = requirePlan(stack);
      const stored = await api.planText(name, plan.id);
      print(renderPlanHeader(stack));
      if (!stored) {
        // The controller keeps a plan's file and text only while it may still be applied.
        if (!plan.pending) {
          print(`\n(the text of plan ${plan.id} is not kept: only a pending plan is stored)`);
          return EXIT.ok;
        }
        throw new StackError(
          `the text of pending plan ${plan.id} of stack ${stackId(stack)} is not stored (no complete plan-${name}-${plan.id}-* Secrets); \`${stackCommand(`plan ${name} --refresh`, api.namespace)}\` makes a new plan`,
        );
      }
      print(typeof stored === "string" ? `\n${stored}` : `\n(${stored.withheld})`);
      return values["detailed-exitcode"] === true && plan.pending ? STACK_EXIT.pending : EXIT.ok;
    });
  },
};

/** Sets the approval annotations for planId; with --wait, waits for the apply and reports it. */
async function reportApproval(
  api: Pick<StackTarget, "find" | "namespace">,
  approval: ApprovalResult,
  values: Values,
  timeout: number | undefined,
): Promise<number> {
  const { stack, plan } = approval;
  const name = stack.metadata.name;
  const timeoutMs = timeoutFor(timeout, stack);
  const before = { ...stackBefore(stack), purpose: plan.purpose };
  print(approval.message);
  if (approval.warning) {
    process.stderr.write(`warning: ${approval.warning}\n`);
    if (values.wait === true) throw new StackError(`not waiting: stack ${stackId(stack)} is suspended`);
  }
  if (values.wait !== true) {
    print(
      `the controller applies it next; \`${stackCommand(`get ${name}`, api.namespace)}\` shows the result`,
    );
    return EXIT.ok;
  }
  return (await awaitStack(api, name, (s) => applyVerdict(name, s, plan.id, before), timeoutMs, stack)).code;
}

const approveCommand: Command = {
  path: ["stack", "approve"],
  usage: `moor stack approve NAME PLAN_ID [--wait] ${TIMEOUT_FLAG} ${CLUSTER_FLAGS} ${SERVER_FLAG}`,
  summary:
    "approve the pending plan PLAN_ID of a Stack (an id from an older plan is refused); --wait waits for the apply (exit 1 if it fails)",
  options: { ...clusterOptions, ...serverOption, wait: { type: "boolean" }, timeout: { type: "string" } },
  run: async (values, args) => {
    if (args.length !== 2 || !args[0] || !args[1]) {
      throw new UsageError("expected a stack name and a plan id (moor stack approve NAME PLAN_ID)");
    }
    const [name, planId] = args as [string, string];
    if (!isPlanId(planId)) {
      throw new UsageError(
        `"${planId}" is not a plan id (p- and 16 hex digits); \`moor stack plan ${name}\` shows the current one`,
      );
    }
    const timeout = timeoutFlag(values);
    return withStackTarget(values, async (api) =>
      reportApproval(api, await api.approve(name, planId), values, timeout),
    );
  },
};

const applyCommand: Command = {
  path: ["stack", "apply"],
  usage: `moor stack apply NAME [--wait] ${TIMEOUT_FLAG} ${CLUSTER_FLAGS} ${SERVER_FLAG}`,
  summary:
    "approve whatever plan of a Stack is pending now (refused when nothing is); --wait waits for the apply (exit 1 if it fails)",
  options: { ...clusterOptions, ...serverOption, wait: { type: "boolean" }, timeout: { type: "string" } },
  run: async (values, args) => {
    const name = oneName(args, "stack", "moor stack apply NAME");
    const timeout = timeoutFlag(values);
    return withStackTarget(values, async (api) =>
      reportApproval(api, await api.approve(name, undefined), values, timeout),
    );
  },
};

// ---- outputs, drift, logs -----------------------------------------------------------------------

const outputsCommand: Command = {
  path: ["stack", "outputs"],
  usage: `moor stack outputs NAME [--show-sensitive] ${CLUSTER_FLAGS} ${SERVER_FLAG} [-o table|json|yaml|name]`,
  summary: "print the outputs a Stack wrote to its Secret; sensitive values only with --show-sensitive",
  options: { ...clusterOptions, ...serverOption, ...outputOption, "show-sensitive": { type: "boolean" } },
  run: async (values, args) => {
    const name = oneName(args, "stack", "moor stack outputs NAME");
    const output = parseOutputFormat(stringValue(values, "output"));
    const show = values["show-sensitive"] === true;
    return withStackReads(values, async (api) => {
      const stack = await api.get(name);
      requireStatus(stack);
      const secretName = statusOf(stack).outputsSecret;
      if (!secretName) {
        const wanted = stack.spec.writeOutputsToSecret?.name;
        const why = blockingReason(stack);
        throw new StackError(
          wanted
            ? `stack ${stackId(stack)} has not written its outputs to Secret ${wanted} yet${why ? ` (${why})` : ""}`
            : `stack ${stackId(stack)} does not write its outputs to a Secret: set spec.writeOutputsToSecret.name (\`${stackCommand(`create ${name} --outputs-secret NAME --upsert ...`, api.namespace)}\`)`,
        );
      }
      const read = await api.outputs(stack, secretName, show);
      if (!read) {
        throw new StackError(
          `the outputs Secret ${secretName} of stack ${stackId(stack)} is not in namespace ${api.namespace}; the controller writes it again after the next apply`,
        );
      }
      const { shown, sensitiveListed } = read;
      if (output === "json" || output === "yaml") print(renderStructured(shown, output));
      else if (output === "name") for (const key of Object.keys(shown)) print(key);
      else print(renderOutputs(shown));
      const hidden = Object.values(shown).filter((v) => v === SENSITIVE_PLACEHOLDER).length;
      if (hidden > 0 && output !== "name") {
        process.stderr.write(
          `${hidden} value(s) hidden as ${SENSITIVE_PLACEHOLDER}${sensitiveListed ? "" : " (the Secret does not say which outputs are sensitive, so all are treated as sensitive)"}; pass --show-sensitive to print them\n`,
        );
      }
      return EXIT.ok;
    });
  },
};

const driftCommand: Command = {
  path: ["stack", "drift"],
  usage: `moor stack drift NAME [--check] [--detailed-exitcode] ${TIMEOUT_FLAG} ${CLUSTER_FLAGS} ${SERVER_FLAG} [-o table|json|yaml]`,
  summary:
    "show the last drift check of a Stack; --check runs one now and waits for it; --detailed-exitcode exits 3 when drifted",
  options: {
    ...clusterOptions,
    ...serverOption,
    ...outputOption,
    check: { type: "boolean" },
    "detailed-exitcode": { type: "boolean" },
    timeout: { type: "string" },
  },
  run: async (values, args) => {
    const name = oneName(args, "stack", "moor stack drift NAME");
    const output = parseOutputFormat(stringValue(values, "output"));
    const timeout = timeoutFlag(values);
    if (values.check === true && remoteLogin(values)) {
      throw new StackError(
        kubeconfigOnly(
          "moor stack drift --check",
          "asks the controller for a drift check, which the Mooring server does not serve as an action yet",
        ),
      );
    }
    if (values.check !== true) {
      // Without --check, only the last drift check the status holds is read.
      return withStackReads(values, async (api) => {
        const stack = await api.get(name);
        requireStatus(stack);
        return printDrift(stack, output, values);
      });
    }
    return withStacks(values, async (api) => {
      const stack = await api.get(name);
      assertNotSuspended(stack, "check it for drift");
      const timeoutMs = timeoutFor(timeout, stack);
      const before = stackBefore(stack);
      await api.annotate(name, { [DRIFT_CHECK_ANNOTATION]: new Date().toISOString() });
      const result = await awaitStack(api, name, (s) => driftCheckVerdict(name, s, before), timeoutMs, stack);
      if (result.code !== EXIT.ok || !result.stack) return EXIT.failed;
      return printDrift(result.stack, output, values);
    });
  },
};

function printDrift(stack: Stack, output: ReturnType<typeof parseOutputFormat>, values: Values): number {
  const drift = statusOf(stack).drift;
  if (output === "json" || output === "yaml") print(renderStructured(drift ?? null, output));
  else if (output === "name") for (const r of drift?.resources ?? []) print(r.address);
  else print(renderDrift(stack));
  return values["detailed-exitcode"] === true && drift?.drifted ? STACK_EXIT.pending : EXIT.ok;
}

const logsCommand: Command = {
  path: ["stack", "logs"],
  usage: `moor stack logs NAME [--tail N] ${CLUSTER_FLAGS}`,
  summary: "print the log of the last tofu run of a Stack (secrets scrubbed by the controller)",
  options: { ...clusterOptions, tail: { type: "string" } },
  run: async (values, args) => {
    const name = oneName(args, "stack", "moor stack logs NAME");
    const tailText = stringValue(values, "tail");
    let tail: number | undefined;
    if (tailText !== undefined) {
      tail = Number(tailText);
      if (!Number.isInteger(tail) || tail < 0)
        throw new UsageError(`--tail takes a whole number of lines, got "${tailText}"`);
    }
    return withStacks(values, async (api) => {
      const stack = await api.get(name);
      const configMapName = stackLogConfigMapName(name);
      const log = (await api.configMap(configMapName))?.data?.[STACK_LOG_KEY];
      if (log === undefined) {
        throw new StackError(
          stack.status
            ? `stack ${stackId(stack)} has no run log yet: the controller keeps the last run's log in ConfigMap ${configMapName} once a run has finished`
            : `stack ${stackId(stack)} has no run log yet: the controller has not run it; is the Stack controller running?`,
        );
      }
      print(tailLines(log, tail));
      return EXIT.ok;
    });
  },
};

// ---- unlock ---------------------------------------------------------------------------------------

const UNLOCK_WAIT_MS = 2 * 60_000;

const unlockCommand: Command = {
  path: ["stack", "unlock"],
  usage: `moor stack unlock NAME LOCK_ID [--wait] ${TIMEOUT_FLAG} ${CLUSTER_FLAGS} ${SERVER_FLAG}`,
  summary:
    "ask the controller to release the state lock LOCK_ID of a Stack, once you know its holder is gone (refused unless that lock is held); --wait waits for the release",
  options: { ...clusterOptions, ...serverOption, wait: { type: "boolean" }, timeout: { type: "string" } },
  run: async (values, args) => {
    if (args.length !== 2 || !args[0] || !args[1]) {
      throw new UsageError("expected a stack name and a lock id (moor stack unlock NAME LOCK_ID)");
    }
    const [name, lockId] = args as [string, string];
    const timeoutMs = timeoutFlag(values) ?? UNLOCK_WAIT_MS;
    const login = remoteLogin(values);
    if (login) {
      if (values.wait === true) {
        throw new UsageError(
          `--wait watches the lock's Lease, which needs the cluster: drop it and follow the stack with \`moor stack get ${name}\`, or use --kubeconfig`,
        );
      }
      const answer = await remoteAction(login, "stacks", remoteNamespace(values), name, "unlock", { lockId });
      print(answer.message);
      return EXIT.ok;
    }
    return withStacks(values, async (api) => {
      const { stack, message } = await unlockStack(
        api.client,
        api.namespace,
        name,
        { lockId },
        requesterName(values),
      );
      print(message);
      if (values.wait !== true) return EXIT.ok;
      const progress = createProgress();
      const result = await poll(
        async () => ({ lock: await api.stateLock(stack) }),
        (v): Verdict =>
          v && v.lock?.id !== lockId
            ? { state: "done", label: `lock ${lockId} released` }
            : { state: "waiting", label: `waiting for the controller to release lock ${lockId}` },
        { timeoutMs, intervalMs: 500, confirmMs: 0, progress },
      );
      return finish(
        progress,
        result.verdict,
        result.timedOut,
        `lock ${lockId} still held after ${seconds(timeoutMs)}`,
      );
    });
  },
};

export const stackCommands: Command[] = [
  createCommand,
  listCommand,
  getCommand,
  planCommand,
  approveCommand,
  applyCommand,
  outputsCommand,
  driftCommand,
  logsCommand,
  unlockCommand,
  deleteCommand,
];

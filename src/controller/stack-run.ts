// One run of a Stack (a plan, an apply, or a pull request's preview plan): its identity, inputs and
// folder, from start to end.
// Opening a run
// 1. mints a token for the Stack's ServiceAccount (stack-identity.ts), which everything below
//    uses: the run never reads or writes a Stack's objects with the controller's rights;
// 2. reads the ConfigMaps and Secrets that varsFrom / envFrom / env name — a 403 is a clear
//    refusal naming the account, never taken for "not found" — and checks that the outputs
//    Secret, if any, is this Stack's to write;
// 3. fetches the commit, prepares the run folder (kept initialized between runs at the same
//    commit, see stack-workdir.ts) and runs `tofu init` when the folder is new.
// Before any of that, the run needs a sandbox for tofu (src/isolation): the module's HCL, its
// providers and its local-exec commands run there, seeing the run folder, the tofu binary and
// the provider mirrors only. Where the host cannot start one, the run is refused
// (sandbox-unavailable) unless the controller was started with --unsafe-unsandboxed-stacks.
import { dirname } from "node:path";
// Closing it hands the folder back (kept only after a run that went well) and drops the client.
import type { KubeObject } from "../core/objects.ts";
import { resolveEnv } from "../core/stack/env.ts";
import { type StackServiceAccount, tokenLifetimeSeconds } from "../core/stack/identity.ts";
import {
  type ResolvedStackSpec,
  STACK_LOG_KEY,
  type Stack,
  type StackStatus,
  stackLogConfigMapName,
} from "../core/stack/spec.ts";
import { type ResolvedVars, resolveVars, tfvarsJson } from "../core/stack/vars.ts";
import type { Sandbox } from "../isolation/sandbox.ts";
import { sha256Hex } from "../terraform/hash.ts";
import { TofuRunner } from "../terraform/runner.ts";
import type { SourceResolver } from "./app-source.ts";
import { StackError } from "./stack-errors.ts";
import { forbiddenAs, type RunIdentity, type StackIdentities } from "./stack-identity.ts";
import { checkOutputsSecret } from "./stack-outputs.ts";
import { type StackSandboxOptions, stackSandbox } from "./stack-sandbox.ts";
import type { StackStatusWriter } from "./stack-status.ts";
import type { RunFolders, Workdir } from "./stack-workdir.ts";

const LOG_LIMIT = 256 * 1024;

export interface RunInputs {
  vars: Record<string, unknown>;
  declaredCheck: Pick<ResolvedVars, "wholesale" | "sources">;
  env: Record<string, string>;
  secrets: string[];
}

export interface Run {
  identity: RunIdentity;
  inputs: RunInputs;
  work: Workdir;
  runner: TofuRunner;
  /** Marks the run failed: its folder is thrown away when it ends. */
  failed(): void;
  /** Ends the run: hands the folder back and closes the identity's client. */
  end(): Promise<void>;
}

export interface StackRunsDeps {
  sources: SourceResolver;
  identities: StackIdentities;
  folders: RunFolders;
  status: StackStatusWriter;
  /** tofu CLI configuration naming the provider mirrors. */
  cliConfigFile: string;
  /** Aborted when this replica stops leading: running tofu is interrupted. */
  signal?: AbortSignal;
  /** How tofu is confined. */
  sandbox: StackSandboxOptions;
}

export class StackRuns {
  private readonly deps: StackRunsDeps;

  constructor(deps: StackRunsDeps) {
    this.deps = deps;
  }

  /** The sandbox tofu runs in; a StackError where none can start and unconfined runs were not asked for. */
  sandboxFor(stack: Stack): Promise<Sandbox | undefined> {
    return stackSandbox(this.deps.sandbox, stack);
  }

  /** A token and client for the Stack's ServiceAccount; runs open their own. */
  identity(stack: Stack, spec: ResolvedStackSpec, account: StackServiceAccount): Promise<RunIdentity> {
    return this.deps.identities.open(
      `${stack.metadata.namespace}/${stack.metadata.name}`,
      account,
      tokenLifetimeSeconds(spec.timeoutMs),
    );
  }

  /** Opens a run while the status says what it does: the write overlaps fetch, copy and init. */
  async start(
    stack: Stack,
    spec: ResolvedStackSpec,
    account: StackServiceAccount,
    status: StackStatus,
    revision: string,
    doing: string,
    log: string[],
  ): Promise<Run> {
    const reconciling = this.deps.status.reconciling(stack, status, doing).then(
      () => undefined,
      (err: unknown) => err,
    );
    const opened = await this.open(stack, spec, account, revision, log).then(
      (run) => ({ run, err: undefined }),
      (err: unknown) => ({ run: undefined, err }),
    );
    // Never leave the status write running into the caller's own writes.
    const writeErr = await reconciling;
    if (!opened.run) throw opened.err;
    if (writeErr) {
      opened.run.failed();
      await opened.run.end();
      throw writeErr;
    }
    return opened.run;
  }

  /**
   * Opens a pull request's preview run of `stack` at `revision` (a commit of the PR head): the
   * same sandbox, identity, inputs and `tofu init` as a real run, but the Stack's status is not
   * touched and the run works in a folder of its own, thrown away when it ends — the Stack's
   * kept folder of real runs is neither reused nor replaced. `signal` interrupts its tofu too.
   */
  openPreview(
    stack: Stack,
    spec: ResolvedStackSpec,
    account: StackServiceAccount,
    revision: string,
    log: string[],
    signal?: AbortSignal,
  ): Promise<Run> {
    return this.open(stack, spec, account, revision, log, { preview: true, ...(signal ? { signal } : {}) });
  }

  /** The last run's output, scrubbed by the runner, for `moor stack logs`; written as the Stack's account. */
  async saveLog(run: Run, stack: Stack, text: string): Promise<void> {
    const trimmed = text.length > LOG_LIMIT ? `...(truncated)\n${text.slice(-LOG_LIMIT)}` : text;
    await run.identity.client
      .apply({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
          name: stackLogConfigMapName(stack.metadata.name),
          namespace: stack.metadata.namespace,
          ownerReferences: [
            {
              apiVersion: "mooring.dev/v1alpha1",
              kind: "Stack",
              name: stack.metadata.name,
              uid: stack.metadata.uid ?? "",
            },
          ],
        },
        data: { [STACK_LOG_KEY]: trimmed },
      })
      .catch(() => {});
  }

  private async open(
    stack: Stack,
    spec: ResolvedStackSpec,
    account: StackServiceAccount,
    revision: string,
    log: string[],
    options: { preview?: boolean; signal?: AbortSignal } = {},
  ): Promise<Run> {
    const sandbox = await this.sandboxFor(stack);
    const identity = await this.identity(stack, spec, account);
    try {
      const inputs = await this.inputs(stack, spec, identity);
      const fetched = await this.deps.sources.fetch(spec.source.repoURL, revision);
      const folder = {
        stack: { namespace: stack.metadata.namespace, name: stack.metadata.name },
        checkout: fetched.dir,
        path: spec.source.path,
        tfvars: tfvarsJson(inputs.vars),
      };
      const work: Workdir = options.preview
        ? await this.deps.folders.openThrowaway(folder)
        : await this.deps.folders.open({
            ...folder,
            // The environment can change what init does (credentials for module sources...).
            key: `${revision}\0${spec.source.path}\0${sha256Hex(JSON.stringify(Object.entries(inputs.env).sort()))}`,
          });
      const signals = [this.deps.signal, options.signal].filter((x): x is AbortSignal => x !== undefined);
      const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
      const runner = this.runner(stack, spec, inputs, identity, work, sandbox, log, signal);
      let ok = false;
      const end = async () => {
        try {
          await this.deps.folders.release(work, { ok });
        } finally {
          identity.close();
        }
      };
      try {
        if (!work.initialized) await runner.init(work.moduleDir);
        ok = true;
      } catch (err) {
        await end();
        throw err;
      }
      return {
        identity,
        inputs,
        work,
        runner,
        failed: () => {
          ok = false;
        },
        end,
      };
    } catch (err) {
      identity.close();
      throw err;
    }
  }

  /** Variables and environment, read as the Stack's account; the outputs Secret checked. */
  private async inputs(stack: Stack, spec: ResolvedStackSpec, identity: RunIdentity): Promise<RunInputs> {
    const { namespace, name } = stack.metadata;
    const key = `${namespace}/${name}`;
    const data = new Map<string, Record<string, string>>();
    type Ref = ["ConfigMap" | "Secret", string];
    const wanted: Ref[] = spec.varsFrom.map((v): Ref => [v.kind, v.name]);
    for (const e of spec.envFrom) {
      if (e.secretRef) wanted.push(["Secret", e.secretRef.name]);
      else if (e.configMapRef) wanted.push(["ConfigMap", e.configMapRef.name]);
    }
    for (const e of spec.env) {
      if (e.valueFrom?.secretKeyRef) wanted.push(["Secret", e.valueFrom.secretKeyRef.name]);
      else if (e.valueFrom?.configMapKeyRef) wanted.push(["ConfigMap", e.valueFrom.configMapKeyRef.name]);
    }
    for (const [kind, objName] of wanted) {
      const obj = await identity.client.get("v1", kind, namespace, objName).catch((err: unknown) => {
        throw forbiddenAs(err, key, identity.account, `get ${kind} ${namespace}/${objName}`);
      });
      if (obj) data.set(`${kind}/${objName}`, decodeData(obj, kind));
    }
    if (spec.writeOutputsToSecret) {
      await checkOutputsSecret(identity.client, stack, spec.writeOutputsToSecret).catch((err: unknown) => {
        throw forbiddenAs(
          err,
          key,
          identity.account,
          `get Secret ${namespace}/${spec.writeOutputsToSecret?.name} (spec.writeOutputsToSecret)`,
        );
      });
    }
    const lookup = (kind: string, objName: string) => data.get(`${kind}/${objName}`);
    const vars = resolveVars(spec, lookup);
    const env = resolveEnv(spec, lookup);
    const problems = [...vars.problems, ...env.problems];
    if (problems.length > 0) throw new StackError("invalid-inputs", problems.join("; "));
    return {
      vars: vars.values,
      declaredCheck: { wholesale: vars.wholesale, sources: vars.sources },
      env: env.env,
      secrets: [...vars.secretValues, ...Object.values(env.env)],
    };
  }

  private runner(
    stack: Stack,
    spec: ResolvedStackSpec,
    inputs: RunInputs,
    identity: RunIdentity,
    work: Workdir,
    sandbox: Sandbox | undefined,
    log: string[],
    signal: AbortSignal | undefined,
  ): TofuRunner {
    return new TofuRunner({
      stack: `${stack.metadata.namespace}/${stack.metadata.name}`,
      cliConfigFile: this.deps.cliConfigFile,
      homeDir: work.homeDir,
      ...(sandbox
        ? {
            sandbox: {
              sandbox,
              // The run's own folder: the copy of the repository and HOME, both below it.
              readWrite: [dirname(work.root)],
              readOnly: this.deps.sandbox.providerMirrors,
            },
          }
        : {}),
      env: inputs.env,
      secrets: inputs.secrets,
      kubeAccess: identity.access,
      timeoutMs: spec.timeoutMs,
      lockTimeout: "60s",
      workspace: spec.workspace,
      onOutput: (text) => log.push(text),
      ...(signal ? { signal } : {}),
    });
  }
}

function decodeData(obj: KubeObject, kind: string): Record<string, string> {
  const data = (obj as KubeObject & { data?: Record<string, string> }).data ?? {};
  if (kind !== "Secret") return data;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) out[k] = Buffer.from(v, "base64").toString("utf8");
  return out;
}

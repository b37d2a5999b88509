// The tofu runner: the one place Mooring starts OpenTofu. Each command runs
// - with an argument array (never a shell), `-input=false -no-color`, in the module directory;
// - with an environment built from nothing: PATH, a HOME of the run's own, the CLI
//   configuration Mooring chose (the provider mirror), TF_IN_AUTOMATION, TF_INPUT=0,
//   CHECKPOINT_DISABLE (no calls home), TF_DATA_DIR inside the module directory, and the
//   Stack's own `env` — never the controller's environment, whose credentials are not the
//   Stack's to use;
// - in a sandbox when the controller gives one (src/isolation): tofu and everything a module
//   starts (providers, local-exec) see the run folder, the binary, the provider mirror and
//   nothing else of the host — not the controller's token, files or other Stacks' folders;
// - under a time limit: past it the process is killed and a `timeout` error says so;
// - with its output scrubbed of every secret value before it is returned, streamed, logged or
//   put into an error.
// Besides its human-readable output each command writes a structured copy (`-json-into`) from
// which failures are classified (see src/core/stack/diagnostics.ts). `show -json` and
// `output -json` return data, not log: their values are NOT scrubbed (a plan id hashes them,
// the outputs Secret needs them), so callers must never log what they return.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { SANDBOX_PATH } from "../core/isolation/bwrap.ts";
import { defaultLimits, formatBytes, LIMIT_FLAGS } from "../core/limits.ts";
import {
  classifyFailure,
  firstErrorBlock,
  formatDiagnostic,
  lockId,
  parseUiDiagnostics,
  type TofuDiagnostic,
  undeclaredVariableWarnings,
} from "../core/stack/diagnostics.ts";
import { reservedEnvReason } from "../core/stack/env.ts";
import { createScrubber, type Scrubber } from "../core/stack/scrub.ts";
import { runSandboxed } from "../isolation/run.ts";
import type { Sandbox } from "../isolation/sandbox.ts";
import { findTool } from "../toolchain/catalog.ts";
import { toolBinary } from "../toolchain/paths.ts";
import { type RunResult, runCommand } from "../util/exec.ts";
import { hclString } from "./state-backend.ts";

export const TOFU_ERROR_CODES = [
  "init-failed",
  "plan-failed",
  "apply-failed",
  "show-failed",
  "output-failed",
  "invalid-config",
  "state-locked",
  "timeout",
  "interrupted",
] as const;
export type TofuErrorCode = (typeof TOFU_ERROR_CODES)[number];

/** A tofu command failed. Message, diagnostics and log are scrubbed of the Stack's secrets. */
export class TofuError extends Error {
  readonly code: TofuErrorCode;
  /** The Stack as namespace/name. */
  readonly stackRef: string;
  /** The tofu subcommand: init, plan, show, apply, output, destroy, force-unlock. */
  readonly command: string;
  readonly diagnostics: TofuDiagnostic[];
  /** The command's whole output, scrubbed. */
  readonly log: string;
  /** For state-locked: the id of the lock, to release with forceUnlock once its holder is known to be gone. */
  readonly lockId: string | undefined;
  constructor(fields: {
    code: TofuErrorCode;
    stackRef: string;
    command: string;
    message: string;
    diagnostics?: TofuDiagnostic[];
    log?: string;
    lockId?: string;
  }) {
    super(fields.message);
    this.name = "TofuError";
    this.code = fields.code;
    this.stackRef = fields.stackRef;
    this.command = fields.command;
    this.diagnostics = fields.diagnostics ?? [];
    this.log = fields.log ?? "";
    this.lockId = fields.lockId;
  }
}

export interface TofuRunnerOptions {
  /** The Stack as namespace/name; every error names it. */
  stack: string;
  /** CLI configuration file (provider mirror, no direct installation) passed as TF_CLI_CONFIG_FILE. */
  cliConfigFile: string;
  /** HOME for tofu: a folder of this run's own; created when missing. */
  homeDir: string;
  /** The tofu binary; default: the toolchain's build. */
  binary?: string;
  /** The Stack's environment (provider credentials). Every value is scrubbed from output. */
  env?: Readonly<Record<string, string>>;
  /** Further values to scrub, e.g. values of variables read from Secrets. */
  secrets?: readonly string[];
  /**
   * Who tofu is in the cluster: the run's ServiceAccount token and the API server, set as
   * KUBE_HOST, KUBE_TOKEN and KUBE_CLUSTER_CA_CERT_DATA (and KUBE_LOAD_CONFIG_FILE=false) for the
   * state backend and the kubernetes provider (names the Stack's own env may not set). The token
   * is scrubbed from output.
   */
  kubeAccess?: { host: string; token: string; caPem?: string };
  /** Limit of each command in milliseconds; default 20 minutes. */
  timeoutMs?: number;
  /** Most bytes of output one command may write before it is interrupted; default: core/limits.ts. */
  maxOutputBytes?: number;
  /** Wait this long for a held state lock (tofu's -lock-timeout), e.g. "30s"; default "0s". */
  lockTimeout?: string;
  /** PATH for tofu and the providers it starts; default: this process's PATH. */
  path?: string;
  /** Called with scrubbed output, whole lines at a time, as it arrives. */
  onOutput?: (text: string) => void;
  /** The tofu workspace (TF_WORKSPACE); the backend creates it on first use. Default "default". */
  workspace?: string;
  /**
   * Cancels the runner's commands: when it aborts, a running tofu is interrupted (it stops at a
   * safe point and releases the state lock; killed after a grace) and the command fails with
   * code `interrupted`; later commands do not start. A controller aborts it when it stops leading,
   * so that no run of a former leader holds the lock while the new one works. Default: none.
   */
  signal?: AbortSignal;
  /**
   * Runs every tofu process confined (src/isolation): it sees `readWrite` (the run folder, HOME
   * included), its binary, the CLI configuration and `readOnly` (the provider mirrors), its own
   * /proc and /tmp, and reaches the network (the API server). Default: none, tofu runs unconfined.
   */
  sandbox?: TofuSandbox;
}

/** What a confined tofu sees besides its binary and CLI configuration. */
export interface TofuSandbox {
  sandbox: Sandbox;
  readWrite: readonly string[];
  readOnly: readonly string[];
}

/** The runner's settings with defaults filled in; the environment and secrets are kept apart, unprintable. */
export type TofuRunnerSettings = Required<
  Omit<TofuRunnerOptions, "onOutput" | "env" | "secrets" | "signal" | "kubeAccess" | "sandbox">
>;

export function tofuRunnerDefaults(options: TofuRunnerOptions): TofuRunnerSettings {
  return {
    stack: options.stack,
    cliConfigFile: options.cliConfigFile,
    homeDir: options.homeDir,
    binary: options.binary ?? toolBinary(findTool("opentofu"), "tofu"),
    timeoutMs: options.timeoutMs ?? 20 * 60_000,
    maxOutputBytes: options.maxOutputBytes ?? defaultLimits().maxOutputBytes,
    lockTimeout: options.lockTimeout ?? "0s",
    path: options.path ?? process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    workspace: options.workspace ?? "default",
  };
}

export interface CallOptions {
  /** Limit of this command; default the runner's. */
  timeoutMs?: number;
}

export interface InitOptions extends CallOptions {
  /** Extra backend settings, written to a file (never the command line, where `ps` shows them). */
  backendConfig?: Readonly<Record<string, string | number | boolean>>;
}

export interface PlanOptions extends CallOptions {
  /** The plan file to write, relative to the module directory or absolute. */
  out: string;
  /** terraform.tfvars.json to pass with -var-file. */
  varFile?: string;
  /** Plan to destroy everything (tofu plan -destroy). */
  destroy?: boolean;
  /** Only refresh: record drift without proposing changes (tofu plan -refresh-only). */
  refreshOnly?: boolean;
  /**
   * tofu merely warns about variables set but not declared. By default the runner fails the
   * plan (a typo in a variable name would otherwise do nothing); `true` accepts them.
   */
  allowUndeclaredVariables?: boolean;
  /**
   * Take the state lock while planning (default true). A pull request's preview plans with
   * `false` (`-lock=false`): it only reads the state, and a real run of the Stack must never find
   * the lock held by a preview.
   */
  lock?: boolean;
}

export interface CommandLog {
  /** Everything the command printed, scrubbed. */
  log: string;
  /** Warnings tofu reported, scrubbed. */
  warnings: TofuDiagnostic[];
}

export interface PlanResult extends CommandLog {
  /** -detailed-exitcode said 2: the plan proposes changes. */
  changes: boolean;
  /** Absolute path of the plan file written. */
  planFile: string;
}

export interface OutputValue {
  value: unknown;
  type: unknown;
  sensitive: boolean;
}

interface Finished {
  result: RunResult;
  log: string;
  stderr: string;
  diagnostics: TofuDiagnostic[];
  timedOut: boolean;
  limitMs: number;
}

const FAILURE_CODE: Record<string, TofuErrorCode> = {
  init: "init-failed",
  plan: "plan-failed",
  show: "show-failed",
  apply: "apply-failed",
  destroy: "apply-failed",
  output: "output-failed",
  "force-unlock": "apply-failed",
};

export class TofuRunner {
  /** Settings without the Stack's environment and secrets, so logging them leaks nothing. */
  readonly settings: TofuRunnerSettings;
  readonly #env: Readonly<Record<string, string>>;
  readonly #kubeEnv: Readonly<Record<string, string>>;
  readonly #onOutput: ((text: string) => void) | undefined;
  readonly #scrubber: Scrubber;
  readonly #signal: AbortSignal | undefined;
  readonly #sandbox: TofuSandbox | undefined;
  #sequence = 0;

  constructor(options: TofuRunnerOptions) {
    this.settings = tofuRunnerDefaults(options);
    this.#env = { ...(options.env ?? {}) };
    const access = options.kubeAccess;
    this.#kubeEnv = access
      ? {
          KUBE_HOST: access.host,
          KUBE_TOKEN: access.token,
          ...(access.caPem ? { KUBE_CLUSTER_CA_CERT_DATA: access.caPem } : {}),
          // The kubernetes provider 1.x otherwise looks for ~/.kube/config and, finding none,
          // drops host and token and talks to localhost. 2.x no longer reads it.
          KUBE_LOAD_CONFIG_FILE: "false",
        }
      : {};
    this.#onOutput = options.onOutput;
    this.#signal = options.signal;
    this.#sandbox = options.sandbox;
    this.#scrubber = createScrubber([
      ...Object.values(this.#env),
      ...(options.secrets ?? []),
      ...(access ? [access.token] : []),
    ]);
  }

  /** Replaces every secret of this Stack in `text` by `***`. */
  scrub(text: string): string {
    return this.#scrubber.text(text);
  }

  /** `tofu init`: installs providers from the mirror and configures the backend (always -reconfigure). */
  async init(dir: string, options: InitOptions = {}): Promise<CommandLog> {
    const args = ["init", "-input=false", "-no-color", "-reconfigure"];
    const file = join(this.settings.homeDir, `backend-${++this.#sequence}.tfbackend`);
    if (options.backendConfig && Object.keys(options.backendConfig).length > 0) {
      await mkdir(this.settings.homeDir, { recursive: true });
      const lines = Object.entries(options.backendConfig).map(
        ([k, v]) => `${k} = ${typeof v === "string" ? hclString(v) : String(v)}`,
      );
      await writeFile(file, `${lines.join("\n")}\n`, { mode: 0o600 });
      args.push(`-backend-config=${file}`);
    }
    try {
      const done = await this.#run("init", dir, args, options, true);
      this.#check("init", done);
      return this.#commandLog(done);
    } finally {
      await rm(file, { force: true });
    }
  }

  /** `tofu plan -detailed-exitcode -out=…`: exit 0 no changes, 2 changes, 1 error. */
  async plan(dir: string, options: PlanOptions): Promise<PlanResult> {
    const planFile = resolve(dir, options.out);
    // A failed plan must never leave a plan file behind, not even an older one.
    await rm(planFile, { force: true });
    const args = [
      "plan",
      "-input=false",
      "-no-color",
      "-detailed-exitcode",
      options.lock === false ? "-lock=false" : `-lock-timeout=${this.settings.lockTimeout}`,
    ];
    args.push(`-out=${planFile}`);
    if (options.varFile) args.push(`-var-file=${resolve(dir, options.varFile)}`);
    if (options.destroy) args.push("-destroy");
    if (options.refreshOnly) args.push("-refresh-only");
    const done = await this.#run("plan", dir, args, options, true);
    if (done.timedOut || (done.result.code !== 0 && done.result.code !== 2)) {
      await rm(planFile, { force: true });
      this.#check("plan", done, [0, 2]);
    }
    const undeclared = undeclaredVariableWarnings(done.diagnostics);
    if (!options.allowUndeclaredVariables && (undeclared.names.length > 0 || undeclared.more > 0)) {
      await rm(planFile, { force: true });
      const names = undeclared.names.map((n) => `"${n}"`).join(", ");
      const more = undeclared.more ? ` and ${undeclared.more} more` : "";
      throw new TofuError({
        code: "invalid-config",
        stackRef: this.settings.stack,
        command: "plan",
        message:
          `tofu plan failed for stack ${this.settings.stack}: variable ${names}${more} is set but not declared by the module; ` +
          "declare it in the module or remove it from the Stack's vars/varsFrom",
        diagnostics: done.diagnostics,
        log: done.log,
      });
    }
    return { ...this.#commandLog(done), changes: done.result.code === 2, planFile };
  }

  /**
   * `tofu show -json <planfile>`, parsed. The result holds secret values in clear (the plan id
   * hashes them): summarise it with src/core/stack/plan.ts, never log or store it as is.
   */
  async showJson(dir: string, planFile: string, options: CallOptions = {}): Promise<unknown> {
    const done = await this.#run(
      "show",
      dir,
      ["show", "-json", "-no-color", resolve(dir, planFile)],
      options,
      false,
    );
    this.#check("show", done);
    return this.#parseJson("show", done);
  }

  /** `tofu apply <planfile>`: applies exactly that plan. */
  async apply(dir: string, planFile: string, options: CallOptions = {}): Promise<CommandLog> {
    const args = ["apply", "-input=false", "-no-color", `-lock-timeout=${this.settings.lockTimeout}`];
    args.push(resolve(dir, planFile));
    const done = await this.#run("apply", dir, args, options, true);
    this.#check("apply", done);
    return this.#commandLog(done);
  }

  /**
   * `tofu output -json`: every root output with its type and sensitive flag. Sensitive values
   * are included (they go to the outputs Secret): never log the result.
   */
  async output(dir: string, options: CallOptions = {}): Promise<Record<string, OutputValue>> {
    const done = await this.#run("output", dir, ["output", "-json", "-no-color"], options, false);
    this.#check("output", done);
    const parsed = this.#parseJson("output", done);
    const outputs: Record<string, OutputValue> = {};
    for (const [name, raw] of Object.entries((parsed ?? {}) as Record<string, Record<string, unknown>>)) {
      outputs[name] = { value: raw.value, type: raw.type, sensitive: raw.sensitive === true };
    }
    return outputs;
  }

  /**
   * `tofu apply -destroy -auto-approve`: destroys without a reviewed plan. The controller's
   * destroy-on-delete path plans with `plan({ destroy: true })` and applies the approved file;
   * this is for throwaway stacks (tests, sandboxes).
   */
  async destroy(dir: string, options: CallOptions & { varFile?: string } = {}): Promise<CommandLog> {
    const args = ["apply", "-destroy", "-auto-approve", "-input=false", "-no-color"];
    args.push(`-lock-timeout=${this.settings.lockTimeout}`);
    if (options.varFile) args.push(`-var-file=${resolve(dir, options.varFile)}`);
    const done = await this.#run("destroy", dir, args, options, true);
    this.#check("destroy", done);
    return this.#commandLog(done);
  }

  /** `tofu force-unlock -force <id>`: releases a lock left by a run that is known to be gone. */
  async forceUnlock(dir: string, id: string, options: CallOptions = {}): Promise<CommandLog> {
    const done = await this.#run(
      "force-unlock",
      dir,
      // The id comes from the lock's holder record; after "--" it can never read as a flag.
      ["force-unlock", "-force", "-no-color", "--", id],
      options,
      false,
    );
    this.#check("force-unlock", done);
    return this.#commandLog(done);
  }

  /** The environment of every tofu process: built from nothing, Mooring's settings last. */
  environment(dir: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(this.#env)) {
      if (!reservedEnvReason(name)) env[name] = value;
    }
    return {
      ...env,
      ...this.#kubeEnv,
      // A sandbox shows only the system's programs.
      PATH: this.#sandbox ? SANDBOX_PATH : this.settings.path,
      HOME: this.settings.homeDir,
      TF_CLI_CONFIG_FILE: this.settings.cliConfigFile,
      TF_DATA_DIR: join(resolve(dir), ".terraform"),
      TF_WORKSPACE: this.settings.workspace,
      TF_IN_AUTOMATION: "1",
      TF_INPUT: "0",
      CHECKPOINT_DISABLE: "1",
    };
  }

  async #run(
    command: string,
    dir: string,
    args: string[],
    options: CallOptions,
    structured: boolean,
  ): Promise<Finished> {
    await mkdir(this.settings.homeDir, { recursive: true });
    const uiFile = join(this.settings.homeDir, `ui-${command}-${process.pid}-${++this.#sequence}.jsonl`);
    // Options must come before a positional argument such as the plan file.
    const fullArgs = structured ? [args[0] as string, `-json-into=${uiFile}`, ...args.slice(1)] : args;
    const limitMs = options.timeoutMs ?? this.settings.timeoutMs;
    const chunks: string[] = [];
    const stream = this.#onOutput ? this.#scrubber.stream(this.#onOutput) : undefined;
    const started = performance.now();
    const launch = this.#sandbox ? this.#sandboxed(this.#sandbox, dir) : runCommand;
    const result = await launch(this.settings.binary, fullArgs, {
      cwd: dir,
      env: this.environment(dir),
      timeoutMs: limitMs,
      // Interrupted, tofu stops at a safe point and releases the state lock; killed, it would not.
      interrupt: { signal: "SIGINT", graceMs: 30_000 },
      maxOutputBytes: this.settings.maxOutputBytes,
      signal: this.#signal,
      onOutput: (chunk) => {
        chunks.push(chunk);
        stream?.write(chunk);
      },
    });
    stream?.end();
    const timedOut = result.code === 124 && performance.now() - started >= limitMs;
    let diagnostics: TofuDiagnostic[] = [];
    if (structured) {
      const ui = await readFile(uiFile, "utf8").catch(() => "");
      await rm(uiFile, { force: true });
      diagnostics = parseUiDiagnostics(ui).map((d) => this.#scrubDiagnostic(d));
    }
    // show and output print data on stdout, not log: keep it out of the log.
    const log = structured ? this.scrub(chunks.join("")) : this.scrub(result.stderr);
    return { result, log, stderr: this.scrub(result.stderr), diagnostics, timedOut, limitMs };
  }

  /** runCommand's stand-in that starts tofu in the sandbox, working in `dir`. */
  #sandboxed(confined: TofuSandbox, dir: string): typeof runCommand {
    const mounts = {
      readWrite: [...confined.readWrite],
      readOnly: [...confined.readOnly, this.settings.binary, this.settings.cliConfigFile],
      network: true,
    };
    return (file, args, options) =>
      runSandboxed(confined.sandbox, mounts, file, args, { ...options, cwd: resolve(dir) });
  }

  #check(command: string, done: Finished, okCodes: readonly number[] = [0]): void {
    const stack = this.settings.stack;
    if (done.timedOut) {
      throw new TofuError({
        code: "timeout",
        stackRef: stack,
        command,
        message:
          `tofu ${command} for stack ${stack} was stopped after ${formatMs(done.limitMs)} (time limit, spec.timeout); ` +
          "its state lock may still be held",
        diagnostics: done.diagnostics,
        log: done.log,
      });
    }
    if (done.result.aborted) {
      throw new TofuError({
        code: "interrupted",
        stackRef: stack,
        command,
        message:
          `tofu ${command} for stack ${stack} was interrupted because this controller stopped leading or is shutting down; ` +
          "the controller that leads next runs it again",
        diagnostics: done.diagnostics,
        log: done.log,
      });
    }
    if (done.result.outputLimited) {
      throw new TofuError({
        code: FAILURE_CODE[command] ?? "plan-failed",
        stackRef: stack,
        command,
        message:
          `tofu ${command} for stack ${stack} wrote more than ${formatBytes(this.settings.maxOutputBytes)} of output and was stopped ` +
          `(${LIMIT_FLAGS.maxOutputBytes}); look for a module or provider printing without end`,
        diagnostics: done.diagnostics,
        log: done.log,
      });
    }
    if (okCodes.includes(done.result.code)) return;
    const kind = classifyFailure(done.diagnostics);
    const firstError = done.diagnostics.find((d) => d.severity === "error");
    const quoted =
      firstErrorBlock(done.stderr) ??
      (firstError ? formatDiagnostic(firstError) : lastLines(done.stderr || done.log, 15));
    const id = kind === "state-locked" ? lockId(done.diagnostics) : undefined;
    const code: TofuErrorCode =
      kind === "state-locked"
        ? "state-locked"
        : kind === "invalid-config" && command !== "apply" && command !== "destroy"
          ? "invalid-config"
          : (FAILURE_CODE[command] ?? "plan-failed");
    const cause =
      done.result.code === 127 && !quoted.includes("Error:")
        ? `could not start ${this.settings.binary}: ${lastLines(done.stderr, 3)}`
        : quoted;
    const hint =
      code === "invalid-config"
        ? " (the module or its variables are invalid; fix them in Git)"
        : code === "state-locked"
          ? ` (the state is locked${id ? ` by lock ${id}` : ""}; another run holds it, or a stopped run left it)`
          : "";
    throw new TofuError({
      code,
      stackRef: stack,
      command,
      message: `tofu ${command} failed for stack ${stack}${hint}:\n${cause}`,
      diagnostics: done.diagnostics,
      log: done.log,
      ...(id ? { lockId: id } : {}),
    });
  }

  #parseJson(command: string, done: Finished): unknown {
    try {
      return JSON.parse(done.result.stdout);
    } catch {
      // Never quote the text: it holds values.
      throw new TofuError({
        code: FAILURE_CODE[command] ?? "show-failed",
        stackRef: this.settings.stack,
        command,
        message: `tofu ${command} for stack ${this.settings.stack} printed something that is not JSON (${done.result.stdout.length} bytes)`,
        log: done.log,
      });
    }
  }

  #commandLog(done: Finished): CommandLog {
    return { log: done.log, warnings: done.diagnostics.filter((d) => d.severity === "warning") };
  }

  #scrubDiagnostic(d: TofuDiagnostic): TofuDiagnostic {
    return { ...d, summary: this.scrub(d.summary), detail: this.scrub(d.detail) };
  }
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split("\n").slice(-count).join("\n");
}

function formatMs(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000}m` : ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`;
}

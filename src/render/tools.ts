// Running helm and kustomize for a render: where their binaries are, a private scratch folder
// per run, a time limit, and their failures turned into render-failed errors.
//
// Each run gets an environment built from nothing but what the tool needs. Inheriting the
// controller's environment would let stray settings (HELM_DRIVER, KUBECONFIG with a default
// namespace, HELM_PLUGINS, KUSTOMIZE_PLUGIN_HOME) change what a commit renders to, and the same
// commit must render the same everywhere.
//
// Each run is also sandboxed (src/isolation): the tool sees the checkout read-only, its scratch
// folder, its own binary and nothing else, and it has no network at all. A repository is
// untrusted input, and both tools have fields that fetch URLs (kustomize generators' `files:`,
// remote bases, helm's values.schema.json `$ref`s): instead of chasing each field, no request
// can leave the sandbox, so a render cannot probe the controller's network or its metadata
// endpoints. When the host cannot start the sandbox, renders fail rather than run unconfined,
// unless the controller was started with --unsafe-unsandboxed-renders.
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultLimits, formatBytes, LIMIT_FLAGS } from "../core/limits.ts";
import { runSandboxed } from "../isolation/run.ts";
import { requireSandbox, SandboxError } from "../isolation/sandbox.ts";
import { findTool } from "../toolchain/catalog.ts";
import { toolBinary } from "../toolchain/paths.ts";
import { type RunResult, runCommand } from "../util/exec.ts";
import type { RenderLimits } from "./budget.ts";
import { RenderError } from "./errors.ts";

export interface RenderOptions {
  /** The helm binary; default: the one `moor toolchain install` built. */
  helmBinary?: string;
  /** The kustomize binary; default: the one `moor toolchain install` built. */
  kustomizeBinary?: string;
  /** The jsonnet binary (go-jsonnet); default: the one `moor toolchain install` built. */
  jsonnetBinary?: string;
  /** Kill helm/kustomize after this many milliseconds; default 120 s. */
  timeoutMs?: number;
  /** Parent of the per-render scratch folders; default: the OS temp folder. */
  scratchParent?: string;
  /** Bytes and objects one render may hold; default: core/limits.ts. */
  limits?: Partial<RenderLimits>;
  /**
   * Run helm and kustomize without the sandbox (`moor controller --unsafe-unsandboxed-renders`);
   * default false: they run sandboxed, and a render fails when the sandbox cannot start.
   */
  unsandboxed?: boolean;
}

export type ResolvedRenderOptions = Required<Omit<RenderOptions, "limits">> & { limits: RenderLimits };

export function defaultRenderOptions(options: RenderOptions = {}): ResolvedRenderOptions {
  return {
    helmBinary: options.helmBinary ?? toolBinary(findTool("helm"), "helm"),
    kustomizeBinary: options.kustomizeBinary ?? toolBinary(findTool("kustomize"), "kustomize"),
    jsonnetBinary: options.jsonnetBinary ?? toolBinary(findTool("jsonnet"), "jsonnet"),
    timeoutMs: options.timeoutMs ?? 120_000,
    scratchParent: options.scratchParent ?? tmpdir(),
    unsandboxed: options.unsandboxed ?? false,
    limits: { ...pickRenderLimits(defaultLimits()), ...options.limits },
  };
}

function pickRenderLimits(limits: RenderLimits): RenderLimits {
  const { maxManifestFileBytes, maxRenderBytes, maxRenderObjects } = limits;
  return { maxManifestFileBytes, maxRenderBytes, maxRenderObjects };
}

/** Runs `body` with a fresh scratch folder that is removed afterwards, whatever happens. */
export async function withScratch<T>(parent: string, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(parent, "mooring-render-"));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What a tool says when it tried the network, which a sandboxed render does not have. */
export const NO_NETWORK = /dial tcp|connection refused|no such host|network is unreachable/i;

export interface ToolRun {
  /** "helm" or "kustomize", for messages. */
  tool: string;
  binary: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Rewrites the tool's error output before it goes into a message (e.g. to hide values). */
  scrub?: (text: string) => string;
  /** Extra advice appended when the error output matches. */
  hints?: { when: RegExp; say: string }[];
  /** Most bytes of output the tool may write: the render's size limit. */
  maxOutputBytes?: number;
  /**
   * What the tool may see besides its binary: the checkout (read-only) and its scratch folder
   * (read-write). Null runs it unconfined (--unsafe-unsandboxed-renders).
   */
  sandbox: { readOnly: string[]; readWrite: string[] } | null;
}

/** Runs the tool and returns its standard output; any failure is a render-failed error. */
export async function runTool(run: ToolRun): Promise<string> {
  const started = Date.now();
  const options = {
    cwd: run.cwd,
    env: run.env,
    timeoutMs: run.timeoutMs,
    ...(run.maxOutputBytes !== undefined ? { maxOutputBytes: run.maxOutputBytes } : {}),
  };
  let result: RunResult;
  if (run.sandbox) {
    // bwrap would name the missing binary in its own words; keep the message that says what to do.
    const found = await access(run.binary).then(
      () => true,
      () => false,
    );
    if (!found) result = { code: 127, stdout: "", stderr: "ENOENT" };
    else {
      const sandbox = await requireSandbox({ network: false, what: run.tool }).catch((err: unknown) => {
        if (err instanceof SandboxError) throw new RenderError("sandbox-unavailable", err.message);
        throw err;
      });
      const mounts = {
        readOnly: [...run.sandbox.readOnly, run.binary],
        readWrite: run.sandbox.readWrite,
        network: false,
      };
      result = await runSandboxed(sandbox, mounts, run.binary, run.args, options);
    }
  } else {
    result = await runCommand(run.binary, run.args, options);
  }
  if (result.outputLimited) {
    throw new RenderError(
      "too-large",
      `${run.tool} wrote more than ${formatBytes(run.maxOutputBytes ?? 0)} of output, the limit per render (${LIMIT_FLAGS.maxRenderBytes}), and was stopped: split the application into smaller ones, or raise the limit`,
    );
  }
  if (result.code === 0) return result.stdout;
  if (result.code === 127 && /ENOENT/.test(result.stderr)) {
    throw new RenderError(
      "render-failed",
      `${run.tool} was not found at ${run.binary}; run \`moor toolchain install\` to build it`,
    );
  }
  if (Date.now() - started >= run.timeoutMs) {
    throw new RenderError("render-failed", `${run.tool} did not finish within ${run.timeoutMs / 1000} s`);
  }
  const raw = (result.stderr || result.stdout).trim();
  const detail = (run.scrub ? run.scrub(raw) : raw).replace(/^Error: /, "").trim();
  const hints = (run.hints ?? []).filter((h) => h.when.test(raw)).map((h) => `; ${h.say}`);
  throw new RenderError("render-failed", `${run.tool} failed: ${detail}${hints.join("")}`);
}

// Jsonnet sources: each `*.jsonnet` file of a directory source is evaluated by go-jsonnet (the
// real `jsonnet` binary) and its JSON output read as objects, as Argo CD's directory type does.
// `.libsonnet` files are libraries, read only through imports.
//
// Argo CD's `directory.jsonnet` passes `tlas` (arguments of a file that evaluates to a function)
// and `extVars` (read with `std.extVar`), each a string or, with `code: true`, Jsonnet code, and
// `libs`: library folders of the repository searched by imports (`-J`). Every value goes to the
// binary as one argument (`--tla-str name=value`), never through a shell. Build variables
// ($ARGOCD_APP_NAME, ..., core/build-env.ts) are expanded in their values, as Argo CD does.
//
// What the output may be: Argo CD reads one object or an array of objects. We read the same,
// flatten nested arrays (a common `[base, [extras]]` shape) and `kind: List` wrappers, and refuse
// anything else — an object of objects, as `{ service: ..., deployment: ... }` — as an invalid
// manifest naming the file, with the hint to return an array.
//
// Confinement. jsonnet runs in the renderers' sandbox (no network, the checkout read-only), but
// the sandbox also shows the system's /usr and a few /etc files, and an import resolves relative
// to the importing file or names an absolute path. So before jsonnet runs, the import graph is
// read here: Jsonnet only allows string literals as import paths, so every import is visible in
// the text. An absolute import, or a relative one that leads outside the repository from the
// importing file's folder or from a lib folder, fails naming the file; so does an import that
// reaches a symlink pointing out.
import { readFile, realpath, stat } from "node:fs/promises";
import { dirname, isAbsolute, join } from "node:path";
import type { JsonnetSource, JsonnetVar } from "../core/application.ts";
import { type BuildEnv, expandBuildVariables } from "../core/build-env.ts";
import type { KubeObject } from "../core/objects.ts";
import type { RenderBudget } from "./budget.ts";
import { RenderError } from "./errors.ts";
import { toObjects } from "./manifests.ts";
import { isInside, repoRelative, resolveInRepo } from "./path-safety.ts";
import { NO_NETWORK, type ResolvedRenderOptions, runTool } from "./tools.ts";

/** A variable name jsonnet accepts on its command line: an identifier, so `=` cannot split it. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The lib folders of `directory.jsonnet.libs`, resolved inside the repository (from its root). */
export async function resolveJsonnetLibs(repoRoot: string, libs: readonly string[]): Promise<string[]> {
  const resolved: string[] = [];
  for (const lib of libs)
    resolved.push(await resolveInRepo(repoRoot, repoRoot, lib, "directory.jsonnet.libs entry"));
  return resolved;
}

/** `directory.jsonnet` with build variables expanded in the tla and extVar values. */
export function expandJsonnetVariables(jsonnet: JsonnetSource, env: BuildEnv): JsonnetSource {
  const expand = (vars: JsonnetVar[] | undefined) =>
    vars?.map((v) => ({ ...v, value: expandBuildVariables(v.value ?? "", env) }));
  return {
    ...jsonnet,
    ...(jsonnet.tlas ? { tlas: expand(jsonnet.tlas) } : {}),
    ...(jsonnet.extVars ? { extVars: expand(jsonnet.extVars) } : {}),
  };
}

/** jsonnet's arguments for one file: libs, then tlas and extVars, then the file. */
export function jsonnetArgs(file: string, jsonnet: JsonnetSource, libDirs: readonly string[]): string[] {
  const args: string[] = [];
  for (const dir of libDirs) args.push("-J", dir);
  const pass = (vars: readonly JsonnetVar[] | undefined, kind: "tla" | "ext", what: string) => {
    for (const v of vars ?? []) {
      if (!IDENTIFIER.test(v.name)) {
        throw new RenderError(
          "invalid-source",
          `directory.jsonnet.${what} name "${v.name}" is not a Jsonnet identifier (letters, digits and _, not starting with a digit)`,
        );
      }
      args.push(`--${kind}-${v.code ? "code" : "str"}`, `${v.name}=${v.value ?? ""}`);
    }
  };
  pass(jsonnet.tlas, "tla", "tlas");
  pass(jsonnet.extVars, "ext", "extVars");
  args.push(file);
  return args;
}

/** The objects in jsonnet's output for `origin` (a repository-relative .jsonnet file). */
export function jsonnetObjects(output: string, origin: string): KubeObject[] {
  let value: unknown;
  try {
    value = JSON.parse(output);
  } catch (err) {
    throw new RenderError(
      "invalid-manifest",
      `${origin}: jsonnet output is not JSON: ${(err as Error).message}`,
    );
  }
  const objects: KubeObject[] = [];
  const collect = (item: unknown, label: string) => {
    if (Array.isArray(item)) {
      for (const [i, inner] of item.entries()) collect(inner, `${label}, item ${i + 1}`);
    } else if (isObjectOfObjects(item)) {
      throw new RenderError(
        "invalid-manifest",
        `${label} is an object of objects (${Object.keys(item).slice(0, 3).join(", ")}), not a Kubernetes object; return an array of objects, e.g. std.objectValues(...)`,
      );
    } else objects.push(...toObjects(item, label));
  };
  collect(value, `${origin} output`);
  return objects;
}

function isObjectOfObjects(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  if (record.apiVersion !== undefined || record.kind !== undefined) return false;
  const values = Object.values(record);
  return values.length > 0 && values.every((v) => typeof v === "object" && v !== null);
}

export interface JsonnetRender {
  repoRoot: string;
  /** The .jsonnet file's real path, inside the repository. */
  file: string;
  jsonnet: JsonnetSource;
  /** `jsonnet.libs`, resolved with resolveJsonnetLibs. */
  libDirs: readonly string[];
  options: ResolvedRenderOptions;
  budget: RenderBudget;
}

export async function renderJsonnetFile(render: JsonnetRender): Promise<KubeObject[]> {
  const { repoRoot, file, options } = render;
  const origin = repoRelative(repoRoot, file);
  const args = jsonnetArgs(file, render.jsonnet, render.libDirs);
  await assertImportsStayInRepo(repoRoot, file, render.libDirs, render.budget);
  const stdout = await runTool({
    tool: "jsonnet",
    binary: options.jsonnetBinary,
    args,
    cwd: dirname(file),
    sandbox: options.unsandboxed ? null : { readOnly: [repoRoot], readWrite: [] },
    env: {},
    timeoutMs: options.timeoutMs,
    maxOutputBytes: options.limits.maxRenderBytes,
    // Messages name files as the repository knows them, never where the checkout lies.
    scrub: (text) => `${origin}: ${text.replaceAll(`${repoRoot}/`, "")}`,
    hints: [{ when: NO_NETWORK, say: "renders have no network access" }],
  });
  render.budget.addBytes(origin, Buffer.byteLength(stdout));
  const objects = jsonnetObjects(stdout, origin);
  render.budget.addObjects(origin, objects.length);
  return objects;
}

/**
 * Follows every import from `file` (see the header) and fails on one that leaves the repository.
 * Imported Jsonnet files are read here, so they count against the render's budget as manifests do.
 */
export async function assertImportsStayInRepo(
  repoRoot: string,
  file: string,
  libDirs: readonly string[],
  budget?: RenderBudget,
): Promise<void> {
  const pending = [file];
  const seen = new Set<string>();
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    if (seen.has(current)) continue;
    seen.add(current);
    const from = repoRelative(repoRoot, current);
    if (budget && current !== file) budget.checkFile(from, (await stat(current)).size);
    for (const { keyword, path } of importsIn(await readFile(current, "utf8"))) {
      const refuse = (why: string) =>
        new RenderError(
          "path-escapes-repo",
          `${from}: ${keyword} "${path}" ${why}; imports must stay inside the repository (list library folders of the repository in directory.jsonnet.libs)`,
        );
      if (isAbsolute(path)) throw refuse("is an absolute path");
      // jsonnet looks next to the importing file first, then in the lib folders, last one first.
      const candidates = [dirname(current), ...[...libDirs].reverse()].map((base) => join(base, path));
      if (candidates.some((candidate) => !isInside(repoRoot, candidate))) throw refuse("leads outside");
      for (const candidate of candidates) {
        const real = await realpath(candidate).catch(() => null);
        if (real === null) continue; // not here; jsonnet reports an import found nowhere
        if (!isInside(repoRoot, real)) throw refuse("is (or lies under) a symlink that points outside");
        if (keyword === "import") pending.push(real);
        break;
      }
    }
  }
}

export interface JsonnetImport {
  keyword: "import" | "importstr" | "importbin";
  path: string;
}

/**
 * The imports of a Jsonnet text: each `import`, `importstr` or `importbin` keyword followed by a
 * string literal. Comments and strings are skipped so that text in them is not taken for code.
 */
export function importsIn(text: string): JsonnetImport[] {
  const found: JsonnetImport[] = [];
  let pending: JsonnetImport["keyword"] | null = null;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "#" || (c === "/" && next === "/")) {
      const end = text.indexOf("\n", i);
      i = end < 0 ? text.length : end + 1;
    } else if (c === "/" && next === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === "|" && text.startsWith("|||", i)) {
      // A text block runs from its own line to a line holding |||; jsonnet refuses it as an import.
      const end = text.indexOf("|||", text.indexOf("\n", i) + 1);
      i = end < 0 ? text.length : end + 3;
      pending = null;
    } else if (c === '"' || c === "'" || (c === "@" && (next === '"' || next === "'"))) {
      const literal = c === "@" ? verbatimString(text, i + 1) : quotedString(text, i);
      if (pending) found.push({ keyword: pending, path: literal.value });
      pending = null;
      i = literal.end;
    } else if (/[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z0-9_]+/.exec(text.slice(i, i + 64))?.[0] ?? c;
      pending = word === "import" || word === "importstr" || word === "importbin" ? word : null;
      i += word.length;
    } else {
      pending = null;
      i++;
    }
  }
  return found;
}

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f" };

/** A "..." or '...' string from its opening quote: its value and the index after it. */
function quotedString(text: string, start: number): { value: string; end: number } {
  const quote = text[start];
  let value = "";
  let i = start + 1;
  while (i < text.length && text[i] !== quote) {
    if (text[i] === "\\") {
      const escaped = text[i + 1] ?? "";
      if (escaped === "u") {
        value += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
        continue;
      }
      value += ESCAPES[escaped] ?? escaped;
      i += 2;
    } else {
      value += text[i];
      i++;
    }
  }
  return { value, end: i + 1 };
}

/** A verbatim @"..." string (a doubled quote stands for one) from its opening quote. */
function verbatimString(text: string, start: number): { value: string; end: number } {
  const quote = text[start] as string;
  let value = "";
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === quote) {
      if (text[i + 1] !== quote) break;
      value += quote;
      i += 2;
    } else {
      value += text[i];
      i++;
    }
  }
  return { value, end: i + 1 };
}

// Reading an upstream go.mod and writing the wrapper module that builds it. Pure text in, text out.
//
// Why a wrapper: `go install module@version` refuses a module whose go.mod has replace lines.
// Kubernetes replaces ~33 staging modules with ./staging/src/...; etcd's server replaces its api,
// client and pkg modules with ../api and friends. Each of those siblings is also published on the
// proxy, so a wrapper that requires the tool and replaces every sibling with its published version
// builds exactly the released source. Siblings that are required but never published (Kubernetes'
// sample-cli-plugin) are replaced by an empty local stub module; nothing imports them.

export interface Replace {
  from: string;
  fromVersion?: string;
  to: string;
  toVersion?: string;
}

export interface GoMod {
  module: string;
  go?: string;
  requires: Map<string, string>;
  replaces: Replace[];
}

/** Parses the parts of a go.mod that a wrapper needs: module, go line, require and replace. */
export function parseGoMod(text: string): GoMod {
  const mod: GoMod = { module: "", requires: new Map(), replaces: [] };
  let block: string | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\/\/.*$/, "").trim();
    if (!line) continue;
    if (block) {
      if (line === ")") {
        block = null;
        continue;
      }
      addDirective(mod, block, line);
      continue;
    }
    const match = /^(\w+)\s*(.*)$/.exec(line);
    if (!match) continue;
    const [, verb = "", rest = ""] = match;
    if (rest === "(") {
      block = verb;
      continue;
    }
    addDirective(mod, verb, rest);
  }
  return mod;
}

function addDirective(mod: GoMod, verb: string, rest: string): void {
  const words = rest.split(/\s+/).filter(Boolean);
  switch (verb) {
    case "module":
      mod.module = unquote(words[0] ?? "");
      break;
    case "go":
      mod.go = words[0];
      break;
    case "require":
      if (words[0] && words[1]) mod.requires.set(unquote(words[0]), words[1]);
      break;
    case "replace": {
      const arrow = words.indexOf("=>");
      if (arrow < 1) break;
      const left = words.slice(0, arrow).map(unquote);
      const right = words.slice(arrow + 1).map(unquote);
      if (!left[0] || !right[0]) break;
      mod.replaces.push({ from: left[0], fromVersion: left[1], to: right[0], toVersion: right[1] });
      break;
    }
    default:
      break;
  }
}

function unquote(word: string): string {
  return word.replace(/^"(.*)"$/, "$1");
}

export function isLocalPath(target: string): boolean {
  return target.startsWith("./") || target.startsWith("../") || target.startsWith("/");
}

export interface WrapperPlan {
  /** Siblings replaced upstream by a local path, which we point at their published version. */
  siblings: string[];
  /** Replace lines to copy as they are (forks of dependencies, such as OpenTofu's hcl). */
  copied: Replace[];
}

/** Splits upstream replaces into siblings to re-point and module replaces to copy. */
export function planWrapper(upstream: GoMod): WrapperPlan {
  const siblings: string[] = [];
  const copied: Replace[] = [];
  for (const r of upstream.replaces) {
    if (isLocalPath(r.to)) {
      // A local replace of a module the tool does not require (etcd's FORBIDDEN_DEPENDENCY guards)
      // exists only to keep it out of the build; the wrapper has no need for it.
      if (upstream.requires.has(r.from)) siblings.push(r.from);
    } else {
      copied.push(r);
    }
  }
  return { siblings, copied };
}

export interface WrapperInput {
  toolModule: string;
  toolVersion: string;
  goVersion: string;
  siblings: string[];
  siblingVersion: string;
  /** Siblings the proxy does not serve at siblingVersion; each gets a stub at ./stub/<index>. */
  unpublished: Set<string>;
  copied: Replace[];
  /** Other modules to replace with an empty stub at ./stub/x<index> (see TofuProviderRecipe.stubs). */
  stubs?: readonly string[];
  /**
   * The path the tool's go.mod declares when it differs from `toolModule`, the path the proxy
   * serves it under: the wrapper requires this path and replaces it with `toolModule`.
   */
  declaredPath?: string;
}

/** The wrapper module's go.mod. `go mod tidy` fills in the rest of the graph. */
export function renderWrapperGoMod(input: WrapperInput): string {
  const lines = ["module mooring.dev/toolchain/wrapper", "", `go ${input.goVersion}`, ""];
  const required = input.declaredPath ?? input.toolModule;
  lines.push("require (", `\t${required} ${input.toolVersion}`);
  for (const s of input.siblings) {
    if (!input.unpublished.has(s)) lines.push(`\t${s} ${input.siblingVersion}`);
  }
  lines.push(")", "", "replace (");
  if (input.declaredPath) lines.push(`\t${input.declaredPath} => ${input.toolModule} ${input.toolVersion}`);
  input.siblings.forEach((s, index) => {
    const target = input.unpublished.has(s) ? stubDir(index) : `${s} ${input.siblingVersion}`;
    lines.push(`\t${s} => ${target}`);
  });
  for (const r of input.copied) {
    const left = r.fromVersion ? `${r.from} ${r.fromVersion}` : r.from;
    const right = r.toVersion ? `${r.to} ${r.toVersion}` : r.to;
    lines.push(`\t${left} => ${right}`);
  }
  (input.stubs ?? []).forEach((module, index) => {
    lines.push(`\t${module} => ${extraStubDir(index)}`);
  });
  lines.push(")", "");
  return lines.join("\n");
}

export function stubDir(index: number): string {
  return `./stub/${index}`;
}

export function extraStubDir(index: number): string {
  return `./stub/x${index}`;
}

/**
 * The go line of the wrapper: the tool's own, but never below 1.17. From 1.17 on, `go mod tidy`
 * leaves out the tests of dependencies; below it, an old provider's acceptance tests would drag the
 * aws, azurerm and google providers (and versions the proxy no longer serves) into the build.
 */
export function wrapperGoVersion(upstreamGo: string | undefined): string {
  const floor = "1.17";
  if (!upstreamGo) return "1.26";
  return compareGoVersions(upstreamGo, floor) < 0 ? floor : upstreamGo;
}

function compareGoVersions(a: string, b: string): number {
  const pa = a.split(".").map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split(".").map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** A file that imports the tool's main packages so `go mod tidy` resolves their dependencies. */
export function renderToolsFile(packages: readonly string[]): string {
  const imports = packages.map((p) => `\t_ "${p}"`).join("\n");
  return `//go:build tools\n\npackage tools\n\nimport (\n${imports}\n)\n`;
}

// The build environment: facts about the Application and its destination that a source may
// refer to by name, as in Argo CD ("Build Environment"). A chart parameter written
// `image.tag: $ARGOCD_APP_REVISION_SHORT` renders with the commit being deployed, so the same
// spec follows every new commit without an edit.
//
//   ARGOCD_APP_NAME                    the Application's name
//   ARGOCD_APP_NAMESPACE               the destination namespace (Argo CD's meaning, not the
//                                      namespace the Application lives in)
//   ARGOCD_APP_PROJECT_NAME            the Project
//   ARGOCD_APP_REVISION                the commit rendered, in full
//   ARGOCD_APP_REVISION_SHORT          its first 7 characters; _SHORT_8: its first 8
//   ARGOCD_APP_SOURCE_PATH             spec.source.path
//   ARGOCD_APP_SOURCE_REPO_URL         spec.source.repoURL, any user name or password taken out
//   ARGOCD_APP_SOURCE_TARGET_REVISION  spec.source.targetRevision
//   KUBE_VERSION                       the destination's version without "v" or build
//                                      metadata, e.g. 1.36.3
//   KUBE_API_VERSIONS                  what the destination serves, sorted, comma-separated
// Each ARGOCD_APP_... name has a MOORING_APP_... twin with the same value.
//
// References are written `$NAME` or `${NAME}`. Argo CD expands them with Go's os.Expand, which
// turns an unknown name into the empty string and every `$$` into `$`; Mooring also substitutes
// in inline values and the release name, where a password like `pa$$word` or `$5` must survive,
// so only the names above are touched: an unknown `$NAME` stays as written, and `$$` is an
// escape only in front of a known name (`$$ARGOCD_APP_NAME` renders as `$ARGOCD_APP_NAME`).
// The values are plain text put into plain text: no shell ever reads them.
import { redactRepoURL } from "./repo-url.ts";

export interface BuildEnvInput {
  appName: string;
  destinationNamespace?: string;
  project?: string;
  /** The commit rendered; empty when unknown. */
  revision?: string;
  repoURL: string;
  path?: string;
  targetRevision?: string;
  /** e.g. "v1.36.3" or "v1.36.3+k3s1". */
  kubeVersion: string;
  apiVersions: readonly string[];
}

export type BuildEnv = Readonly<Record<string, string>>;

/** The names with a MOORING_APP_... twin, without their ARGOCD_APP_ prefix. */
const APP_NAMES = [
  "NAME",
  "NAMESPACE",
  "PROJECT_NAME",
  "REVISION",
  "REVISION_SHORT",
  "REVISION_SHORT_8",
  "SOURCE_PATH",
  "SOURCE_REPO_URL",
  "SOURCE_TARGET_REVISION",
] as const;

/** The variables a render may refer to. */
export function buildEnvironment(input: BuildEnvInput): BuildEnv {
  const revision = input.revision ?? "";
  const app: Record<(typeof APP_NAMES)[number], string> = {
    NAME: input.appName,
    NAMESPACE: input.destinationNamespace ?? "",
    PROJECT_NAME: input.project || "default",
    REVISION: revision,
    REVISION_SHORT: revision.slice(0, 7),
    REVISION_SHORT_8: revision.slice(0, 8),
    SOURCE_PATH: input.path ?? "",
    // A user name or password in the URL must not reach an object.
    SOURCE_REPO_URL: redactRepoURL(input.repoURL),
    SOURCE_TARGET_REVISION: input.targetRevision ?? "",
  };
  const env: Record<string, string> = {
    KUBE_VERSION: semanticVersion(input.kubeVersion),
    // Sorted, as the render cache keys them: discovery's order must not change the output.
    KUBE_API_VERSIONS: [...new Set(input.apiVersions)].sort().join(","),
  };
  for (const name of APP_NAMES) {
    env[`ARGOCD_APP_${name}`] = app[name];
    env[`MOORING_APP_${name}`] = app[name];
  }
  return env;
}

/** "v1.36.3+k3s1" → "1.36.3"; text that is not a version is returned as given. */
export function semanticVersion(version: string): string {
  const match = /^v?(\d+(?:\.\d+){0,2})/.exec(version.trim());
  return match?.[1] ?? version;
}

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;

/** Replaces `$NAME` and `${NAME}` for the names in `env`; everything else stays as written. */
export function expandBuildVariables(text: string, env: BuildEnv): string {
  if (!text.includes("$")) return text;
  let out = "";
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf("$", i);
    if (dollar < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, dollar);
    const escaped = text[dollar + 1] === "$";
    const start = escaped ? dollar + 1 : dollar;
    const reference = referenceAt(text, start);
    if (reference && Object.hasOwn(env, reference.name)) {
      // `$$NAME` keeps the reference itself, minus the escaping `$`.
      out += escaped ? text.slice(start, reference.end) : env[reference.name];
      i = reference.end;
    } else {
      // Not a known reference: copy the `$` (or `$$`) and go on after it.
      out += text.slice(dollar, start + 1);
      i = start + 1;
    }
  }
  return out;
}

/** The `$NAME` or `${NAME}` starting at `at` (which holds a `$`), or null. */
function referenceAt(text: string, at: number): { name: string; end: number } | null {
  if (text[at + 1] === "{") {
    const close = text.indexOf("}", at + 2);
    if (close < 0) return null;
    return { name: text.slice(at + 2, close), end: close + 1 };
  }
  let end = at + 1;
  if (!NAME_START.test(text[end] ?? "")) return null;
  while (end < text.length && NAME_PART.test(text[end] as string)) end++;
  return { name: text.slice(at + 1, end), end };
}

/** Expands the variables in every string of a JSON-like value (keys are left as written). */
export function expandBuildVariablesDeep<T>(value: T, env: BuildEnv): T {
  if (typeof value === "string") return expandBuildVariables(value, env) as T;
  if (Array.isArray(value)) return value.map((item) => expandBuildVariablesDeep(item, env)) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = expandBuildVariablesDeep(item, env);
    return out as T;
  }
  return value;
}

/** True when the text refers to one of the build variables, so that it renders differently per app. */
export function mentionsBuildVariables(text: string): boolean {
  return /\$\{?(ARGOCD_APP_|MOORING_APP_|KUBE_VERSION|KUBE_API_VERSIONS)/.test(text);
}

// A chart source: an Application whose `source.chart` is set takes a packaged Helm chart from a
// chart repository instead of a directory from Git. Argo CD's forms are accepted as written:
//   https://charts.example.com/stable   a Helm repository: static files, with an index.yaml
//                                       listing each chart's versions and where its .tgz lives
//   oci://registry.example.com/charts   an OCI registry; the chart is the repository
//                                       charts/<chart>, each version a tag
//   registry.example.com/charts         the same, in Argo CD's older bare-host form (no scheme)
// Where Git has a commit, a chart has a version: the revision shown in status and history is
// `chart@version`. Everything here is text the tenant wrote, so it is checked before any tool
// sees it: a chart name is one path segment, a registry path follows the OCI distribution
// grammar, and no URL carries a user name or password (those come from repository Secrets).
import { parse } from "yaml";

export type ChartLocation =
  | {
      kind: "helm-repository";
      /** The repository URL without a trailing slash; index.yaml lives under it. */
      repoURL: string;
      chart: string;
    }
  | {
      kind: "oci";
      /** host[:port] of the registry. */
      registry: string;
      /** The OCI repository holding the chart's versions as tags: path/chart. */
      repository: string;
      chart: string;
    };

export class ChartSourceError extends Error {
  readonly code = "chart-source-invalid";
}

const CHART_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;
/** One path component of an OCI repository name (distribution spec). */
const OCI_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const REGISTRY_HOST =
  /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::\d{1,5})?$|^\[[0-9a-f:]+\](?::\d{1,5})?$/;

/** Where a chart source points; throws ChartSourceError naming what is wrong. */
export function chartLocation(repoURL: string, chart: string): ChartLocation {
  const url = repoURL.trim();
  const name = chart.trim();
  if (!CHART_NAME.test(name) || name === "." || name === "..")
    throw new ChartSourceError(
      `chart ${JSON.stringify(chart)} is not a chart name: one path segment of letters, digits, '.', '_' and '-'`,
    );
  if (/^https?:\/\//i.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ChartSourceError(`repoURL of chart ${name} is not a URL`);
    }
    if (parsed.username || parsed.password)
      throw new ChartSourceError(
        `repoURL of chart ${name} carries a user name or password: keep them in a repository Secret`,
      );
    if (parsed.search || parsed.hash)
      throw new ChartSourceError(
        `repoURL of chart ${name} has a query or fragment: give the repository's base URL`,
      );
    return { kind: "helm-repository", repoURL: parsed.href.replace(/\/+$/, ""), chart: name };
  }
  const { registry, path } = registryPath(url, `chart ${name}`);
  if (!OCI_COMPONENT.test(name)) throw notOciComponent(url, `chart ${name}`, name);
  return { kind: "oci", registry, repository: [...path, name].join("/"), chart: name };
}

/** host[:port] and path components of an oci:// or bare-host registry URL; `of` is for messages. */
function registryPath(url: string, of: string): { registry: string; path: string[] } {
  const bare = url.replace(/^oci:\/\//i, "").replace(/\/+$/, "");
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(bare))
    throw new ChartSourceError(
      `repoURL ${redactChartURL(url)} of ${of}: a chart comes from https://, http:// or oci://`,
    );
  const [host = "", ...path] = bare.split("/");
  if (!REGISTRY_HOST.test(host.toLowerCase()) || host.includes("@"))
    throw new ChartSourceError(`repoURL ${redactChartURL(url)} of ${of} does not start with a registry host`);
  for (const component of path) if (!OCI_COMPONENT.test(component)) throw notOciComponent(url, of, component);
  return { registry: host.toLowerCase(), path };
}

function notOciComponent(url: string, of: string, component: string): ChartSourceError {
  return new ChartSourceError(
    `repoURL ${redactChartURL(url)} of ${of}: ${JSON.stringify(component)} is not a valid OCI repository component (lower-case letters, digits, '.', '_', '-')`,
  );
}

/**
 * The address a project's sourceRepos are matched against for a chart source. A registry in
 * Argo CD's bare-host form is matched as the oci:// URL it means: to git, `localhost:5000/charts`
 * reads as ssh to host localhost with the path 5000/charts, and `registry.example.com/charts` as
 * a folder on disk, so a project rule written for Git must not decide about it by that reading.
 * Helm repository URLs, and text that is no chart repository at all (the fetch refuses it, naming
 * what is wrong), are returned as written.
 */
export function chartProjectURL(repoURL: string): string {
  const url = repoURL.trim();
  if (/^https?:\/\//i.test(url)) return url;
  try {
    const { registry, path } = registryPath(url, "a chart");
    return `oci://${[registry, ...path].join("/")}`;
  } catch (err) {
    if (err instanceof ChartSourceError) return repoURL;
    throw err;
  }
}

/** The address a project's sourceRepos are matched against for any source: Git's as written. */
export function projectRepoURL(source: { repoURL: string; chart?: string | undefined }): string {
  return source.chart ? chartProjectURL(source.repoURL) : source.repoURL;
}

/** The text a user recognises: oci://host/path/chart or repoURL/chart. */
export function chartReference(location: ChartLocation): string {
  return location.kind === "oci"
    ? `oci://${location.registry}/${location.repository}`
    : `${location.repoURL}/${location.chart}`;
}

/** The revision shown where Git shows a commit. */
export function chartRevision(chart: string, version: string): string {
  return `${chart}@${version}`;
}

/** The version inside a chart revision (`chart@version`), or undefined when it is not one. */
export function versionOfRevision(chart: string, revision: string): string | undefined {
  return revision.startsWith(`${chart}@`) ? revision.slice(chart.length + 1) : undefined;
}

/**
 * The URL repository Secrets are matched against (controller/repo-credentials.ts). Registries
 * are reached over HTTPS, so oci://host/path and Argo CD's bare host/path are matched as
 * https://host/path: a Secret for https://registry.example.com/team covers
 * oci://registry.example.com/team/app, under the same whole-segment rules as Git URLs.
 */
export function credentialURL(url: string): string {
  const text = url.trim();
  const bare = text.replace(/^oci:\/\//i, "");
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(bare)) return text;
  // Only a registry host[:port] is read so: a Git Secret's `git@localhost:2222` (ssh, scp-like)
  // stays the ssh address it is and never lends its password to the registry localhost:2222.
  const host = bare.split("/")[0] ?? "";
  return REGISTRY_HOST.test(host.toLowerCase()) ? `https://${bare}` : text;
}

/** A chart URL for messages: any userinfo replaced. */
export function redactChartURL(url: string): string {
  return url.replace(
    /^([a-z][a-z0-9+.-]*:\/\/)?[^/@]*@/i,
    (_m, scheme: string | undefined) => `${scheme ?? ""}***@`,
  );
}

/** Registries reached over plain HTTP: only the machine's own, as `helm --plain-http` is meant for. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/** One version of a chart as a Helm repository's index.yaml lists it. */
export interface IndexedChartVersion {
  version: string;
  /** Where the .tgz is; relative URLs are relative to the repository. */
  urls: string[];
  /** sha256 of the .tgz, hex, when the index gives one. */
  digest?: string;
}

export class ChartIndexError extends Error {
  readonly code: "chart-index-invalid" | "chart-index-too-large" = "chart-index-invalid";
}

/** An index too large to read as it is laid out: a person must act (a smaller index, helm's layout). */
export class ChartIndexTooLargeError extends ChartIndexError {
  override readonly code = "chart-index-too-large";
}

/**
 * Largest index.yaml parsed whole. YAML parsing costs about a second per megabyte of CPU on the
 * controller, so an index laid out as helm writes it is read chart by chart (chartBlock) and only
 * an index laid out otherwise is parsed whole, up to this size.
 */
export const MAX_WHOLE_INDEX_BYTES = 4 * 1024 * 1024;

/**
 * The versions of one chart in a Helm repository's index.yaml (`entries.<chart>[]`), in the
 * order listed; [] when the chart is not there. Entries without a version are left out.
 */
export function readChartIndex(text: string, chart: string): IndexedChartVersion[] {
  const block = chartBlock(text, chart);
  if (block !== undefined) {
    try {
      return versionsIn(parse(block, { maxAliasCount: 100 }), chart);
    } catch {
      // An alias to an anchor outside the chart's lines, say: the whole document decides.
    }
  }
  if (text.length > MAX_WHOLE_INDEX_BYTES)
    throw new ChartIndexTooLargeError(
      `index.yaml is ${Math.ceil(text.length / 1024 / 1024)} MiB and not laid out as helm repo index writes it (entries: with each chart two spaces in); such an index is read only up to ${MAX_WHOLE_INDEX_BYTES / 1024 / 1024} MiB`,
    );
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new ChartIndexError(`index.yaml is not YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  return versionsIn(doc, chart);
}

const CHART_KEY = /^ {2}(?:([A-Za-z0-9._-]+)|"([A-Za-z0-9._-]+)"|'([A-Za-z0-9._-]+)'):[ \t]*$/;

/**
 * The lines of one chart under `entries:` as a small document of their own, when the index is
 * laid out as helm writes it: `entries:` alone on a line, each chart's name two spaces in, its
 * list items (`  - `) and their fields deeper. undefined when any line of the entries breaks that
 * layout, a chart is named twice, or the text holds several documents: the caller parses whole.
 */
function chartBlock(text: string, chart: string): string | undefined {
  if (/^(?:---|\.\.\.|%)/m.test(text)) return undefined;
  const lines = text.split("\n");
  const entries = lines.findIndex((line) => /^entries:[ \t]*$/.test(line));
  if (entries < 0 || lines.findIndex((line, i) => i > entries && /^entries\s*:/.test(line)) >= 0)
    return undefined;
  let start = -1;
  let end = -1;
  let keys = 0;
  for (let i = entries + 1; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (/^[^\s#]/.test(line)) {
      if (start >= 0 && end < 0) end = i;
      break;
    }
    const key = CHART_KEY.exec(line);
    if (key) {
      keys++;
      if (start >= 0 && end < 0) end = i;
      if ((key[1] ?? key[2] ?? key[3]) !== chart) continue;
      if (start >= 0) return undefined;
      start = i;
      continue;
    }
    if (/^[ \t]*(?:#.*)?\r?$/.test(line)) continue;
    if (keys > 0 && (/^ {2}-(?: |$)/.test(line) || /^ {3}/.test(line))) continue;
    return undefined;
  }
  if (start < 0) return "entries: {}\n";
  return `entries:\n${lines.slice(start, end < 0 ? lines.length : end).join("\n")}\n`;
}

function versionsIn(doc: unknown, chart: string): IndexedChartVersion[] {
  if (typeof doc !== "object" || doc === null || !("entries" in doc))
    throw new ChartIndexError("index.yaml has no entries: is this a Helm repository?");
  const entries = (doc as { entries: unknown }).entries;
  if (typeof entries !== "object" || entries === null) return [];
  const list = (entries as Record<string, unknown>)[chart];
  if (!Array.isArray(list) || !Object.hasOwn(entries, chart)) return [];
  const versions: IndexedChartVersion[] = [];
  for (const entry of list) {
    if (typeof entry !== "object" || entry === null) continue;
    const { version, urls, digest } = entry as Record<string, unknown>;
    if (typeof version !== "string" || version === "") continue;
    const item: IndexedChartVersion = {
      version,
      urls: Array.isArray(urls) ? urls.filter((u): u is string => typeof u === "string") : [],
    };
    if (typeof digest === "string" && /^[0-9a-f]{64}$/i.test(digest)) item.digest = digest.toLowerCase();
    versions.push(item);
  }
  return versions;
}

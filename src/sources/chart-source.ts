// Chart sources: from an Application's repoURL, chart and targetRevision to a chart folder on
// disk, the way app-source.ts goes from a Git branch to a commit's files. Two steps, as for Git:
//   resolve  which version the targetRevision picks now (core/chart-version.ts) from what the
//            repository publishes (chart-catalog.ts); kept for the poll interval and shared by
//            every app on the same chart and range; a refresh looks again
//   fetch    that version's files: pulled with the real `helm pull` (private HELM_* homes, the
//            credentials only in a 0600 file of a private folder, never on the command line),
//            unpacked safely (chart-archive.ts) into a cache keyed by the chart's digest, so a
//            version is downloaded and unpacked once, and a tag re-pushed with other content is
//            a new cache entry
// The pull needs the network, so it runs here in the controller; rendering the unpacked chart
// stays in the renderer's confinement like any chart from Git.
// The cache is collected within the controller's disk budget (controller/disk-gc.ts): each
// digest folder's modification time is set when it is handed out (its last use), and a folder a
// pull is writing, or handed out so recently that a render may still be reading it, is in use.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, utimes, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { stringify } from "yaml";
import {
  ChartIndexTooLargeError,
  type ChartLocation,
  chartLocation,
  chartReference,
  chartRevision,
  credentialURL,
  isLoopbackRegistry,
  readChartIndex,
  versionOfRevision,
} from "../core/chart-source.ts";
import { ConstraintError, chooseChartVersion, versionFromTag } from "../core/chart-version.ts";
import type { CommitInfo } from "../git/commit-info.ts";
import type { GitCredentials } from "../git/credentials.ts";
import { GitError } from "../git/errors.ts";
import { runCommand } from "../util/exec.ts";
import { ChartArchiveError, unpackChart } from "./chart-archive.ts";
import { fetchHelmIndex, listOciTags, ociManifestDigest } from "./chart-catalog.ts";

export interface ChartSourcesOptions {
  /** The helm binary used for `helm pull`. */
  helmBinary: string;
  /** Where unpacked charts are kept, one folder per digest. */
  cacheDir: string;
  /** How long a resolved version is trusted before the repository is asked again; default 60 s. */
  pollIntervalMs?: number;
  /** Credentials for a chart repository URL (matched as core/chart-source.ts credentialURL says). */
  credentialsFor?: (url: string, fresh?: boolean) => Promise<GitCredentials | undefined>;
  /** Kill helm pull after this long; default 120 s. */
  timeoutMs?: number;
  /**
   * How long after a chart folder is handed out a render may still be reading it, so the disk
   * garbage collection leaves it alone; default 5 minutes (renders are killed after 2).
   */
  readingMs?: number;
}

export interface FetchedChart {
  /** chart@version */
  sha: string;
  /** The chart's own folder (Chart.yaml at its top). */
  dir: string;
  commit: CommitInfo;
}

interface Resolved {
  revision: string;
  at: number;
}

export class ChartSources {
  private readonly options: Required<ChartSourcesOptions>;
  private readonly resolved = new Map<string, Resolved>();
  private readonly inFlight = new Map<string, Promise<unknown>>();
  /** chart@version of a repository → its unpacked folder, until a refresh asks again. */
  private readonly folders = new Map<string, FetchedChart>();
  /** Cache folders (digest folders and staging folders) a pull or an unpack is writing now. */
  private readonly writing = new Set<string>();
  /** Digest folder → when it was last handed out. */
  private readonly handedOut = new Map<string, number>();
  /** Digest folder → when its modification time was last set (at most once a minute). */
  private readonly touched = new Map<string, number>();

  constructor(options: ChartSourcesOptions) {
    this.options = {
      pollIntervalMs: 60_000,
      credentialsFor: async () => undefined,
      timeoutMs: 120_000,
      readingMs: 5 * 60_000,
      ...options,
    };
  }

  /** Where the unpacked charts are: one folder per digest. */
  get cacheDir(): string {
    return this.options.cacheDir;
  }

  /** Whether a cache folder is being written, or was handed out so recently that a render may read it. */
  inUse(folder: string, nowMs = Date.now()): boolean {
    const name = basename(folder);
    if (this.writing.has(name)) return true;
    return nowMs - (this.handedOut.get(name) ?? Number.NEGATIVE_INFINITY) < this.options.readingMs;
  }

  /**
   * Removes a cache folder unless it is in use by now: moved aside first, so a fetch never finds
   * half a chart; the next fetch of that chart pulls it again.
   */
  async evict(folder: string): Promise<void> {
    const name = basename(folder);
    if (this.inUse(folder)) throw new Error(`chart cache folder ${name} is in use again`);
    for (const [key, fetched] of this.folders)
      if (basename(dirname(fetched.dir)) === name) this.folders.delete(key);
    this.handedOut.delete(name);
    this.touched.delete(name);
    const aside = join(this.options.cacheDir, `.gc-${name}-${process.pid}-${Date.now()}`);
    await rename(folder, aside);
    await rm(aside, { recursive: true, force: true });
  }

  /** The `chart@version` the targetRevision picks now; from memory within the poll interval. */
  async resolve(repoURL: string, chart: string, targetRevision: string, force = false): Promise<string> {
    const key = `${repoURL}#${chart}#${targetRevision}`;
    const cached = this.resolved.get(key);
    if (!force && cached && Date.now() - cached.at < this.options.pollIntervalMs) return cached.revision;
    return this.once(`resolve ${key}`, async () => {
      const location = locate(repoURL, chart);
      const creds = await this.options.credentialsFor(credentialURL(repoURL), force);
      const published =
        location.kind === "oci"
          ? (await listOciTags(location, creds)).map(versionFromTag)
          : readIndex(await fetchHelmIndex(location.repoURL, creds), location).map((v) => v.version);
      const version = choose(location, targetRevision, published);
      const revision = chartRevision(location.chart, version);
      // A refresh also looks at the content again: an OCI tag may have been pushed anew.
      if (force) this.folders.delete(`${repoURL}#${revision}`);
      this.resolved.set(key, { revision, at: Date.now() });
      return revision;
    });
  }

  /** When a resolved range is due for another look (for scheduling). */
  nextPollInMs(repoURL: string, chart: string, targetRevision: string): number {
    const cached = this.resolved.get(`${repoURL}#${chart}#${targetRevision}`);
    if (!cached) return 0;
    return Math.max(0, cached.at + this.options.pollIntervalMs - Date.now());
  }

  /** The chart's files at a `chart@version` revision, pulled and unpacked once per digest. */
  async fetch(repoURL: string, chart: string, revision: string): Promise<FetchedChart> {
    const key = `${repoURL}#${revision}`;
    const known = this.folders.get(key);
    if (known && existsSync(known.dir)) return this.handOut(known);
    const fetched = await this.once(`fetch ${key}`, async () => {
      const location = locate(repoURL, chart);
      const version = versionOfRevision(location.chart, revision);
      if (version === undefined)
        throw new GitError(
          "revision-not-found",
          `revision ${revision} is not a version of chart ${location.chart} (chart@version)`,
          chartReference(location),
        );
      const creds = await this.options.credentialsFor(credentialURL(repoURL));
      const pulled = await this.pullOnce(location, version, creds);
      this.folders.set(key, pulled);
      return pulled;
    });
    return this.handOut(fetched);
  }

  /** Records that a render is about to read the chart's folder, on disk as its last use. */
  private async handOut(fetched: FetchedChart): Promise<FetchedChart> {
    const folder = dirname(fetched.dir);
    const name = basename(folder);
    const now = Date.now();
    this.handedOut.set(name, now);
    if (now - (this.touched.get(name) ?? 0) < 60_000) return fetched;
    this.touched.set(name, now);
    await utimes(folder, now / 1000, now / 1000).catch(() => {});
    return fetched;
  }

  /** Runs `body` with the cache folders it writes marked in use. */
  private async writingTo<T>(names: readonly string[], body: () => Promise<T>): Promise<T> {
    const added = names.filter((name) => !this.writing.has(name));
    for (const name of added) this.writing.add(name);
    try {
      return await body();
    } finally {
      for (const name of added) this.writing.delete(name);
    }
  }

  private async pullOnce(
    location: ChartLocation,
    version: string,
    creds: GitCredentials | undefined,
  ): Promise<FetchedChart> {
    // The digest named before the download, when the repository says it: a cached chart costs no pull.
    let index: string | undefined;
    let expected: string | undefined;
    if (location.kind === "oci") {
      const digest = await ociManifestDigest(location, version.replaceAll("+", "_"), creds);
      expected = `oci-${digest.replace(":", "-")}`;
    } else {
      index = await fetchHelmIndex(location.repoURL, creds);
      const digest = readIndex(index, location).find((v) => v.version === version)?.digest;
      if (digest) expected = `sha256-${digest}`;
    }
    return this.writingTo(expected === undefined ? [] : [expected], () =>
      this.pullInto(location, version, creds, index, expected),
    );
  }

  private async pullInto(
    location: ChartLocation,
    version: string,
    creds: GitCredentials | undefined,
    index: string | undefined,
    expected: string | undefined,
  ): Promise<FetchedChart> {
    const cached = expected === undefined ? undefined : join(this.options.cacheDir, expected);
    if (cached && existsSync(join(cached, location.chart, "Chart.yaml"))) {
      // Marked before the folder stops counting as written, so it is never seen unused meanwhile.
      this.handedOut.set(basename(cached), Date.now());
      return fetchedAt(location, version, join(cached, location.chart));
    }
    const tgz = await this.helmPull(location, version, creds, index);
    const sha256 = createHash("sha256").update(tgz).digest("hex");
    if (location.kind === "helm-repository" && expected !== undefined && expected !== `sha256-${sha256}`)
      throw new GitError(
        "git-failed",
        `chart ${location.chart} ${version} from ${location.repoURL} does not match the digest its index.yaml gives: the download was altered, or the index is stale`,
        location.repoURL,
      );
    const folder = join(this.options.cacheDir, expected ?? `sha256-${sha256}`);
    await this.writingTo([basename(folder)], async () => {
      if (!existsSync(join(folder, location.chart, "Chart.yaml")))
        await this.unpackInto(tgz, location, folder);
      this.handedOut.set(basename(folder), Date.now());
    });
    return fetchedAt(location, version, join(folder, location.chart));
  }

  private async unpackInto(tgz: Buffer, location: ChartLocation, folder: string): Promise<void> {
    await mkdir(this.options.cacheDir, { recursive: true });
    const staging = await mkdtemp(join(this.options.cacheDir, ".unpack-"));
    this.writing.add(basename(staging));
    try {
      await unpackChart(tgz, location.chart, staging);
      await rm(folder, { recursive: true, force: true });
      await rename(staging, folder);
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      if (err instanceof ChartArchiveError)
        throw new GitError(
          "git-failed",
          `chart ${chartReference(location)}: ${err.message}`,
          chartReference(location),
        );
      throw err;
    } finally {
      this.writing.delete(basename(staging));
    }
  }

  /** `helm pull` of one exact version into a private folder; returns the .tgz. */
  private async helmPull(
    location: ChartLocation,
    version: string,
    creds: GitCredentials | undefined,
    index: string | undefined,
  ): Promise<Buffer> {
    await mkdir(this.options.cacheDir, { recursive: true });
    const home = await mkdtemp(join(this.options.cacheDir, ".pull-"));
    this.writing.add(basename(home));
    const shown = chartReference(location);
    try {
      for (const name of ["config", "cache", "data", "out", "repository"])
        await mkdir(join(home, name), { mode: 0o700 });
      const args = ["pull"];
      const password = creds?.password ?? creds?.token;
      const username = creds?.username ?? (creds?.token ? "token" : undefined);
      if (location.kind === "oci") {
        const registryConfig = join(home, "config", "registry.json");
        const auths =
          username !== undefined && password !== undefined
            ? { [location.registry]: { auth: Buffer.from(`${username}:${password}`).toString("base64") } }
            : {};
        await writeFile(registryConfig, JSON.stringify({ auths }), { mode: 0o600 });
        args.push(`--registry-config=${registryConfig}`);
        if (isLoopbackRegistry(location.registry)) args.push("--plain-http");
        args.push(`--version=${version}`, `--destination=${join(home, "out")}`, "--", shown);
      } else {
        // helm finds `source/<chart>` through a repositories.yaml naming the repository (with its
        // credentials, sent only to that host) and the index.yaml just read, seeded in its cache.
        const repositoryConfig = join(home, "config", "repositories.yaml");
        const entry: Record<string, string> = { name: "source", url: location.repoURL };
        if (username !== undefined && password !== undefined) Object.assign(entry, { username, password });
        await writeFile(repositoryConfig, stringify({ apiVersion: "", repositories: [entry] }), {
          mode: 0o600,
        });
        await writeFile(join(home, "repository", "source-index.yaml"), index ?? "", { mode: 0o600 });
        args.push(
          `--repository-config=${repositoryConfig}`,
          `--repository-cache=${join(home, "repository")}`,
          `--version=${version}`,
          `--destination=${join(home, "out")}`,
          "--",
          `source/${location.chart}`,
        );
      }
      const result = await runCommand(this.options.helmBinary, args, {
        cwd: home,
        env: {
          PATH: process.env.PATH ?? "/usr/bin:/bin",
          HOME: home,
          TMPDIR: home,
          HELM_CONFIG_HOME: join(home, "config"),
          HELM_CACHE_HOME: join(home, "cache"),
          HELM_DATA_HOME: join(home, "data"),
          KUBECONFIG: join(home, "no-kubeconfig"),
        },
        timeoutMs: this.options.timeoutMs,
        maxOutputBytes: 1024 * 1024,
      });
      if (result.code !== 0) {
        let said = `${result.stderr}${result.stdout}`.trim().split("\n").slice(-3).join(" ");
        const basic =
          username && password ? Buffer.from(`${username}:${password}`).toString("base64") : undefined;
        for (const secret of [basic, password, username])
          if (secret && secret.length >= 3) said = said.replaceAll(secret, "***");
        said = said.replaceAll(`${home}/`, "");
        const code = /401|403|unauthorized|denied/i.test(said)
          ? "auth-failed"
          : /no such host|connection refused|i\/o timeout/i.test(said)
            ? "unreachable"
            : "git-failed";
        throw new GitError(code, `helm pull of chart ${shown} ${version} failed: ${said}`, shown);
      }
      const files = (await readdir(join(home, "out"))).filter((f) => f.endsWith(".tgz"));
      if (files.length !== 1)
        throw new GitError(
          "git-failed",
          `helm pull of chart ${shown} ${version} left ${files.length} archives`,
          shown,
        );
      return await readFile(join(home, "out", files[0] ?? ""));
    } finally {
      await rm(home, { recursive: true, force: true });
      this.writing.delete(basename(home));
    }
  }

  private once<T>(key: string, body: () => Promise<T>): Promise<T> {
    const pending = this.inFlight.get(key);
    if (pending) return pending as Promise<T>;
    const started = body().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }
}

function locate(repoURL: string, chart: string): ChartLocation {
  try {
    return chartLocation(repoURL, chart);
  } catch (err) {
    throw new GitError("url-refused", (err as Error).message, repoURL.replace(/\/\/[^/@]*@/, "//***@"));
  }
}

function readIndex(text: string, location: Extract<ChartLocation, { kind: "helm-repository" }>) {
  try {
    return readChartIndex(text, location.chart);
  } catch (err) {
    const code = err instanceof ChartIndexTooLargeError ? "too-large" : "repo-not-found";
    throw new GitError(code, `${location.repoURL}: ${(err as Error).message}`, location.repoURL);
  }
}

function choose(location: ChartLocation, targetRevision: string, published: string[]): string {
  const shown = chartReference(location);
  const where =
    location.kind === "oci" ? `oci://${location.registry}/${location.repository}` : location.repoURL;
  let version: string | undefined;
  try {
    version = chooseChartVersion(targetRevision, published);
  } catch (err) {
    if (err instanceof ConstraintError)
      throw new GitError("revision-not-found", `chart ${location.chart} in ${where}: ${err.message}`, shown);
    throw err;
  }
  if (version !== undefined) return version;
  const range = JSON.stringify(targetRevision || "*");
  if (published.length === 0)
    throw new GitError(
      "revision-not-found",
      `chart ${location.chart} is not in ${where} (no versions published), wanted ${range}: check repoURL and chart`,
      shown,
    );
  const listed = published.slice(-10).join(", ");
  throw new GitError(
    "revision-not-found",
    `chart ${location.chart} in ${where} has no version matching ${range} (published: ${listed}${published.length > 10 ? ", ..." : ""})`,
    shown,
  );
}

function fetchedAt(location: ChartLocation, version: string, dir: string): FetchedChart {
  const revision = chartRevision(location.chart, version);
  const now = new Date().toISOString();
  const nobody = { name: "", email: "" };
  const subject = `chart ${location.chart} ${version} from ${chartReference(location)}`;
  return {
    sha: revision,
    dir,
    commit: {
      sha: revision,
      author: nobody,
      committer: nobody,
      authoredAt: now,
      committedAt: now,
      message: subject,
      subject,
    },
  };
}

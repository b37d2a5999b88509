// What an Application declares and what runs, fetched by the CLI itself for `moor app manifests`
// and `moor app diff --local|--revision`. The desired side takes the controller's road: resolve
// the revision with the git adapter, render with the destination's discovery (helm sees the
// same .Capabilities), and, for a diff, compare through a server-side dry run (compareWithCluster)
// so the answer is the one the controller would give. Secret values are masked before printing.

import { stringify } from "yaml";
import { type Comparison, compareWithCluster } from "../controller/compare.ts";
import { Destinations } from "../controller/destinations.ts";
import { RepoCredentials } from "../controller/repo-credentials.ts";
import { applicationSources, isMultiSource, primarySource } from "../core/app-sources.ts";
import type { ApplicationStatus } from "../core/app-status.ts";
import type { Application } from "../core/application.ts";
import { maskSecret } from "../core/mask.ts";
import { formatRef, type KubeObject } from "../core/objects.ts";
import { parseSyncOptions } from "../core/sync-plan.ts";
import { GitError } from "../git/errors.ts";
import { GitSource } from "../git/source.ts";
import { KubeApiError, type KubeClient } from "../kube/client.ts";
import { RenderError } from "../render/errors.ts";
import { render } from "../render/render.ts";
import { AppError } from "./app-client.ts";

export interface DesiredOptions {
  /** Render this revision (branch, tag or sha) instead of the one the app is synced to. */
  revision?: string;
  /** Render this local folder (the app's source path) instead of Git. */
  localDir?: string;
}

export interface Desired {
  objects: KubeObject[];
  /** The commit rendered, or `local DIR`. */
  revision: string;
}

/** Opens the app's destination cluster; `done` closes what was opened. */
export async function openDestination(
  app: Application,
  client: KubeClient,
  namespace: string,
): Promise<{ client: KubeClient; done: () => void }> {
  const destinations = new Destinations(client, namespace);
  try {
    const destination = await destinations.clientFor(app.spec.destination.cluster);
    return { client: destination, done: () => destinations.close() };
  } catch (err) {
    destinations.close();
    throw new AppError(`application ${app.metadata.name}: ${(err as Error).message}`);
  }
}

/** The objects the app declares, rendered here as the controller would render them. */
export async function desiredObjects(
  app: Application,
  client: KubeClient,
  destination: KubeClient,
  namespace: string,
  options: DesiredOptions = {},
): Promise<Desired> {
  const name = app.metadata.name;
  if (isMultiSource(app.spec)) {
    // Rendering here takes one Git source; rendering one source of several would show a part as the whole.
    throw new AppError(
      `application ${name} has ${applicationSources(app.spec).length} sources (spec.sources): \`moor app manifests --source git\` and \`moor app diff --local|--revision\` render a single source; \`moor app manifests --source live\` and \`moor app diff\` show what the controller rendered`,
    );
  }
  const source = primarySource(app.spec);
  let repoDir: string;
  let revision: string;
  let renderSource = source;
  if (options.localDir) {
    repoDir = options.localDir;
    revision = `local ${options.localDir}`;
    renderSource = { ...source, path: "." };
  } else {
    // The command runs as the user, on files the user may read anyway.
    const git = new GitSource({ allowLocalRepos: true });
    // Reading repository Secrets needs rights a user may lack; then anonymous access is tried.
    const secrets = new RepoCredentials(client, namespace);
    const lookup = (url: string) => secrets.credentialsFor(url).catch(() => undefined);
    const credentials = await lookup(source.repoURL);
    const wanted = options.revision ?? (app.status as Partial<ApplicationStatus> | undefined)?.sync?.revision;
    try {
      revision = await git.resolveRevision(
        source.repoURL,
        wanted || source.targetRevision || "HEAD",
        credentials,
      );
      repoDir = await git.checkout(source.repoURL, revision, credentials, lookup);
    } catch (err) {
      if (err instanceof GitError) throw new AppError(`application ${name}: ${err.message}`);
      throw err;
    }
  }
  try {
    const rendered = await render({
      repoDir,
      source: renderSource,
      appName: name,
      ...(app.spec.destination.namespace ? { destinationNamespace: app.spec.destination.namespace } : {}),
      kubeVersion: await destination.discovery.serverVersion(),
      apiVersions: await destination.discovery.apiVersions(),
      // For the build variables, as the controller renders them.
      project: app.spec.project,
      ...(options.localDir ? {} : { revision }),
    });
    return { objects: rendered.objects, revision };
  } catch (err) {
    if (err instanceof RenderError) {
      throw new AppError(
        `application ${name}: rendering ${revision.startsWith("local") ? revision : revision.slice(0, 10)} failed: ${err.message}`,
      );
    }
    throw err;
  }
}

/** The live objects status.resources lists; the ones not found are named in `missing`. */
export async function liveObjects(
  app: Application,
  destination: KubeClient,
): Promise<{ objects: KubeObject[]; missing: string[] }> {
  const resources = (app.status as Partial<ApplicationStatus> | undefined)?.resources ?? [];
  const objects: KubeObject[] = [];
  const missing: string[] = [];
  for (const r of resources) {
    const apiVersion = r.group ? `${r.group}/${r.version}` : r.version;
    // get answers null for a 404. A kind the cluster no longer serves holds no such object either;
    // any other failure (a 403, an outage) is an error, never "missing".
    const live = await destination.get(apiVersion, r.kind, r.namespace, r.name).catch((err: unknown) => {
      if (err instanceof KubeApiError && err.reason === "UnknownKind") return null;
      throw err;
    });
    if (live) objects.push(live);
    else missing.push(formatRef(r));
  }
  return { objects, missing };
}

/** Objects as one YAML stream, Secret values masked and managedFields left out (as kubectl does). */
export function yamlStream(objects: readonly KubeObject[]): string {
  return objects
    .map((obj) => {
      const { apiVersion, kind, metadata, ...rest } = maskSecret(obj);
      const { managedFields: _managedFields, ...shown } = metadata;
      return `---\n${stringify({ apiVersion, kind, metadata: shown, ...rest })}`;
    })
    .join("");
}

/** The comparison the controller would make for these desired objects, run against the destination. */
export async function compareDesired(
  app: Application,
  destination: KubeClient,
  desired: KubeObject[],
): Promise<Comparison> {
  const status = (app.status ?? {}) as Partial<ApplicationStatus>;
  const createsNamespaces = new Set<string>(
    desired.filter((o) => o.kind === "Namespace" && o.apiVersion === "v1").map((o) => o.metadata.name ?? ""),
  );
  const { options } = parseSyncOptions(app.spec.syncPolicy?.syncOptions);
  if (options.createNamespace && app.spec.destination.namespace)
    createsNamespaces.add(app.spec.destination.namespace);
  return compareWithCluster({
    app,
    rendered: desired,
    client: destination,
    previouslyManaged: (status.resources ?? []).map((r) => ({
      group: r.group,
      version: r.version,
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
    })),
    createsNamespaces,
  });
}

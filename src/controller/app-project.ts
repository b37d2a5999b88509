// An Application's project, enforced at the two points core/project/enforce.ts describes: before
// the source is fetched, and after rendering before the cluster sees any object. Both raise a
// ProjectViolation naming the object, the rule and the project; the reconciler turns it into a
// Stalled condition and an Event and looks again at the resync pace (or as soon as the project
// changes), never in a retry storm.
import { applicationSources, describeSource, isMultiSource } from "../core/app-sources.ts";
import type { Application } from "../core/application.ts";
import { projectRepoURL } from "../core/chart-source.ts";
import { groupOf, type KubeObject, refOf } from "../core/objects.ts";
import {
  checkBeforeFetch,
  checkRendered,
  type RenderedPlacement,
  summarizeViolations,
} from "../core/project/enforce.ts";
import {
  checkSourceNamespace,
  IN_CLUSTER_SERVER,
  PROJECT_VIOLATION_REASON,
  type Project,
  projectNameOf,
  subjectOf,
} from "../core/project/project.ts";
import { requiresSignedCommits, type Signer } from "../core/project/signature.ts";
import { redactRepoURL } from "../core/repo-url.ts";
import { parseSyncOptions } from "../core/sync-plan.ts";
import type { KubeClient } from "../kube/client.ts";
import { CommitRefused, enforceSignedCommit, type SignedCommitCheck } from "./commit-signature.ts";
import { IN_CLUSTER } from "./destinations.ts";
import type { ProjectLookup } from "./projects.ts";

/** A source whose origin cannot be verified the way the project requires (a chart: no commit signature). */
export const UNVERIFIABLE_SOURCE_REASON = "UnverifiableSource";

/** The app may not go on: `reason` is the condition reason, the message says what to change. */
export class ProjectViolation extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.name = "ProjectViolation";
    this.reason = reason;
  }
}

/** What the checks after rendering need from the checks before fetching. */
export interface ProjectScope {
  project: Project;
  subject: string;
  /** The destination cluster as project destinations name it. */
  cluster: { name: string; server: string };
}

export function appSubject(app: Application): string {
  return subjectOf("Application", app.metadata.namespace, app.metadata.name);
}

/**
 * The cluster as project rules see it: its registered name and server. The cluster Mooring runs
 * in is `in-cluster` at https://kubernetes.default.svc, as in Argo CD, whatever address the
 * controller itself uses.
 */
export async function projectCluster(
  app: Application,
  resolveServer: (cluster: string) => Promise<string>,
): Promise<{ name: string; server: string }> {
  const name = app.spec.destination.cluster || IN_CLUSTER;
  if (name === IN_CLUSTER) return { name, server: IN_CLUSTER_SERVER };
  return { name, server: await resolveServer(name) };
}

/** Checks the app's namespace, repository and destination against its project, before any fetch. */
export async function enforceBeforeFetch(
  projects: ProjectLookup,
  app: Application,
  controllerNamespace: string,
  cluster: () => Promise<{ name: string; server: string }>,
): Promise<ProjectScope> {
  const subject = appSubject(app);
  const found = await projects.get(projectNameOf(app), subject);
  if (!found.found) throw new ProjectViolation(found.reason, found.message);
  const scope = { project: found.project, subject, cluster: await cluster() };
  // Every source's repository must be one the project allows, a lent values repository too.
  const sources = applicationSources(app.spec);
  for (const [index, source] of sources.entries()) {
    const decision = checkBeforeFetch(found.project, {
      subject,
      namespace: app.metadata.namespace,
      // A chart's registry in the bare-host form is matched as the oci:// URL it means.
      repoURL: projectRepoURL(source),
      cluster: scope.cluster,
      destinationNamespace: app.spec.destination.namespace ?? "",
      controllerNamespace,
    });
    if (!decision.allowed) {
      const where =
        sources.length > 1 || isMultiSource(app.spec) ? `${describeSource(app.spec, index)}: ` : "";
      throw new ProjectViolation(PROJECT_VIOLATION_REASON, `${where}${decision.message}`);
    }
  }
  return scope;
}

/**
 * Checks every rendered object (hooks included: they are applied too) against the project: its
 * kind, cluster-scoped or namespaced as the destination's discovery says, and the namespace it
 * will land in. Throws when any object is out of bounds, so nothing of the sync is applied.
 */
export async function enforceRendered(
  scope: ProjectScope,
  app: Application,
  client: KubeClient,
  objects: readonly KubeObject[],
): Promise<void> {
  const crdScopes = scopesDefinedBy(objects);
  // Discovery refreshes on every unknown kind: ask once per apiVersion and kind.
  const scopes = new Map<string, boolean | undefined>();
  const placements: RenderedPlacement[] = [];
  for (const obj of objects) {
    const ref = refOf(obj);
    const key = `${obj.apiVersion}/${obj.kind}`;
    if (!scopes.has(key)) {
      const type = await client.discovery.resourceFor(obj.apiVersion, obj.kind);
      scopes.set(key, type ? type.namespaced : crdScopes.get(`${ref.group}/${ref.kind}`));
    }
    const namespaced = scopes.get(key);
    if (namespaced) ref.namespace ||= app.spec.destination.namespace ?? "";
    else ref.namespace = "";
    // A namespaced object with no namespace at all is refused by the comparison, with its reason.
    if (namespaced && ref.namespace === "") continue;
    placements.push({ ref, namespaced });
  }
  // CreateNamespace makes the sync create a Namespace, a cluster-scoped kind like any other
  // (as in Argo CD, the project must allow it).
  const destinationNamespace = app.spec.destination.namespace;
  if (destinationNamespace && parseSyncOptions(app.spec.syncPolicy?.syncOptions).options.createNamespace) {
    placements.push({
      ref: { group: "", kind: "Namespace", namespace: "", name: destinationNamespace },
      namespaced: false,
    });
  }
  const violations = checkRendered(scope.project, scope.subject, scope.cluster, placements);
  if (violations.length > 0) {
    throw new ProjectViolation(PROJECT_VIOLATION_REASON, summarizeViolations(violations));
  }
}

/** Kinds defined by CRDs in the same render: namespaced or not, as `group/Kind`. */
function scopesDefinedBy(objects: readonly KubeObject[]): Map<string, boolean> {
  const scopes = new Map<string, boolean>();
  for (const obj of objects) {
    if (obj.kind !== "CustomResourceDefinition" || groupOf(obj.apiVersion) !== "apiextensions.k8s.io")
      continue;
    const spec = obj.spec as { group?: string; scope?: string; names?: { kind?: string } } | undefined;
    if (spec?.group && spec.names?.kind)
      scopes.set(`${spec.group}/${spec.names.kind}`, spec.scope === "Namespaced");
  }
  return scopes;
}

/**
 * Whether finalizing a deleted app may delete what its status lists. An app outside the controller
 * namespace whose project (or missing project) does not admit its namespace never synced through
 * Mooring, so whatever its status claims is not its to delete.
 */
export async function mayDeleteManaged(
  projects: ProjectLookup,
  app: Application,
  controllerNamespace: string,
): Promise<boolean> {
  if (app.metadata.namespace === controllerNamespace) return true;
  const found = await projects.get(projectNameOf(app), appSubject(app));
  if (!found.found) return false;
  return checkSourceNamespace(found.project, appSubject(app), app.metadata.namespace, controllerNamespace)
    .allowed;
}

/**
 * Signed commits for every source of the app (commit-signature.ts): each Git source's commit
 * must be signed by one of the project's keys. A chart from a Helm repository or OCI registry
 * has no commit to sign, so a project that requires signatures refuses it, naming the chart.
 * The signer of each source, in source order (undefined where none is required).
 */
export async function enforceSignedSources(
  check: Omit<SignedCommitCheck, "repoURL" | "sha">,
  app: Application,
  revisions: readonly string[],
): Promise<(Signer | undefined)[]> {
  if (!requiresSignedCommits(check.project.spec)) return revisions.map(() => undefined);
  const sources = applicationSources(app.spec);
  const signers: (Signer | undefined)[] = [];
  for (const [index, source] of sources.entries()) {
    if (source.chart) {
      throw new CommitRefused(
        UNVERIFIABLE_SOURCE_REASON,
        `${check.subject}: project ${check.project.metadata.name} requires signed commits, but ${describeSource(app.spec, index)} is chart ${source.chart} from ${redactRepoURL(source.repoURL)}, and a chart cannot be verified (it carries no commit signature); take the chart from a Git repository or use a project without signatureKeys`,
      );
    }
    signers.push(
      await enforceSignedCommit({ ...check, repoURL: source.repoURL, sha: revisions[index] ?? "" }),
    );
  }
  return signers;
}

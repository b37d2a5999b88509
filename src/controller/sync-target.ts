// Where and as whom an Application's sync acts: the destination cluster, and on it either a
// ServiceAccount the controller impersonates (the project's, or --default-service-account) or,
// in single-team installs, the controller itself (core/sync-identity.ts decides which). Every
// request of the sync — dry runs, live reads, applies, prunes, hooks, drift watches and the
// deletion at finalize — goes through the client returned here, so the API server's RBAC for
// that account is what limits the app.
//
// It also turns what the API server refused into conditions a user can act on: a 403 names the
// object, the verb and the account (the server's message) plus how to grant it, and stalls the app
// at the resync pace instead of retrying it with the queue's fast backoff.
import type { Application } from "../core/application.ts";
import type { Standing } from "../core/conditions.ts";
import { scopeMessage, scopeViolations } from "../core/namespace-scope.ts";
import { formatRef, groupOf, type ObjectRef } from "../core/objects.ts";
import {
  DEFAULT_PROJECT,
  IN_CLUSTER_SERVER,
  type Project,
  projectNameOf,
  serviceAccountFor,
} from "../core/project/project.ts";
import {
  describeIdentity,
  forbiddenAdvice,
  refusedStanding,
  type ServiceAccountRef,
  type SyncIdentity,
  syncIdentity,
  type TenancyPolicy,
} from "../core/sync-identity.ts";
import { KubeApiError, type KubeClient } from "../kube/client.ts";
import type { Comparison } from "./compare.ts";
import { IN_CLUSTER } from "./destinations.ts";
import type { WatchTarget } from "./drift.ts";

/** A destination as the reconciler sees it (destinations.ts resolves them). */
export interface ResolvedDestination {
  name: string;
  server: string;
  client: KubeClient;
  /** The cluster's namespace scope; undefined: every namespace. */
  namespaces?: string[];
}

export interface SyncTarget {
  destination: ResolvedDestination;
  project: string;
  identity: Exclude<SyncIdentity, { type: "refused" }>;
  /** The client every request of this app's sync goes through. */
  client: KubeClient;
  /** Drift watches are shared by apps acting as the same identity on the same cluster. */
  watchKey: string;
}

/** Condition reasons a sync target stalls an app with; these wait for the resync, not the poll. */
export const FORBIDDEN_REASON = "Forbidden";
export const OUTSIDE_SCOPE_REASON = "OutsideNamespaceScope";
export const TARGET_STALL_REASONS: ReadonlySet<string> = new Set([
  FORBIDDEN_REASON,
  OUTSIDE_SCOPE_REASON,
  "ServiceAccountRequired",
  "InvalidServiceAccount",
]);

/** Thrown when the app may not act at all; `standing` is what its conditions say. */
export class SyncTargetRefused extends Error {
  readonly standing: Standing;
  constructor(standing: Standing) {
    super(standing.message);
    this.name = "SyncTargetRefused";
    this.standing = standing;
  }
}

/** True for the API server's "you may not": HTTP 403. */
export function isForbidden(err: unknown): err is KubeApiError {
  return err instanceof KubeApiError && err.status === 403;
}

/** The ServiceAccount the project names for this destination, if any. */
export function projectAccount(
  project: Project | undefined,
  destination: { name: string; server: string; namespace: string },
): ServiceAccountRef | undefined {
  if (!project?.spec) return undefined;
  return serviceAccountFor(project, {
    name: destination.name,
    server: destination.name === IN_CLUSTER ? IN_CLUSTER_SERVER : destination.server,
    namespace: destination.namespace,
  });
}

/** Resolves who the app's sync acts as on its destination; throws SyncTargetRefused when nobody. */
export function resolveSyncTarget(input: {
  app: Application;
  destination: ResolvedDestination;
  /** The app's Project, when it exists (the project checks refuse an app whose project is missing). */
  project: Project | undefined;
  policy: TenancyPolicy;
  /** Where the controller runs; see syncIdentity. */
  controllerNamespace: string;
}): SyncTarget {
  const { app, destination, policy } = input;
  const project = projectNameOf(app) || DEFAULT_PROJECT;
  const namespace = app.spec.destination.namespace ?? "";
  const account = projectAccount(input.project, {
    name: destination.name,
    server: destination.server,
    namespace,
  });
  const identity = syncIdentity({
    app: { namespace: app.metadata.namespace ?? "", name: app.metadata.name ?? "" },
    controllerNamespace: input.controllerNamespace,
    project,
    destination: { cluster: destination.name, ...(namespace ? { namespace } : {}) },
    ...(account ? { projectServiceAccount: account } : {}),
    policy,
  });
  if (identity.type === "refused") throw new SyncTargetRefused(refusedStanding(identity));
  const client =
    identity.type === "service-account"
      ? destination.client.impersonating(identity.account)
      : destination.client;
  const who =
    identity.type === "service-account"
      ? `${identity.account.namespace}:${identity.account.name}`
      : "controller";
  return { destination, project, identity, client, watchKey: `${destination.name}|${who}` };
}

/** The Stalled standing of a 403: the server's words (object, verb, user) and how to grant it. */
export function forbiddenStanding(target: SyncTarget, messages: readonly string[]): Standing {
  const shown = messages.slice(0, 3).join("; ");
  const more = messages.length > 3 ? ` (and ${messages.length - 3} more)` : "";
  return {
    state: "stalled",
    reason: FORBIDDEN_REASON,
    message: `the API server refused ${describeIdentity(target.identity)}: ${shown}${more}; ${forbiddenAdvice(target.identity, target.project)}`,
  };
}

/** A 403 while comparing or deleting becomes a Stalled standing; anything else is rethrown. */
export function stallOnForbidden(target: SyncTarget): (err: unknown) => never {
  return (err) => {
    if (isForbidden(err)) throw new SyncTargetRefused(forbiddenStanding(target, [err.message]));
    throw err;
  };
}

/**
 * Why nothing may be applied, before anything is: objects outside the cluster's namespace scope
 * (including hooks, prunes and a CreateNamespace), then objects the API server refused to let this
 * identity read or dry-run. Null when the sync may go ahead.
 */
export function blockedBeforeApply(
  target: SyncTarget,
  comparison: Comparison,
  createNamespace: string | undefined,
): Standing | null {
  const scope = target.destination.namespaces;
  if (scope && scope.length > 0) {
    const refs: ObjectRef[] = [
      ...comparison.objects.map((o) => o.ref),
      ...comparison.pruneCandidates.map((p) => ({
        group: groupOf(p.apiVersion),
        kind: p.kind,
        namespace: p.metadata.namespace ?? "",
        name: p.metadata.name ?? "",
      })),
    ];
    const violations = scopeViolations(refs, scope);
    if (createNamespace && !scope.includes(createNamespace)) {
      violations.push({
        ref: { group: "", kind: "Namespace", namespace: "", name: createNamespace },
        why: "CreateNamespace",
      });
    }
    if (violations.length > 0) {
      return {
        state: "stalled",
        reason: OUTSIDE_SCOPE_REASON,
        message: scopeMessage(target.destination.name, scope, violations),
      };
    }
  }
  const forbidden = comparison.objects.filter((o) => o.forbidden && o.error);
  if (forbidden.length > 0) {
    const standing = forbiddenStanding(
      target,
      forbidden.map((o) => o.error ?? formatRef(o.ref)),
    );
    return { ...standing, message: `nothing was applied: ${standing.message}` };
  }
  return null;
}

/**
 * What the drift watches of this app cover. The controller's own identity watches each kind
 * across the cluster; a ServiceAccount, usually allowed a few namespaces only, watches each kind
 * in the namespaces the app's objects live in (and cluster-wide for cluster-scoped kinds). Hooks
 * are watched too: a hook Job finishing is what moves a waiting sync operation on.
 */
export function watchTargets(target: SyncTarget, comparison: Comparison): WatchTarget[] {
  const perNamespace = target.identity.type === "service-account";
  const seen = new Map<string, WatchTarget>();
  for (const o of comparison.objects) {
    if (o.error || o.deferred) continue;
    const { apiVersion, kind } = o.desired;
    const namespace = perNamespace ? o.desired.metadata.namespace : undefined;
    seen.set(`${apiVersion}/${kind}@${namespace ?? "*"}`, {
      apiVersion,
      kind,
      ...(namespace ? { namespace } : {}),
    });
  }
  return [...seen.values()];
}

// Which Applications and Stacks a verified push refreshes.
//
// A push names a repository and the refs it moved; a source names a repository and a
// targetRevision. The push refreshes the source when both hold:
//   repository  the same host and the same path segments as one of the addresses the payload
//               gives, whatever the scheme and port: a forge reports its https, ssh and web
//               addresses while an app may use any one of them (Argo CD matches host and path the
//               same way). Comparison goes through core/repo-url.ts, so case, a trailing `/` or
//               `.git` and userinfo make no difference. Local (file://) sources never match.
//   revision    `HEAD` or empty: a push to the default branch; when the payload does not say
//               which branch that is (Bitbucket Cloud), any branch push, as Argo CD does: an extra
//               refresh costs one ls-remote, a missed one a whole polling interval.
//               `refs/heads/x` or `refs/tags/y`: that exact ref.
//               a bare name `x`: the branch `refs/heads/x` or the tag `refs/tags/x`; git
//               resolves a bare name to either, so either may have moved what the app renders.
//               a full commit id: never; a commit does not move, so no push can change it.
// An Application of several sources (`spec.sources`) is refreshed when the push moves any of its
// Git sources, a `ref` source that only lends values files included (Argo CD does the same); a
// chart from a Helm repository or an OCI registry is never moved by a Git push.
// A deleted ref still refreshes its sources, so an app on a deleted branch reports the missing
// revision at once rather than at the next poll. Refs are compared case-sensitively, as git does.

import { parseRepoLocation, type RepoLocation } from "../repo-url.ts";
import { isCommitSha, type PushEvent, type RefUpdate } from "./push.ts";

/** The part of an Application's or a Stack's source a push is matched against. */
export interface WatchedSource {
  repoURL: string;
  /** Branch, tag, full ref, commit id or HEAD; default HEAD. */
  targetRevision?: string;
  /** A chart from a Helm repository or an OCI registry: no Git push moves it. */
  chart?: string;
}

/**
 * The Git sources an Application or a Stack follows, for targetsRefreshedBy: `spec.sources` when
 * it lists any (a multi-source Application, ref-only sources included: a new values file changes
 * what the app renders), else `spec.source`. Chart sources are left out, and an object without a
 * source follows nothing.
 */
export function specSources(object: {
  spec?: { source?: WatchedSource; sources?: readonly WatchedSource[] };
}): WatchedSource[] {
  const { source, sources } = object.spec ?? {};
  const listed =
    Array.isArray(sources) && sources.length > 0 ? sources : source === undefined ? [] : [source];
  return listed.filter(
    (s) => typeof s === "object" && s !== null && typeof s.repoURL === "string" && !s.chart,
  );
}

/** A source the push refreshes, with the ref update that did it. */
export interface PushMatch<T> {
  target: T;
  ref: string;
  /** The commit the ref now points at (all zeros for a deleted ref). */
  after: string;
  deleted: boolean;
}

const HEADS = "refs/heads/";
const TAGS = "refs/tags/";

/** Whether a targetRevision follows the ref this update moved. */
export function revisionFollowsUpdate(
  targetRevision: string | undefined,
  update: RefUpdate,
  defaultBranch: string | undefined,
): boolean {
  const target = (targetRevision ?? "").trim();
  if (target === "" || target === "HEAD") {
    if (!update.ref.startsWith(HEADS)) return false;
    return defaultBranch === undefined || update.ref === `${HEADS}${defaultBranch}`;
  }
  if (target.startsWith("refs/")) return update.ref === target;
  if (isCommitSha(target)) return false;
  return update.ref === `${HEADS}${target}` || update.ref === `${TAGS}${target}`;
}

/** Same host and path segments; see the module header for why scheme and port are left out. */
function sameHostAndPath(a: RepoLocation, b: RepoLocation): boolean {
  return (
    !a.local &&
    !b.local &&
    a.host === b.host &&
    a.segments.length === b.segments.length &&
    a.segments.every((segment, i) => segment === b.segments[i])
  );
}

/** Parsed once per push: the repository addresses it names. */
export function pushLocations(event: PushEvent): RepoLocation[] {
  return event.repoURLs.flatMap((url) => parseRepoLocation(url) ?? []);
}

/** Whether a repository URL names the pushed repository. */
export function namesPushedRepository(repoURL: string, locations: readonly RepoLocation[]): boolean {
  const location = parseRepoLocation(repoURL);
  return location !== undefined && locations.some((pushed) => sameHostAndPath(location, pushed));
}

/**
 * The targets a push refreshes, in the order given, each once (with the first ref update that
 * matched). `sourcesOf` lists a target's sources (several for a multi-source Application); a
 * target is refreshed when any of them matches.
 */
export function targetsRefreshedBy<T>(
  event: PushEvent,
  targets: Iterable<T>,
  sourcesOf: (target: T) => readonly WatchedSource[],
): PushMatch<T>[] {
  const locations = pushLocations(event);
  const matches: PushMatch<T>[] = [];
  if (locations.length === 0) return matches;
  for (const target of targets) {
    const update = firstMatchingUpdate(event, locations, sourcesOf(target));
    if (update !== undefined)
      matches.push({ target, ref: update.ref, after: update.after, deleted: update.deleted });
  }
  return matches;
}

function firstMatchingUpdate(
  event: PushEvent,
  locations: readonly RepoLocation[],
  sources: readonly WatchedSource[],
): RefUpdate | undefined {
  for (const source of sources) {
    if (!namesPushedRepository(source.repoURL, locations)) continue;
    const update = event.updates.find((u) =>
      revisionFollowsUpdate(source.targetRevision, u, event.defaultBranch),
    );
    if (update !== undefined) return update;
  }
  return undefined;
}

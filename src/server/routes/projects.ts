// Reading Projects: the ones the caller holds a role in (all of them for a global admin), each
// with its rules (source repositories, destinations, the kinds it may apply, the namespaces its
// Applications and Stacks may live in, the keys its commits must be signed with, by fingerprint
// only, the policy rules its previews must pass) and roles, and how many Applications and Stacks
// it holds. Another project answers 404, as if it did not exist (../cache-reads.ts).
import { z } from "zod";
import type { KubeObject } from "../../core/objects.ts";
import type { ServerCache } from "../cache.ts";
import { authorizeRead, cacheOf, callerOf, mayIn, presentable, projectsWith } from "../cache-reads.ts";
import { ApiError } from "../errors.ts";
import { summarizeKey } from "../key-fingerprints.ts";
import { defineRoute, type Route } from "../route.ts";
import { nameParams } from "../schemas.ts";

const str = z.string();

const roleSchema = z.object({
  name: str,
  description: str.optional(),
  verbs: z.array(str),
  users: z.array(str),
  groups: z.array(str),
});

const kindRef = z.object({ group: str, kind: str });

const policySchema = z.object({
  name: str,
  appliesTo: str.describe("objects or planChanges"),
  kinds: z.array(str).optional(),
  resourceTypes: z.array(str).optional(),
  expression: str.describe("CEL, true when the object or planned change is allowed"),
  message: str.optional(),
});

export const projectSummarySchema = z.object({
  name: str,
  description: str.optional(),
  sourceRepos: z.array(str),
  destinations: z.array(z.looseObject({})),
  clusterResourceWhitelist: z.array(kindRef).describe("cluster-scoped kinds it may apply; empty: none"),
  clusterResourceBlacklist: z.array(kindRef),
  namespaceResourceWhitelist: z
    .array(kindRef)
    .describe("namespaced kinds it may apply; empty: all but the blacklisted ones"),
  namespaceResourceBlacklist: z.array(kindRef),
  sourceNamespaces: z
    .array(str)
    .describe("namespaces its Applications and Stacks may live in, besides mooring"),
  signatureKeys: z
    .array(
      z.object({
        type: z.enum(["gpg", "ssh"]),
        description: str,
        fingerprint: str.optional(),
        keyID: str.optional(),
      }),
    )
    .describe("keys commits must be signed with, by fingerprint; the key blocks are not repeated"),
  roles: z
    .array(roleSchema)
    .describe("spec.roles as granted; an invalid list grants nothing and shows empty"),
  policies: z
    .array(policySchema)
    .describe("spec.policies: the rules pull-request previews of its Applications and Stacks must pass"),
  counts: z.object({ applications: z.number(), stacks: z.number() }),
  createdAt: str.optional(),
});

type ProjectSummary = z.input<typeof projectSummarySchema>;
type Counts = ProjectSummary["counts"];

/** Applications and Stacks per project, from the cache's list rows. */
function countsByProject(cache: ServerCache): Map<string, Counts> {
  const counts = new Map<string, Counts>();
  const of = (project: string) => {
    const found = counts.get(project) ?? { applications: 0, stacks: 0 };
    counts.set(project, found);
    return found;
  };
  for (const row of cache.applicationRows("name", "asc")) of(row.project).applications += 1;
  for (const row of cache.stackRowsSorted("name", "asc")) of(row.project).stacks += 1;
  return counts;
}

function kindRefs(value: unknown): { group: string; kind: string }[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((v) => {
    const ref = (typeof v === "object" && v !== null ? v : {}) as { group?: unknown; kind?: unknown };
    return typeof ref.kind === "string"
      ? [{ group: typeof ref.group === "string" ? ref.group : "", kind: ref.kind }]
      : [];
  });
}

/** A spec.policies entry as listed; one without a name, target or expression is left out. */
function policyOf(entry: unknown): ProjectSummary["policies"] {
  if (typeof entry !== "object" || entry === null) return [];
  const rule = entry as Record<string, unknown>;
  const { name, appliesTo, expression, message } = rule;
  if (typeof name !== "string" || typeof appliesTo !== "string" || typeof expression !== "string") return [];
  const list = (value: unknown) =>
    Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : undefined;
  const kinds = list(rule.kinds);
  const resourceTypes = list(rule.resourceTypes);
  return [
    {
      name,
      appliesTo,
      expression,
      ...(kinds ? { kinds } : {}),
      ...(resourceTypes ? { resourceTypes } : {}),
      ...(typeof message === "string" ? { message } : {}),
    },
  ];
}

function summaryOf(
  project: KubeObject,
  roles: ProjectSummary["roles"],
  counts: Counts = { applications: 0, stacks: 0 },
): ProjectSummary {
  const spec = (project.spec ?? {}) as Record<string, unknown>;
  const strings = (value: unknown) =>
    Array.isArray(value) ? value.filter((v) => typeof v === "string") : [];
  return {
    name: project.metadata.name ?? "",
    ...(typeof spec.description === "string" ? { description: spec.description } : {}),
    sourceRepos: strings(spec.sourceRepos),
    destinations: Array.isArray(spec.destinations)
      ? spec.destinations.filter((d): d is Record<string, unknown> => typeof d === "object" && d !== null)
      : [],
    clusterResourceWhitelist: kindRefs(spec.clusterResourceWhitelist),
    clusterResourceBlacklist: kindRefs(spec.clusterResourceBlacklist),
    namespaceResourceWhitelist: kindRefs(spec.namespaceResourceWhitelist),
    namespaceResourceBlacklist: kindRefs(spec.namespaceResourceBlacklist),
    sourceNamespaces: strings(spec.sourceNamespaces),
    signatureKeys: Array.isArray(spec.signatureKeys)
      ? spec.signatureKeys.flatMap((entry) => summarizeKey(entry) ?? [])
      : [],
    roles,
    policies: Array.isArray(spec.policies) ? spec.policies.flatMap(policyOf) : [],
    counts,
    ...(project.metadata.creationTimestamp ? { createdAt: project.metadata.creationTimestamp } : {}),
  };
}

export function projectRoutes(): Route[] {
  return [
    defineRoute({
      method: "get",
      path: "/projects",
      summary: "list the Projects you hold a role in (every Project for a global admin)",
      tag: "projects",
      response: z.object({ items: z.array(projectSummarySchema) }),
      handle: async (ctx) => {
        const subject = callerOf(ctx);
        const cache = cacheOf(ctx.deps, "Project");
        const visible = projectsWith(subject, "list");
        const roles = new Map(cache.projectRoles().map((p) => [p.name, p.roles]));
        const counts = countsByProject(cache);
        const items = cache
          .projects()
          .filter((p) => mayIn(visible, p.metadata.name))
          .map((p) =>
            summaryOf(
              p,
              (roles.get(p.metadata.name ?? "") ?? []).map((r) => ({
                ...r,
                verbs: [...r.verbs],
                users: [...r.users],
                groups: [...r.groups],
              })),
              counts.get(p.metadata.name ?? ""),
            ),
          )
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        return { items };
      },
    }),
    defineRoute({
      method: "get",
      path: "/projects/{name}",
      summary: "one Project as the cluster holds it, with its roles as granted",
      tag: "projects",
      params: nameParams,
      response: z.object({
        project: z.looseObject({ metadata: z.looseObject({ name: str }) }),
        summary: projectSummarySchema,
      }),
      handle: async (ctx) => {
        const { name } = ctx.params;
        callerOf(ctx);
        const cache = cacheOf(ctx.deps, "Project");
        const message = `project ${name} not found: \`GET /api/v1/projects\` lists the ones you may see`;
        const project = cache.project(name);
        authorizeRead(ctx, { resource: "project", project: name, name }, message);
        if (project === undefined) throw new ApiError("not-found", message);
        const roles = cache.projectRoles().find((p) => p.name === name)?.roles ?? [];
        return {
          project: presentable(project) as { metadata: { name: string } },
          summary: summaryOf(
            project,
            roles.map((r) => ({ ...r, verbs: [...r.verbs], users: [...r.users], groups: [...r.groups] })),
            countsByProject(cache).get(name),
          ),
        };
      },
    }),
  ];
}

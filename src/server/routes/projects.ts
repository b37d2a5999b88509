// Reading Projects: the ones the caller holds a role in (all of them for a global admin), each
// with its rules (source repositories, destinations) and roles. Another project answers 404,
// as if it did not exist (../cache-reads.ts).
import { z } from "zod";
import type { KubeObject } from "../../core/objects.ts";
import { authorizeRead, cacheOf, callerOf, mayIn, presentable, projectsWith } from "../cache-reads.ts";
import { ApiError } from "../errors.ts";
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

export const projectSummarySchema = z.object({
  name: str,
  description: str.optional(),
  sourceRepos: z.array(str),
  destinations: z.array(z.looseObject({})),
  roles: z
    .array(roleSchema)
    .describe("spec.roles as granted; an invalid list grants nothing and shows empty"),
  createdAt: str.optional(),
});

type ProjectSummary = z.input<typeof projectSummarySchema>;

function summaryOf(project: KubeObject, roles: ProjectSummary["roles"]): ProjectSummary {
  const spec = (project.spec ?? {}) as {
    description?: unknown;
    sourceRepos?: unknown;
    destinations?: unknown;
  };
  const strings = (value: unknown) =>
    Array.isArray(value) ? value.filter((v) => typeof v === "string") : [];
  return {
    name: project.metadata.name ?? "",
    ...(typeof spec.description === "string" ? { description: spec.description } : {}),
    sourceRepos: strings(spec.sourceRepos),
    destinations: Array.isArray(spec.destinations)
      ? spec.destinations.filter((d): d is Record<string, unknown> => typeof d === "object" && d !== null)
      : [],
    roles,
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
          ),
        };
      },
    }),
  ];
}

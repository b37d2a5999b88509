// Reading registered repositories: the URL (any user name or password written into it removed)
// and which kinds of credentials its Secret holds, never their values. Visibility follows
// clusters (./clusters.ts): global registrations for global admins, project-scoped ones for the
// project's readers. A repository is named in the path by its Secret's name.
import { z } from "zod";
import { authorizeRead, cacheOf, callerOf, mayIn, projectsWith } from "../cache-reads.ts";
import { ApiError } from "../errors.ts";
import { defineRoute, type Route } from "../route.ts";
import { nameParams } from "../schemas.ts";

const str = z.string();

export const repositorySchema = z.object({
  url: str,
  type: z
    .enum(["repository", "repo-creds"])
    .describe("one repository, or a credential template for a URL prefix"),
  credentials: z
    .array(z.enum(["username", "password", "bearerToken", "sshPrivateKey", "sshKnownHosts"]))
    .describe("which credentials are set, never their values"),
  project: str.optional(),
  secretName: str,
  createdAt: str.optional(),
});

export function repositoryRoutes(): Route[] {
  return [
    defineRoute({
      method: "get",
      path: "/repositories",
      summary: "list registered repositories and credential templates (credentials never shown)",
      tag: "repositories",
      response: z.object({ items: z.array(repositorySchema) }),
      handle: async (ctx) => {
        const subject = callerOf(ctx);
        const visible = projectsWith(subject, "list");
        const items = cacheOf(ctx.deps, "Secret")
          .repositories()
          .filter((r) => (r.project === undefined ? subject.globalAdmin : mayIn(visible, r.project)));
        return { items };
      },
    }),
    defineRoute({
      method: "get",
      path: "/repositories/{name}",
      summary: "one registered repository by its Secret's name (credentials never shown)",
      tag: "repositories",
      params: nameParams,
      response: repositorySchema,
      handle: async (ctx) => {
        const { name } = ctx.params;
        callerOf(ctx);
        const message = `repository ${name} not found: \`GET /api/v1/repositories\` lists the ones you may see`;
        const repo = cacheOf(ctx.deps, "Secret")
          .repositories()
          .find((r) => r.secretName === name);
        authorizeRead(ctx, { resource: "repository", project: repo?.project, name }, message);
        if (repo === undefined) throw new ApiError("not-found", message);
        return repo;
      },
    }),
  ];
}

// Every API route, in one list: `moor server` serves it and the OpenAPI document describes it.
// Each resource's routes live in their own module; add a module's routes here.
import type { ServerDeps } from "../context.ts";
import { openApiDocument } from "../openapi.ts";
import type { Route } from "../route.ts";
import { accountRoutes } from "./account.ts";
import { appActionRoutes } from "./app-actions.ts";
import { appInspectRoutes } from "./app-inspect.ts";
import { applicationRoutes } from "./applications.ts";
import { auditRoutes } from "./audit.ts";
import { clusterRoutes } from "./clusters.ts";
import { eventRoutes } from "./events.ts";
import { metaRoutes, SERVER_VERSION } from "./meta.ts";
import { previewRoutes } from "./previews.ts";
import { projectRoutes } from "./projects.ts";
import { repositoryRoutes } from "./repositories.ts";
import { sessionRoutes } from "./session.ts";
import { stackActionRoutes } from "./stack-actions.ts";
import { stackRoutes } from "./stacks.ts";
import { streamRoutes } from "./stream.ts";
import { tokenRoutes } from "./tokens.ts";
import { webhookRoutes } from "./webhooks.ts";

export function allRoutes(_deps: ServerDeps): Route[] {
  const routes: Route[] = [];
  let document: unknown;
  routes.push(
    ...metaRoutes(() => {
      document ??= openApiDocument(routes, SERVER_VERSION);
      return document;
    }),
  );
  routes.push(...webhookRoutes());
  routes.push(
    ...applicationRoutes(),
    ...appInspectRoutes(),
    ...stackRoutes(),
    ...eventRoutes(),
    ...projectRoutes(),
  );
  routes.push(...clusterRoutes(), ...repositoryRoutes(), ...streamRoutes());
  routes.push(...sessionRoutes(), ...tokenRoutes(), ...accountRoutes());
  routes.push(...appActionRoutes(), ...stackActionRoutes());
  routes.push(...auditRoutes());
  routes.push(...previewRoutes());
  return routes;
}

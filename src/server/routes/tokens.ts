// API tokens for automation (CI jobs, scripts): one project, one role, an expiry, revocable.
//
//   POST   /tokens          create: {project, role, expiresIn: "30d", description?}; the token
//                           text is in this answer only, never again
//   GET    /tokens          list (?project=): the tokens of projects where the caller may manage
//                           tokens; records only, never a secret or its hash
//   DELETE /tokens/{id}     revoke: refused from the next request on, still listed as revoked
//
// Only a caller holding manage-tokens in the token's project (its admin role, or a global admin)
// may create, list or revoke its tokens; a token can never be made for a role the project does
// not define. Created and revoked tokens are audited with their id, never their text.
import { z } from "zod";
import { authorize, roleVerbs, type Subject } from "../../core/access/authorize.ts";
import { DAY_MS, type TokenRecord, tokenState, validateTokenRequest } from "../../core/access/tokens.ts";
import { ApiError } from "../errors.ts";
import { defineRoute, type Route } from "../route.ts";
import { objectName } from "../schemas.ts";
import { publicRecord } from "../token-store.ts";
import { createToken } from "../tokens.ts";
import { identityOf } from "./session.ts";

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: DAY_MS };

/** `30d`, `12h`, `90m` → milliseconds; undefined when unreadable. */
export function parseLifetime(text: string): number | undefined {
  const match = /^(\d{1,6})([mhd])$/.exec(text.trim());
  if (match === null) return undefined;
  return Number(match[1]) * (UNITS[match[2] ?? "d"] ?? DAY_MS);
}

const tokenRecord = z.object({
  id: z.string(),
  project: z.string(),
  role: z.string(),
  createdBy: z.string(),
  description: z.string().optional(),
  createdAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().optional(),
  lastUsedAt: z.string().optional(),
  state: z.enum(["active", "expired", "revoked"]),
});

const iso = (ms: number) => new Date(ms).toISOString();

function present(record: TokenRecord, now: number): z.infer<typeof tokenRecord> {
  return {
    id: record.id,
    project: record.project,
    role: record.role,
    createdBy: record.createdBy,
    ...(record.description === undefined ? {} : { description: record.description }),
    createdAt: iso(record.createdAt),
    expiresAt: iso(record.expiresAt),
    ...(record.revokedAt === undefined ? {} : { revokedAt: iso(record.revokedAt) }),
    ...(record.lastUsedAt === undefined ? {} : { lastUsedAt: iso(record.lastUsedAt) }),
    state: tokenState(record, now),
  };
}

export function tokenRoutes(): Route[] {
  return [
    defineRoute({
      method: "post",
      path: "/tokens",
      summary: "create an API token for one project and role; the token is shown in this answer only",
      tag: "tokens",
      status: 201,
      body: z.strictObject({
        project: objectName,
        role: z.string().min(1).max(63),
        expiresIn: z.string().default("30d"),
        description: z.string().max(256).optional(),
      }),
      response: z.object({ token: z.string(), record: tokenRecord }),
      handle: async (ctx) => {
        const identity = identityOf(ctx.deps);
        const { project, role, expiresIn, description } = ctx.body;
        const subject = ctx.authorize({ verb: "manage-tokens", resource: "token", project });
        const roles = identity.projectRoles().find((p) => p.name === project);
        if (roles === undefined) {
          throw new ApiError("not-found", `project ${project} does not exist: create it first`);
        }
        const lifetimeMs = parseLifetime(expiresIn);
        if (lifetimeMs === undefined) {
          throw new ApiError(
            "invalid-body",
            `expiresIn "${expiresIn}" is not a lifetime: write 30d, 12h or 90m`,
          );
        }
        const problems = validateTokenRequest(
          { project, role, lifetimeMs },
          roleVerbs(roles.roles, role) !== undefined,
        );
        if (problems.length > 0) throw new ApiError("invalid-body", problems.join("; "), { problems });
        const now = ctx.deps.clock();
        const { token, record } = createToken(
          {
            project,
            role,
            createdBy: subject.name,
            expiresAt: now + lifetimeMs,
            ...(description === undefined ? {} : { description }),
          },
          now,
        );
        await identity.tokens.create(record);
        ctx.audit({
          kind: "token-created",
          project,
          details: { token: record.id, role, expiresAt: iso(record.expiresAt) },
        });
        return { token, record: present(publicRecord(record), now) };
      },
    }),
    defineRoute({
      method: "get",
      path: "/tokens",
      summary: "list API tokens of the projects where the caller may manage tokens",
      tag: "tokens",
      query: z.strictObject({ project: objectName.optional() }),
      response: z.object({ items: z.array(tokenRecord) }),
      handle: async (ctx) => {
        const identity = identityOf(ctx.deps);
        const subject = ctx.subject as Subject;
        if (ctx.query.project !== undefined) {
          ctx.authorize({ verb: "manage-tokens", resource: "token", project: ctx.query.project });
        }
        const now = ctx.deps.clock();
        const stored = await identity.tokens.list(ctx.query.project);
        const items = stored
          .filter(
            (t) =>
              authorize(subject, { verb: "manage-tokens", resource: "token", project: t.project }).allowed,
          )
          .map((t) => present(publicRecord(t), now));
        return { items };
      },
    }),
    defineRoute({
      method: "delete",
      path: "/tokens/{id}",
      summary: "revoke an API token: refused from the next request on",
      tag: "tokens",
      params: z.strictObject({
        id: z.string().regex(/^[0-9a-f]{16}$/, "must be a token id (16 hex digits)"),
      }),
      response: z.object({ record: tokenRecord }),
      handle: async (ctx) => {
        const identity = identityOf(ctx.deps);
        const stored = await identity.tokens.find(ctx.params.id);
        if (stored === undefined) {
          throw new ApiError("not-found", `API token ${ctx.params.id} does not exist: see moor token list`);
        }
        ctx.authorize({ verb: "manage-tokens", resource: "token", project: stored.project, name: stored.id });
        const now = ctx.deps.clock();
        const record =
          stored.revokedAt === undefined ? await identity.tokens.revoke(stored, now) : publicRecord(stored);
        if (stored.revokedAt === undefined) {
          ctx.audit({
            kind: "token-revoked",
            project: stored.project,
            details: { token: stored.id, role: stored.role },
          });
        }
        return { record: present(record, now) };
      },
    }),
  ];
}

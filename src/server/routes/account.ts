// The caller's own account.
//
//   GET /account            who am I: name, groups, and per project the roles and verbs held
//   PUT /account/password   change a local account's password: {currentPassword, newPassword};
//                           every session opened before ends (they must log in again)
//
// Local accounts, for the global admin (Argo CD declares them in argocd-cm; here they are made
// through the API, so a password never passes through a ConfigMap):
//   GET    /accounts                  the accounts and their groups (never a hash)
//   POST   /accounts                  {name, password?, groups?}; without a password one is
//                                     generated and answered once
//   PUT    /accounts/{name}/password  {newPassword}: reset a forgotten password; sessions end
//   DELETE /accounts/{name}           delete an account (not admin); its sessions end
//
// A password change checks the current password under the same login throttle as POST /session,
// so a stolen session cannot be used to guess the password either.
import { z } from "zod";
import type { Subject } from "../../core/access/authorize.ts";
import { ApiError } from "../errors.ts";
import { generatePassword } from "../passwords.ts";
import { defineRoute, type Route } from "../route.ts";
import { ADMIN_USER, passwordProblems, USER_NAME } from "../users.ts";
import { identityOf, throttledAddress, whoAmI, whoAmISchema } from "./session.ts";

const accountName = z
  .string()
  .regex(USER_NAME, "must be a user name: lower-case letters, digits, '.', '_' and '-', at most 63");

function checkPassword(password: string): void {
  const problems = passwordProblems(password);
  if (problems.length > 0) throw new ApiError("invalid-body", problems.join("; "), { problems });
}

/** Accounts are global: only a global admin manages them (a denial is a 403, audited). */
const GLOBAL = { verb: "manage-project", resource: "project" } as const;

export function accountRoutes(): Route[] {
  return [
    defineRoute({
      method: "get",
      path: "/accounts",
      summary: "local accounts and their groups (global admin)",
      tag: "account",
      response: z.object({
        items: z.array(
          z.object({ name: z.string(), groups: z.array(z.string()), passwordChangedAt: z.string() }),
        ),
      }),
      handle: async (ctx) => {
        ctx.authorize(GLOBAL);
        const items = await identityOf(ctx.deps).users.list();
        return {
          items: items.map((u) => ({ ...u, passwordChangedAt: new Date(u.passwordChangedAt).toISOString() })),
        };
      },
    }),
    defineRoute({
      method: "post",
      path: "/accounts",
      summary: "create a local account (global admin); a generated password is answered once",
      tag: "account",
      status: 201,
      body: z.strictObject({
        name: accountName,
        password: z.string().max(1024).optional(),
        groups: z.array(z.string().min(1).max(256)).max(100).default([]),
      }),
      response: z.object({ name: z.string(), groups: z.array(z.string()), password: z.string().optional() }),
      handle: async (ctx) => {
        ctx.authorize(GLOBAL);
        const { name, groups } = ctx.body;
        const generated = ctx.body.password === undefined ? generatePassword() : undefined;
        const password = ctx.body.password ?? (generated as string);
        checkPassword(password);
        if (!(await identityOf(ctx.deps).users.create(name, password, groups))) {
          throw new ApiError("conflict", `account ${name} already exists: pick another name`);
        }
        ctx.audit({
          kind: "api-allowed",
          project: "",
          details: { action: "account-created", account: name, groups },
        });
        return { name, groups, ...(generated === undefined ? {} : { password: generated }) };
      },
    }),
    defineRoute({
      method: "put",
      path: "/accounts/{name}/password",
      summary: "set another account's password (global admin); its sessions end",
      tag: "account",
      params: z.strictObject({ name: accountName }),
      body: z.strictObject({ newPassword: z.string().max(1024) }),
      response: z.object({ changed: z.literal(true), message: z.string() }),
      handle: async (ctx) => {
        ctx.authorize(GLOBAL);
        const users = identityOf(ctx.deps).users;
        if ((await users.get(ctx.params.name)) === undefined) {
          throw new ApiError("not-found", `account ${ctx.params.name} does not exist: see moor account list`);
        }
        checkPassword(ctx.body.newPassword);
        await users.setPassword(ctx.params.name, ctx.body.newPassword);
        ctx.audit({
          kind: "api-allowed",
          project: "",
          details: { action: "password-reset", account: ctx.params.name },
        });
        return { changed: true as const, message: `password of ${ctx.params.name} set; its sessions ended` };
      },
    }),
    defineRoute({
      method: "delete",
      path: "/accounts/{name}",
      summary: "delete a local account (global admin); its sessions end",
      tag: "account",
      status: 204,
      params: z.strictObject({ name: accountName }),
      response: z.null(),
      handle: async (ctx) => {
        ctx.authorize(GLOBAL);
        if (ctx.params.name === ADMIN_USER) {
          throw new ApiError(
            "bad-request",
            "the admin account cannot be deleted: change its password instead",
          );
        }
        if (!(await identityOf(ctx.deps).users.delete(ctx.params.name))) {
          throw new ApiError("not-found", `account ${ctx.params.name} does not exist: see moor account list`);
        }
        ctx.audit({
          kind: "api-allowed",
          project: "",
          details: { action: "account-deleted", account: ctx.params.name },
        });
        return ctx.hono.body(null, 204);
      },
    }),
    defineRoute({
      method: "get",
      path: "/account",
      summary: "who am I: user, groups, and the roles and verbs held in each project",
      tag: "account",
      response: whoAmISchema,
      handle: async (ctx) => whoAmI(ctx.subject as Subject, identityOf(ctx.deps)),
    }),
    defineRoute({
      method: "put",
      path: "/account/password",
      summary: "change the caller's local password; earlier sessions end",
      tag: "account",
      body: z.strictObject({
        currentPassword: z.string().min(1).max(1024),
        newPassword: z.string().max(1024),
      }),
      response: z.object({ changed: z.literal(true), message: z.string() }),
      handle: async (ctx) => {
        const identity = identityOf(ctx.deps);
        const subject = ctx.subject as Subject;
        if (subject.kind !== "user") {
          throw new ApiError(
            "bad-request",
            subject.kind === "sso"
              ? "this account signs in with single sign-on: change the password at the identity provider"
              : "an API token has no password: log in as a user to change a password",
          );
        }
        const attempt = {
          account: subject.name,
          address: throttledAddress(ctx.hono, ctx.actor.address, identity),
        };
        const verdict = identity.throttle.check(attempt, ctx.deps.clock());
        if (!verdict.allowed) {
          const seconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
          const error = new ApiError("too-many-requests", verdict.reason, { retryAfterSeconds: seconds });
          return ctx.hono.json(error.body(), 429, { "Retry-After": String(seconds) });
        }
        const user = await identity.users.verify(subject.name, ctx.body.currentPassword);
        if (user === undefined) {
          identity.throttle.failure(attempt, ctx.deps.clock());
          ctx.audit({
            kind: "login-failed",
            project: "",
            details: { username: subject.name, method: "password-change", reason: "wrong current password" },
          });
          throw new ApiError("forbidden", "the current password is wrong");
        }
        const problems = passwordProblems(ctx.body.newPassword);
        if (problems.length > 0) throw new ApiError("invalid-body", problems.join("; "), { problems });
        identity.throttle.success(attempt);
        await identity.users.setPassword(subject.name, ctx.body.newPassword);
        return { changed: true as const, message: `password of ${subject.name} changed: log in again` };
      },
    }),
  ];
}

// The caller's own account.
//
//   GET /account            who am I: name, groups, and per project the roles and verbs held
//   PUT /account/password   change a local account's password: {currentPassword, newPassword};
//                           every session opened before ends (they must log in again)
//
// A password change checks the current password under the same login throttle as POST /session,
// so a stolen session cannot be used to guess the password either.
import { z } from "zod";
import type { Subject } from "../../core/access/authorize.ts";
import { ApiError } from "../errors.ts";
import { defineRoute, type Route } from "../route.ts";
import { passwordProblems } from "../users.ts";
import { identityOf, whoAmI, whoAmISchema } from "./session.ts";

export function accountRoutes(): Route[] {
  return [
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
        const attempt = { account: subject.name, address: ctx.actor.address ?? "unknown" };
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

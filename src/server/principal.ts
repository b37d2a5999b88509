// Who is calling. An Authenticator turns a request's credentials (a session cookie, an API token
// in `Authorization: Bearer`) into a Subject: a name, the groups single sign-on gave it, whether
// it is the global admin, and the roles it holds per project (src/core/access/authorize.ts).
// Roles are read from the Projects at every request, so editing a Project's `spec.roles` changes
// what its members may do at once; nothing is cached inside a session.
//
// Authentication says who; authorisation (ctx.authorize in ./route.ts) says whether. A request
// with no credentials is anonymous and reaches only public routes (health, the OpenAPI document,
// login, webhooks, which carry their own proof); every other route answers 401.
import type { Subject } from "../core/access/authorize.ts";
import type { AuditActor } from "../core/audit/record.ts";

/** What an authenticator sees of a request. Header names are lower-case. */
export interface AuthRequest {
  method: string;
  path: string;
  headers: Headers;
  /** The peer's address, as the socket reports it. */
  address: string;
}

export type Authentication =
  | { ok: true; subject: Subject /** session id or token id, for the audit trail */; credential?: string }
  /** No credentials at all: anonymous. */
  | { ok: false; code: "unauthenticated"; message: string }
  /** Credentials given but refused (expired session, revoked token, CSRF token missing). */
  | {
      ok: false;
      code: "unauthenticated" | "csrf-refused";
      message: string;
      refused: true;
      /** Why, as a stable code for scripts and the audit trail: token-revoked, session-expired... */
      reason?: string;
      /** Which credential was refused (`token:<id>`, `session:<id>`), never its secret. */
      credential?: string;
    };

export interface Authenticator {
  authenticate(request: AuthRequest): Promise<Authentication>;
}

/** Until login is configured every request is anonymous: only public routes answer. */
export const NO_LOGIN: Authenticator = {
  authenticate: async () => ({
    ok: false,
    code: "unauthenticated",
    message: "log in first: no login method is configured on this server",
  }),
};

/** The audit actor for a subject calling from an address. */
export function actorOf(subject: Subject | undefined, address: string): AuditActor {
  if (subject === undefined) return { type: "user", name: "anonymous", address };
  return { type: subject.kind === "token" ? "token" : "user", name: subject.name, address };
}

// `moor server`'s login flags, and the identity services built from them: local accounts,
// sessions, API tokens, the login throttle and, when configured, single sign-on (OIDC).
//
//   --secure-cookies auto|always|never   Secure on the session cookie; auto: when the request came
//                                        over https (or X-Forwarded-Proto: https); default auto
//   --session-ttl 24h                    how long a login lasts
//   --proxy-hops 1                       reverse proxies in front (an ingress): the login throttle
//                                        counts the client X-Forwarded-For names, not the proxy
//   --oidc-issuer URL --oidc-client-id ID [--oidc-client-secret-file F] [--oidc-redirect-url URL]
//   [--oidc-groups-claim groups] [--oidc-username-claim preferred_username]
//   [--oidc-scopes "openid profile email groups"]
//
// The OIDC client secret is read from a file, never given as a flag, so it does not show in ps.
import { readFileSync } from "node:fs";
import type { IdentityOptions } from "../server/authenticate.ts";
import { OidcLogin, oidcDefaults } from "../server/oidc.ts";
import { parseLifetime } from "../server/routes/tokens.ts";
import { type Options, stringValue, type Values } from "./command.ts";
import { UsageError } from "./output.ts";

export const identityOptions: Options = {
  "secure-cookies": { type: "string" },
  "session-ttl": { type: "string" },
  "proxy-hops": { type: "string" },
  "oidc-issuer": { type: "string" },
  "oidc-client-id": { type: "string" },
  "oidc-client-secret-file": { type: "string" },
  "oidc-redirect-url": { type: "string" },
  "oidc-groups-claim": { type: "string" },
  "oidc-username-claim": { type: "string" },
  "oidc-scopes": { type: "string" },
};

export const IDENTITY_USAGE =
  "[--secure-cookies auto|always|never] [--session-ttl 24h] [--proxy-hops 0] [--oidc-issuer URL --oidc-client-id ID [--oidc-client-secret-file F] [--oidc-redirect-url URL] [--oidc-groups-claim groups]]";

function oidcFromFlags(values: Values): OidcLogin | undefined {
  const issuer = stringValue(values, "oidc-issuer");
  const clientId = stringValue(values, "oidc-client-id");
  if (issuer === undefined && clientId === undefined) return undefined;
  if (issuer === undefined || clientId === undefined) {
    throw new UsageError("single sign-on needs both --oidc-issuer and --oidc-client-id");
  }
  try {
    new URL(issuer);
  } catch {
    throw new UsageError(`--oidc-issuer takes a URL, got "${issuer}"`);
  }
  const secretFile = stringValue(values, "oidc-client-secret-file");
  let clientSecret: string | undefined;
  if (secretFile !== undefined) {
    try {
      clientSecret = readFileSync(secretFile, "utf8").trim();
    } catch (err) {
      throw new UsageError(`cannot read --oidc-client-secret-file ${secretFile}: ${(err as Error).message}`);
    }
  }
  const redirectUrl = stringValue(values, "oidc-redirect-url");
  const groupsClaim = stringValue(values, "oidc-groups-claim");
  const usernameClaim = stringValue(values, "oidc-username-claim");
  const scopes = stringValue(values, "oidc-scopes");
  return new OidcLogin(
    oidcDefaults({
      issuer,
      clientId,
      ...(clientSecret === undefined ? {} : { clientSecret }),
      ...(redirectUrl === undefined ? {} : { redirectUrl }),
      ...(groupsClaim === undefined ? {} : { groupsClaim }),
      ...(usernameClaim === undefined ? {} : { usernameClaim }),
      ...(scopes === undefined ? {} : { scopes: scopes.split(/[\s,]+/).filter(Boolean) }),
    }),
  );
}

/** The identity options in the flags: cookies, session lifetime, single sign-on. */
export function identityOptionsFromFlags(values: Values): IdentityOptions {
  const secure = stringValue(values, "secure-cookies") ?? "auto";
  if (secure !== "auto" && secure !== "always" && secure !== "never") {
    throw new UsageError("--secure-cookies takes auto, always or never");
  }
  const ttlText = stringValue(values, "session-ttl");
  const ttlMs = ttlText === undefined ? undefined : parseLifetime(ttlText);
  if (ttlText !== undefined && ttlMs === undefined) {
    throw new UsageError(`--session-ttl takes a duration such as 24h or 7d, got "${ttlText}"`);
  }
  const hopsText = stringValue(values, "proxy-hops") ?? "0";
  const proxyHops = Number(hopsText);
  if (!Number.isInteger(proxyHops) || proxyHops < 0 || proxyHops > 10) {
    throw new UsageError(
      `--proxy-hops takes the number of reverse proxies in front (0 to 10), got "${hopsText}"`,
    );
  }
  const oidc = oidcFromFlags(values);
  return {
    secureCookies: secure,
    proxyHops,
    ...(ttlMs === undefined ? {} : { sessionTtlMs: ttlMs }),
    ...(oidc === undefined ? {} : { oidc }),
  };
}

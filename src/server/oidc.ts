// Single sign-on with OpenID Connect (openid-client v6): the authorization code flow with PKCE,
// state and nonce, as Argo CD's and Gitea's SSO do.
//
//   1. GET /api/v1/auth/oidc/login: makes a PKCE verifier, a state and a nonce, keeps them in a
//      short-lived signed HttpOnly cookie (`mooring_oidc`, 10 minutes; signed with the session
//      key, so any replica can finish the flow) and redirects the browser to the provider;
//   2. the provider authenticates the user and redirects back to the callback with a code;
//   3. GET /api/v1/auth/oidc/callback: checks state, exchanges the code with the verifier, checks
//      the ID token (signature, issuer, audience, nonce), reads the user name and the groups
//      claim, and opens a session. The groups decide the roles through the Projects' spec.roles
//      `groups`, read at every request like a local user's.
//
// Configuration (`moor server` flags): --oidc-issuer, --oidc-client-id, --oidc-client-secret-file
// (omit for a public client: PKCE alone), --oidc-redirect-url (default: this server's
// /api/v1/auth/oidc/callback as the request reached it), --oidc-groups-claim (default `groups`),
// --oidc-username-claim (default `preferred_username`, then `email`, then `sub`),
// --oidc-scopes (default `openid profile email groups`). The client secret is read from a file,
// never a flag, so it does not show in `ps`. The provider's discovery document is read at the
// first login and kept; a failed read is retried at the next.
import * as client from "openid-client";

export const OIDC_FLOW_COOKIE = "mooring_oidc";
export const OIDC_FLOW_TTL_MS = 10 * 60 * 1000;

export interface OidcConfig {
  issuer: string;
  clientId: string;
  /** Absent: a public client, authenticated by PKCE alone. */
  clientSecret?: string;
  /** Where the provider sends the browser back; absent: derived from the request. */
  redirectUrl?: string;
  groupsClaim: string;
  usernameClaim: string;
  scopes: string[];
}

export function oidcDefaults(
  config: Pick<OidcConfig, "issuer" | "clientId"> & Partial<OidcConfig>,
): OidcConfig {
  return {
    groupsClaim: "groups",
    usernameClaim: "preferred_username",
    scopes: ["openid", "profile", "email", "groups"],
    ...config,
  };
}

/** What the login step keeps for the callback, in the signed flow cookie. */
export interface OidcFlow {
  state: string;
  nonce: string;
  verifier: string;
  redirectUrl: string;
  /** For `moor login --sso`: the loopback port and state to hand the session to. */
  cli?: { port: number; state: string };
}

export interface OidcIdentity {
  username: string;
  groups: string[];
}

export class OidcError extends Error {
  readonly code: "oidc-unavailable" | "oidc-refused";
  constructor(code: "oidc-unavailable" | "oidc-refused", message: string) {
    super(message);
    this.name = "OidcError";
    this.code = code;
  }
}

/** Reads the groups claim: a list of strings, or one string; anything else is no groups. */
export function groupsFrom(claims: Record<string, unknown>, claim: string): string[] {
  const value = claims[claim];
  if (typeof value === "string") return value === "" ? [] : [value];
  if (!Array.isArray(value)) return [];
  return value.filter((g): g is string => typeof g === "string" && g !== "");
}

export function usernameFrom(claims: Record<string, unknown>, claim: string): string | undefined {
  for (const key of [claim, "preferred_username", "email", "sub"]) {
    const value = claims[key];
    if (typeof value === "string" && value !== "") return value;
  }
  return undefined;
}

export class OidcLogin {
  readonly config: OidcConfig;
  #discovered: Promise<client.Configuration> | undefined;

  constructor(config: OidcConfig) {
    this.config = config;
  }

  async #configuration(): Promise<client.Configuration> {
    this.#discovered ??= (async () => {
      const issuer = new URL(this.config.issuer);
      const insecure = issuer.protocol === "http:";
      return client.discovery(
        issuer,
        this.config.clientId,
        this.config.clientSecret,
        this.config.clientSecret === undefined ? client.None() : undefined,
        insecure ? { execute: [client.allowInsecureRequests] } : undefined,
      );
    })();
    try {
      return await this.#discovered;
    } catch (err) {
      this.#discovered = undefined;
      throw new OidcError(
        "oidc-unavailable",
        `cannot read the OpenID provider's discovery document at ${this.config.issuer}: ${(err as Error).message}`,
      );
    }
  }

  /** Starts a login: the provider URL to redirect to, and the flow to keep for the callback. */
  async start(redirectUrl: string, cli?: OidcFlow["cli"]): Promise<{ url: URL; flow: OidcFlow }> {
    const configuration = await this.#configuration();
    const verifier = client.randomPKCECodeVerifier();
    const flow: OidcFlow = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier,
      redirectUrl,
      ...(cli === undefined ? {} : { cli }),
    };
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: redirectUrl,
      scope: this.config.scopes.join(" "),
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state: flow.state,
      nonce: flow.nonce,
    });
    return { url, flow };
  }

  /** Finishes a login at the callback URL the provider redirected to. */
  async finish(callbackUrl: URL, flow: OidcFlow): Promise<OidcIdentity> {
    const configuration = await this.#configuration();
    // The callback must be checked against the redirect URI the flow started with.
    const current = new URL(flow.redirectUrl);
    current.search = callbackUrl.search;
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(configuration, current, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      throw new OidcError("oidc-refused", `single sign-on failed: ${(err as Error).message}`);
    }
    const idClaims = (tokens.claims() ?? {}) as Record<string, unknown>;
    let claims: Record<string, unknown> = idClaims;
    if (idClaims[this.config.groupsClaim] === undefined && tokens.access_token !== undefined) {
      // Some providers put scope claims only in userinfo when an access token is issued.
      try {
        const info = await client.fetchUserInfo(configuration, tokens.access_token, String(idClaims.sub));
        claims = { ...info, ...idClaims, [this.config.groupsClaim]: info[this.config.groupsClaim] };
      } catch {
        claims = idClaims;
      }
    }
    const username = usernameFrom(claims, this.config.usernameClaim);
    if (username === undefined) {
      throw new OidcError("oidc-refused", "the ID token names no user (no preferred_username, email or sub)");
    }
    return { username, groups: groupsFrom(claims, this.config.groupsClaim) };
  }
}

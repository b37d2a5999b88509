import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fakeKube } from "./authenticate.test-kube.ts";
import {
  csrfMatches,
  csrfTokenFor,
  readCookie,
  SESSION_KEY_SECRET,
  type SessionClaims,
  SessionStore,
  sessionCookie,
  signSession,
  verifySession,
} from "./sessions.ts";

const key = Buffer.alloc(32, 7);
const claims: SessionClaims = { sid: "a1", sub: "alice", kind: "user", groups: [], iat: 1000, exp: 5000 };

describe("session tokens", () => {
  it("reads back the claims it signed until they expire", () => {
    const token = signSession(key, claims);
    assert.deepEqual(verifySession(key, token, 4999), { ok: true, claims });
    const expired = verifySession(key, token, 5000);
    assert.equal(expired.ok, false);
    assert.equal(!expired.ok && expired.code, "session-expired");
  });

  const tampered: [string, (token: string) => string, string][] = [
    [
      "claims edited to another user",
      (t) => {
        const [prefix, payload, sig] = t.split(".");
        const edited = { ...JSON.parse(Buffer.from(payload ?? "", "base64url").toString()), sub: "admin" };
        return `${prefix}.${Buffer.from(JSON.stringify(edited)).toString("base64url")}.${sig}`;
      },
      "bad-signature",
    ],
    ["a token signed with another key", () => signSession(Buffer.alloc(32, 8), claims), "bad-signature"],
    ["an API token", () => "moor_0123456789abcdef_x", "malformed-session"],
    ["a signature cut off", (t) => t.slice(0, t.lastIndexOf(".")), "malformed-session"],
  ];
  for (const [name, edit, code] of tampered) {
    it(`refuses ${name}`, () => {
      const result = verifySession(key, edit(signSession(key, claims)), 2000);
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.code, code);
    });
  }

  it("binds the CSRF token to one session", () => {
    const token = csrfTokenFor(key, "a1");
    assert.equal(csrfMatches(key, "a1", token), true);
    assert.equal(csrfMatches(key, "a2", token), false);
    assert.equal(csrfMatches(key, "a1", undefined), false);
    assert.equal(csrfMatches(key, "a1", ""), false);
  });

  it("writes an HttpOnly SameSite cookie, Secure only over https", () => {
    const plain = sessionCookie("mooring_session", "v", { secure: false, maxAgeSeconds: 60 });
    assert.equal(plain, "mooring_session=v; Path=/; Max-Age=60; HttpOnly; SameSite=Lax");
    assert.match(sessionCookie("mooring_session", "v", { secure: true, maxAgeSeconds: 60 }), /; Secure$/);
    assert.equal(readCookie("a=1; mooring_session=mss.x.y; b=2", "mooring_session"), "mss.x.y");
    assert.equal(readCookie("a=1", "mooring_session"), undefined);
  });
});

describe("SessionStore", () => {
  it("creates the signing key once; a session outlives a restart and works on every replica", async () => {
    const kube = fakeKube();
    let now = 1_000_000;
    const clock = () => now;
    const first = await SessionStore.open(kube.client, "mooring", clock);
    const second = await SessionStore.open(kube.client, "mooring", clock);
    assert.equal(kube.calls.filter((c) => c === `create Secret/${SESSION_KEY_SECRET}`).length, 1);
    const issued = first.issue({ name: "alice", kind: "user", groups: [] });
    assert.equal((await second.verify(issued.token)).ok, true);
    assert.equal(second.csrfToken(issued.claims.sid), issued.csrfToken);
    now += first.ttlMs;
    assert.equal((await second.verify(issued.token)).ok, false);
  });

  it("ends a session at logout: at once on this replica, within the cache window on the others", async () => {
    const kube = fakeKube();
    let now = 1_000_000;
    const clock = () => now;
    const a = await SessionStore.open(kube.client, "mooring", clock, { revocationCacheMs: 1000 });
    const b = await SessionStore.open(kube.client, "mooring", clock, { revocationCacheMs: 1000 });
    const issued = a.issue({ name: "alice", kind: "user", groups: [] });
    const other = a.issue({ name: "bob", kind: "user", groups: [] });
    assert.equal((await b.verify(issued.token)).ok, true);
    await a.revoke(issued.claims);
    const onA = await a.verify(issued.token);
    assert.equal(!onA.ok && onA.code, "session-revoked");
    now += 1000;
    const onB = await b.verify(issued.token);
    assert.equal(!onB.ok && onB.code, "session-revoked");
    assert.equal((await b.verify(other.token)).ok, true, "other sessions go on");
  });

  it("drops revocations once the session would have expired anyway", async () => {
    const kube = fakeKube();
    let now = 1_000_000;
    const store = await SessionStore.open(kube.client, "mooring", () => now, { ttlMs: 1000 });
    const old = store.issue({ name: "alice", kind: "user", groups: [] });
    await store.revoke(old.claims);
    now += 2000;
    const fresh = store.issue({ name: "alice", kind: "user", groups: [] });
    await store.revoke(fresh.claims);
    const secret = kube.objects.get("Secret/mooring/mooring-revoked-sessions") as {
      data?: Record<string, string>;
    };
    assert.deepEqual(Object.keys(secret.data ?? {}), [fresh.claims.sid]);
  });

  it("seals a value for one purpose and a limited time", async () => {
    let now = 0;
    const store = await SessionStore.open(fakeKube().client, "mooring", () => now);
    const sealed = store.seal("oidc-flow", { state: "s" }, 1000);
    assert.deepEqual(store.unseal("oidc-flow", sealed), { state: "s" });
    assert.equal(store.unseal("other", sealed), undefined);
    assert.equal(store.unseal("oidc-flow", `${sealed}x`), undefined);
    now = 1000;
    assert.equal(store.unseal("oidc-flow", sealed), undefined);
  });
});

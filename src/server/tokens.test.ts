import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DAY_MS } from "../core/access/tokens.ts";
import {
  authenticateToken,
  createToken,
  hashTokenSecret,
  parseToken,
  type StoredToken,
  verifyTokenSecret,
} from "./tokens.ts";

const T0 = Date.UTC(2026, 0, 1);
const NEW = { project: "team-a", role: "deployer", createdBy: "ada", expiresAt: T0 + 30 * DAY_MS };

function store(...records: StoredToken[]) {
  const byId = new Map(records.map((record) => [record.id, record]));
  return (id: string) => byId.get(id);
}

describe("createToken", () => {
  it("reads moor_<16 hex>_<43 base64url> and stores only the secret's hash", () => {
    const { token, record } = createToken({ ...NEW, description: "ci" }, T0);
    assert.match(token, /^moor_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const parsed = parseToken(token);
    assert.equal(parsed?.id, record.id);
    assert.equal(record.secretHash, hashTokenSecret(parsed?.secret ?? ""));
    assert.ok(!JSON.stringify(record).includes(parsed?.secret ?? "-"), "the secret is not in the record");
    assert.deepEqual(
      { ...record, id: "", secretHash: "" },
      { ...NEW, description: "ci", id: "", secretHash: "", createdAt: T0 },
    );
  });
  it("never makes the same token twice", () => {
    const tokens = new Set(Array.from({ length: 100 }, () => createToken(NEW, T0).token));
    assert.equal(tokens.size, 100);
  });
});

describe("parseToken", () => {
  const secret = "A_b-".repeat(10).concat("xyz");
  it("splits at the first _ after the id even when the secret holds _", () => {
    assert.deepEqual(parseToken(`moor_0123456789abcdef_${secret}`), { id: "0123456789abcdef", secret });
  });
  it("ignores surrounding white space, as pasted from a file", () => {
    assert.equal(parseToken(` moor_0123456789abcdef_${secret}\n`)?.id, "0123456789abcdef");
  });
  const bad: [string, string][] = [
    ["another product's token", `ghp_${"a".repeat(36)}`],
    ["an upper-case id", `moor_0123456789ABCDEF_${secret}`],
    ["a short secret", "moor_0123456789abcdef_abc"],
    ["a secret with padding", `moor_0123456789abcdef_${secret.slice(1)}=`],
    ["an empty string", ""],
  ];
  for (const [name, text] of bad) it(`refuses ${name}`, () => assert.equal(parseToken(text), undefined));
});

describe("verifyTokenSecret", () => {
  it("matches the right secret only", () => {
    const hash = hashTokenSecret("s3cret");
    assert.equal(verifyTokenSecret("s3cret", hash), true);
    assert.equal(verifyTokenSecret("s3cres", hash), false);
  });
  it("refuses a damaged stored hash instead of throwing", () => {
    assert.equal(verifyTokenSecret("s3cret", "abcd"), false);
  });
});

describe("authenticateToken", () => {
  const { token, record } = createToken(NEW, T0);
  const other = createToken(NEW, T0);
  it("accepts a valid token and returns its record", async () => {
    assert.deepEqual(await authenticateToken(token, store(record), T0 + DAY_MS), { ok: true, record });
  });
  it("accepts a lookup that answers asynchronously", async () => {
    const result = await authenticateToken(token, async (id) => store(record)(id), T0);
    assert.equal(result.ok, true);
  });
  const cases: [string, () => Promise<unknown>, string][] = [
    ["a malformed token", () => authenticateToken("Bearer xyz", store(record), T0), "malformed-token"],
    ["an id not in the store", () => authenticateToken(token, store(), T0), "unknown-token"],
    [
      "a wrong secret, read as unknown",
      () => authenticateToken(`moor_${record.id}_${parseToken(other.token)?.secret}`, store(record), T0),
      "unknown-token",
    ],
    ["an expired token", () => authenticateToken(token, store(record), T0 + 30 * DAY_MS), "token-expired"],
    [
      "a revoked token",
      () => authenticateToken(token, store({ ...record, revokedAt: T0 + 1 }), T0 + 2),
      "token-revoked",
    ],
  ];
  for (const [name, run, code] of cases) {
    it(`refuses ${name}`, async () => {
      const result = (await run()) as { ok: boolean; code?: string; message?: string };
      assert.equal(result.ok, false);
      assert.equal(result.code, code);
      assert.ok(
        !(result.message ?? "").includes(parseToken(token)?.secret ?? "-"),
        "no secret in the message",
      );
    });
  }
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  DEFAULT_SCRYPT,
  generatePassword,
  hashPassword,
  needsRehash,
  PASSWORD_ALPHABET,
  PasswordHashError,
  parsePasswordHash,
  verifyPassword,
} from "./passwords.ts";

// Tests use a cheap cost; one test checks the default parameters end to end.
const CHEAP = { ln: 10, r: 8, p: 1 };

describe("hashPassword / verifyPassword", () => {
  it("verifies the right password and refuses a wrong one", async () => {
    const stored = await hashPassword("correct horse", CHEAP);
    assert.equal(await verifyPassword("correct horse", stored), true);
    assert.equal(await verifyPassword("correct horsf", stored), false);
    assert.equal(await verifyPassword("", stored), false);
  });
  it("writes a self-describing PHC string", async () => {
    const stored = await hashPassword("pw", CHEAP);
    assert.match(stored, /^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    const parsed = parsePasswordHash(stored);
    assert.deepEqual(parsed.params, CHEAP);
    assert.equal(parsed.salt.length, 16);
    assert.equal(parsed.hash.length, 32);
  });
  it("salts every hash afresh", async () => {
    assert.notEqual(await hashPassword("pw", CHEAP), await hashPassword("pw", CHEAP));
  });
  it("treats composed and decomposed accents as the same password", async () => {
    const stored = await hashPassword("caf\u00e9", CHEAP);
    assert.equal(await verifyPassword("cafe\u0301", stored), true);
  });
  it("answers false for an unknown user after spending a hash", async () => {
    assert.equal(await verifyPassword("anything", undefined), false);
  });
  it("uses the default parameters when none are given", async () => {
    const stored = await hashPassword("pw");
    assert.ok(
      stored.startsWith(`$scrypt$ln=${DEFAULT_SCRYPT.ln},r=${DEFAULT_SCRYPT.r},p=${DEFAULT_SCRYPT.p}$`),
    );
    assert.equal(await verifyPassword("pw", stored), true);
  });
});

describe("parsePasswordHash", () => {
  const salt = Buffer.alloc(16, 1).toString("base64").replace(/=+$/, "");
  const hash = Buffer.alloc(32, 2).toString("base64").replace(/=+$/, "");
  const cases: [string, string, RegExp][] = [
    ["a bcrypt hash", "$2b$10$abcdefghijklmnopqrstuv", /not a \$scrypt\$/],
    ["a plain password", "hunter2", /not a \$scrypt\$/],
    ["a cost that would allocate gigabytes", `$scrypt$ln=24,r=8,p=1$${salt}$${hash}`, /outside ln 10-20/],
    ["a zero block size", `$scrypt$ln=15,r=0,p=1$${salt}$${hash}`, /outside ln 10-20/],
    ["a short salt", `$scrypt$ln=15,r=8,p=1$AAAA$${hash}`, /salt or hash outside 16-64 bytes/],
  ];
  for (const [name, encoded, message] of cases) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => parsePasswordHash(encoded),
        (error: unknown) =>
          error instanceof PasswordHashError &&
          error.code === "invalid-password-hash" &&
          message.test(error.message),
      );
    });
  }
});

describe("needsRehash", () => {
  it("asks for a re-hash when the parameters changed, not otherwise", async () => {
    const stored = await hashPassword("pw", CHEAP);
    assert.equal(needsRehash(stored, CHEAP), false);
    assert.equal(needsRehash(stored, DEFAULT_SCRYPT), true);
  });
});

describe("generatePassword", () => {
  it("draws the asked length from the unambiguous alphabet", () => {
    const password = generatePassword();
    assert.equal(password.length, 22);
    for (const char of password) assert.ok(PASSWORD_ALPHABET.includes(char), char);
    assert.equal(generatePassword(8).length, 8);
  });
  it("never repeats itself", () => {
    const seen = new Set(Array.from({ length: 50 }, () => generatePassword()));
    assert.equal(seen.size, 50);
  });
  it("has no look-alike characters", () => assert.doesNotMatch(PASSWORD_ALPHABET, /[0Oo1lI]/));
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hmacSha256Hex, sha256Hex } from "./hash.ts";

describe("plan id digests", () => {
  it("computes SHA-256 as lower-case hex", () => {
    assert.equal(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("gives different digests of the same text under different keys", () => {
    const a = hmacSha256Hex(new Uint8Array(32).fill(1));
    const b = hmacSha256Hex(new Uint8Array(32).fill(2));
    assert.match(a("plan"), /^[0-9a-f]{64}$/);
    assert.equal(a("plan"), a("plan"));
    assert.notEqual(a("plan"), b("plan"));
    assert.notEqual(a("plan"), sha256Hex("plan"));
  });

  it("refuses a key too short to keep guesses out", () => {
    assert.throws(() => hmacSha256Hex(new Uint8Array(8)), /at least 32 random bytes/);
  });
});

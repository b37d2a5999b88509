import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { readBodyLimited } from "./body.ts";

async function* chunks(...parts: (string | Uint8Array)[]): AsyncGenerator<string | Uint8Array> {
  for (const part of parts) yield part;
}

describe("readBodyLimited", () => {
  it("reads a body under the limit into one buffer", async () => {
    const result = await readBodyLimited(
      chunks("ab", Buffer.from("cd"), new Uint8Array([0x65])),
      undefined,
      5,
    );
    assert.ok(result.ok);
    assert.equal(result.body.toString(), "abcde");
  });

  it("refuses a declared Content-Length over the limit before reading", async () => {
    let read = false;
    async function* untouched(): AsyncGenerator<string> {
      read = true;
      yield "x";
    }
    const result = await readBodyLimited(untouched(), "6", 5);
    assert.deepEqual(result.ok ? "ok" : result.code, "body-too-large");
    assert.equal(read, false);
  });

  it("cuts off a body whose bytes pass the limit, whatever Content-Length said", async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<Buffer> {
      for (;;) {
        pulled++;
        yield Buffer.alloc(4);
      }
    }
    const result = await readBodyLimited(endless(), "3", 10);
    assert.deepEqual(result.ok ? "ok" : result.code, "body-too-large");
    assert.equal(pulled, 3, "stops at the chunk that passes the limit");
  });

  it("reads a Node stream of a body exactly at the limit", async () => {
    const result = await readBodyLimited(Readable.from([Buffer.alloc(3), Buffer.alloc(2)]), "5", 5);
    assert.ok(result.ok);
    assert.equal(result.body.byteLength, 5);
  });
});

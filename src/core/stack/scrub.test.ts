import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createScrubber, secretSpellings } from "./scrub.ts";

describe("createScrubber", () => {
  it("replaces every occurrence of every secret", () => {
    const scrub = createScrubber(["hunter2", "AKIAEXAMPLE"]);
    assert.equal(scrub.text("user=AKIAEXAMPLE pass=hunter2 again hunter2"), "user=*** pass=*** again ***");
  });

  it("catches a secret printed quoted with escapes", () => {
    const scrub = createScrubber(['pa"ss\\word']);
    assert.equal(scrub.text('  + input = "pa\\"ss\\\\word"'), '  + input = "***"');
  });

  it("catches a secret written as an HCL template escape", () => {
    const scrub = createScrubber([["a$", "{b}c"].join("")]);
    assert.equal(scrub.text('value = "a$${b}c"'), 'value = "***"');
  });

  it("catches each line of a multi-line secret printed line by line", () => {
    const pem = "-----BEGIN KEY-----\nMIIBVwIBADANBgkqhkiG9w0BAQEFAASCAUEwggE9\n-----END KEY-----";
    const scrub = createScrubber([pem]);
    const out = scrub.text("    MIIBVwIBADANBgkqhkiG9w0BAQEFAASCAUEwggE9\n");
    assert.ok(!out.includes("MIIBVwIBADANBgkqhkiG9w0BAQEFAASCAUEwggE9"), out);
  });

  it("leaves values too short to be secrets alone", () => {
    const scrub = createScrubber(["1", "on", ""]);
    assert.equal(scrub.text("on main.tf line 1"), "on main.tf line 1");
  });

  it("prefers the longest match so a secret containing another is masked whole", () => {
    assert.deepEqual(secretSpellings(["abc", "abcdef"]).slice(0, 2), ["abcdef", "abc"]);
    assert.equal(createScrubber(["abc", "abcdef"]).text("abcdef"), "***");
  });

  it("scrubs a secret split across output chunks when streaming", () => {
    const lines: string[] = [];
    const stream = createScrubber(["hunter2-secret"]).stream((t) => lines.push(t));
    stream.write("token=hunt");
    stream.write("er2-secret\nnext ");
    stream.write("line hunter2-secret");
    stream.end();
    assert.equal(lines.join(""), "token=***\nnext line ***");
  });
});

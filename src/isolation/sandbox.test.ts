import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { probeSandbox, requireSandbox, SANDBOX_ADVICE, SandboxError } from "./sandbox.ts";

describe("probeSandbox", () => {
  it("starts a program in the sandbox on this host, with and without network", async () => {
    for (const network of [true, false]) {
      const probe = await probeSandbox({ network });
      assert.ok(probe.ok, probe.ok ? "" : probe.reason);
      assert.ok(probe.sandbox.system.every((path) => path.startsWith("/etc/")));
    }
  });

  it("says why when bwrap cannot start a sandbox, in bwrap's own words", async () => {
    // `false` stands in for a bwrap that fails (as it does where user namespaces are forbidden).
    const probe = await probeSandbox({ network: false, bwrap: "/usr/bin/false" });
    assert.equal(probe.ok, false);
    assert.match(probe.ok ? "" : probe.reason, /\/usr\/bin\/false could not start a sandbox \(exit 1\)/);
  });

  it("names the missing binary", async () => {
    const probe = await probeSandbox({ network: false, bwrap: "/nonexistent/bwrap" });
    assert.equal(probe.ok, false);
    assert.match(probe.ok ? "" : probe.reason, /\/nonexistent\/bwrap/);
  });
});

describe("requireSandbox", () => {
  it("returns this host's sandbox", async () => {
    const sandbox = await requireSandbox({ network: false, what: "helm" });
    assert.match(sandbox.bwrap, /bwrap$/);
  });

  it("has advice that says how to get a sandbox", () => {
    assert.match(SANDBOX_ADVICE, /apt-get install bubblewrap/);
    assert.equal(new SandboxError("x").code, "sandbox-unavailable");
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { classifyFailure } from "../core/stack/failure.ts";
import type { Stack } from "../core/stack/spec.ts";
import { failureSource, StackError } from "./stack-errors.ts";
import { stackSandbox } from "./stack-sandbox.ts";

const stack = { metadata: { namespace: "team-a", name: "web" } } as Stack;
const sandbox = { bwrap: "/usr/bin/bwrap", system: [], drop: "user-namespace" as const };
const unavailable = async () => ({
  ok: false as const,
  reason: "bwrap: setting up uid map: Permission denied",
});

describe("stackSandbox", () => {
  it("gives a run the host's sandbox", async () => {
    const got = await stackSandbox(
      { unsafeUnsandboxed: false, providerMirrors: [], probe: async () => ({ ok: true, sandbox }) },
      stack,
    );
    assert.equal(got, sandbox);
  });

  it("refuses the run where no sandbox starts: stalled, naming the Stack, the cause and the way out", async () => {
    const err = await stackSandbox(
      { unsafeUnsandboxed: false, providerMirrors: [], probe: unavailable },
      stack,
    ).then(
      () => assert.fail("the run was not refused"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof StackError);
    assert.equal(err.code, "sandbox-unavailable");
    assert.match(err.message, /^stack team-a\/web was not run: tofu cannot run sandboxed/);
    assert.match(err.message, /setting up uid map: Permission denied/);
    assert.match(err.message, /--unsafe-unsandboxed-stacks/);
    assert.deepEqual(classifyFailure(failureSource(err)), { reason: "SandboxUnavailable", stall: true });
  });

  it("runs unconfined only when the operator asked for it", async () => {
    const got = await stackSandbox(
      { unsafeUnsandboxed: true, providerMirrors: [], probe: unavailable },
      stack,
    );
    assert.equal(got, undefined);
  });
});

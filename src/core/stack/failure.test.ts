import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { classifyFailure, STACK_ERROR_CODES, type StackErrorCode } from "./failure.ts";

describe("classifying why a Stack's run stopped", () => {
  it("stalls on every refusal of the controller's own but a ServiceAccount yet to appear", () => {
    for (const code of Object.keys(STACK_ERROR_CODES) as StackErrorCode[]) {
      assert.deepEqual(classifyFailure({ from: "stack", code }), {
        reason: STACK_ERROR_CODES[code],
        stall: code !== "service-account-not-found",
      });
    }
  });

  it("stalls on an invalid module, retries what may pass", () => {
    const table: [string, string, boolean][] = [
      ["invalid-config", "InvalidConfiguration", true],
      ["state-locked", "StateLocked", false],
      ["timeout", "Timeout", false],
      ["apply-failed", "ApplyFailed", false],
      ["plan-failed", "PlanFailed", false],
      ["init-failed", "PlanFailed", false],
    ];
    for (const [code, reason, stall] of table) {
      assert.deepEqual(classifyFailure({ from: "tofu", code }), { reason, stall }, code);
    }
  });

  it("retries an unreachable git server, stalls on a missing revision", () => {
    assert.deepEqual(classifyFailure({ from: "git", code: "unreachable" }), {
      reason: "SourceFailed",
      stall: false,
    });
    assert.deepEqual(classifyFailure({ from: "git", code: "timeout" }), {
      reason: "SourceFailed",
      stall: false,
    });
    assert.deepEqual(classifyFailure({ from: "git", code: "revision-not-found" }), {
      reason: "SourceFailed",
      stall: true,
    });
    assert.deepEqual(classifyFailure({ from: "workdir" }), { reason: "SourceFailed", stall: true });
  });

  it("stalls on a refused repository URL or an oversized repository, naming which", () => {
    assert.deepEqual(classifyFailure({ from: "git", code: "url-refused" }), {
      reason: "RepositoryURLRefused",
      stall: true,
    });
    assert.deepEqual(classifyFailure({ from: "git", code: "too-large" }), {
      reason: "RepositoryTooLarge",
      stall: true,
    });
  });

  it("stalls on a submodule that cannot be read, even one whose server did not answer: a source is used whole", () => {
    assert.deepEqual(classifyFailure({ from: "git", code: "submodule-failed" }), {
      reason: "SourceFailed",
      stall: true,
    });
  });

  it("reads a 403 as forbidden and stalls, never as something that may pass", () => {
    assert.deepEqual(classifyFailure({ from: "kube", status: 403 }), { reason: "Forbidden", stall: true });
    assert.deepEqual(classifyFailure({ from: "kube", status: 500 }), { reason: "ApiError", stall: false });
    assert.deepEqual(classifyFailure({ from: "unknown" }), { reason: "SourceFailed", stall: false });
  });
});

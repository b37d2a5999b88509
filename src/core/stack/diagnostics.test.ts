import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  classifyDiagnostic,
  classifyFailure,
  firstErrorBlock,
  formatDiagnostic,
  lockCreated,
  lockId,
  parseUiDiagnostics,
  undeclaredVariableWarnings,
} from "./diagnostics.ts";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

describe("tofu diagnostics", () => {
  it("reads broken HCL as an invalid configuration with file and line", () => {
    const diagnostics = parseUiDiagnostics(fixture("ui-invalid-hcl.jsonl"));
    assert.deepEqual(diagnostics, [
      {
        severity: "error",
        summary: "Invalid expression",
        detail: "Expected the start of an expression, but found an invalid expression token.",
        file: "broken.tf",
        line: 2,
      },
    ]);
    assert.equal(classifyFailure(diagnostics), "invalid-config");
  });

  it("reads a failed precondition as an invalid configuration", () => {
    assert.equal(classifyFailure(parseUiDiagnostics(fixture("ui-precondition.jsonl"))), "invalid-config");
  });

  it("reads a held lock as state-locked and finds the lock id", () => {
    const diagnostics = parseUiDiagnostics(fixture("ui-state-locked.jsonl"));
    assert.equal(classifyFailure(diagnostics), "state-locked");
    assert.equal(lockId(diagnostics), "5e77ca98-6e95-ac0e-a5a8-9841131a6df7");
  });

  it("reads an error tied to a resource as a failed operation", () => {
    const d = {
      severity: "error" as const,
      summary: "creating bucket",
      detail: "AccessDenied",
      file: "main.tf",
      line: 3,
    };
    assert.equal(classifyDiagnostic({ ...d, address: "aws_s3_bucket.b" }), "operation");
    assert.equal(
      classifyDiagnostic({ severity: "error", summary: "Failed to install provider", detail: "" }),
      "operation",
    );
    assert.equal(classifyFailure([]), "operation");
  });

  it("names the undeclared variables tofu names and counts the others", () => {
    const result = undeclaredVariableWarnings(parseUiDiagnostics(fixture("ui-undeclared-variables.jsonl")));
    assert.equal(result.names.length, 2);
    for (const name of result.names)
      assert.ok(["nmae", "extra_one", "extra_two", "extra_three"].includes(name));
    assert.equal(result.more, 2);
  });

  it("skips lines that are not diagnostics or not JSON", () => {
    assert.deepEqual(parseUiDiagnostics('{"type":"version"}\nnot json\n\n'), []);
  });

  it("quotes the first error block of the human-readable output", () => {
    const block = firstErrorBlock(fixture("stderr-invalid-hcl.txt"));
    assert.ok(block?.startsWith("Error: Invalid expression"));
    assert.match(block ?? "", /on broken\.tf line 2/);
    assert.ok(!block?.includes("OpenTofu encountered problems"));
    const two = "Error: first\n\ndetail one\n\nError: second\n\ndetail two\n";
    assert.equal(firstErrorBlock(two), "Error: first\n\ndetail one");
    assert.equal(firstErrorBlock("all fine\n"), undefined);
  });

  it("formats a diagnostic the way tofu prints it", () => {
    const text = formatDiagnostic({
      severity: "error",
      summary: "Bad",
      detail: "why",
      file: "main.tf",
      line: 4,
    });
    assert.equal(text, "Error: Bad\n\n  on main.tf line 4\n\nwhy");
  });
});

describe("lockCreated", () => {
  it("reads when a held lock was taken from tofu's lock info", () => {
    const diagnostics = parseUiDiagnostics(fixture("ui-state-locked.jsonl"));
    assert.equal(lockCreated(diagnostics), Date.parse("2026-11-26T06:32:09.382Z"));
    assert.equal(lockCreated([]), undefined);
  });
});

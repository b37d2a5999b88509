import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { decodePlan, PlanFileError } from "./plan-file.ts";
import { readFields } from "./protobuf.ts";

const tfplan = (name: string): Uint8Array => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

describe("decodePlan", () => {
  it("reads mode, version, variables, changes and outputs from a plan tofu wrote", () => {
    const plan = decodePlan(tfplan("plan-destroy.pb"));
    assert.equal(plan.formatVersion, 3);
    assert.equal(plan.mode, "destroy");
    assert.equal(plan.tofuVersion, "1.12.6");
    assert.deepEqual(plan.variables, ["name", "password", "replicas", "tags"]);
    assert.equal(plan.changes.length, 5);
    assert.ok(plan.changes.every((c) => c.actions.join() === "delete"));
    assert.deepEqual(
      plan.outputs.map((o) => [o.name, o.sensitive]),
      [
        ["name", false],
        ["password", true],
      ],
    );
    assert.equal(decodePlan(tfplan("plan-refresh-only-moved.pb")).mode, "refresh-only");
  });

  it("keeps the identity free of the timestamp but full of the content", () => {
    const plan = decodePlan(tfplan("plan-create.pb"));
    assert.ok(plan.identity.length > 5);
    assert.ok(!plan.identity.some((part) => part.startsWith("aa01")), "no field 21 (timestamp)");
    const secret = Buffer.from("hunter2-initial").toString("hex");
    assert.ok(
      plan.identity.some((part) => part.includes(secret)),
      "the sensitive value is part of what is hashed",
    );
  });

  it("refuses another plan format, garbage, and actions it does not know", () => {
    assert.throws(() => decodePlan(Uint8Array.from([0x08, 0x02])), /plan format 2 is not supported/);
    assert.throws(() => decodePlan(Uint8Array.from([0x0a, 0x05, 0x01])), PlanFileError);
    // version 3, one resource change {addr "x.y", change {action 9}}.
    const change = [0x6a, 0x03, 0x78, 0x2e, 0x79, 0x4a, 0x02, 0x08, 0x09];
    const bad = Uint8Array.from([0x08, 0x03, 0x1a, change.length, ...change]);
    assert.throws(() => decodePlan(bad), /x\.y: unknown plan action 9/);
  });
});

describe("readFields", () => {
  it("reads varints, byte strings, fixed-width values and keeps each field's raw bytes", () => {
    const bytes = Uint8Array.from([
      0x08, 0x96, 0x01, 0x12, 0x02, 0x68, 0x69, 0x19, 1, 2, 3, 4, 5, 6, 7, 8, 0x25, 9, 9, 9, 9,
    ]);
    const fields = readFields(bytes);
    assert.deepEqual(
      fields.map((f) => [f.field, f.wire]),
      [
        [1, 0],
        [2, 2],
        [3, 1],
        [4, 5],
      ],
    );
    assert.equal(fields[0]?.value, 150n);
    assert.deepEqual([...((fields[1]?.value ?? []) as Uint8Array)], [0x68, 0x69]);
    assert.deepEqual([...(fields[0]?.raw ?? [])], [0x08, 0x96, 0x01]);
  });

  it("refuses truncated input and unknown wire types", () => {
    assert.throws(() => readFields(Uint8Array.from([0x12, 0x05, 0x01])), /runs past the end/);
    assert.throws(() => readFields(Uint8Array.from([0x08, 0x80])), /malformed varint/);
    assert.throws(() => readFields(Uint8Array.from([0x0b])), /unsupported wire type 3/);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatAnchor } from "../core/audit/chain.ts";
import { readAnchorLines } from "./anchors.ts";

const h = (c: string) => c.repeat(64);

describe("anchors from a file", () => {
  it("reads plain anchor lines and the auditAnchor field of JSON log lines, skipping everything else", () => {
    const text = [
      formatAnchor({ seq: 3, hash: h("a") }),
      JSON.stringify({
        level: "info",
        msg: "audit anchor",
        auditAnchor: formatAnchor({ seq: 9, hash: h("b") }),
      }),
      JSON.stringify({ level: "info", msg: "sync started" }),
      "{not json",
      "mooring-audit-head seq=x hash=y",
      "",
    ].join("\n");
    assert.deepEqual(readAnchorLines(text), [
      { seq: 3, hash: h("a") },
      { seq: 9, hash: h("b") },
    ]);
  });
});

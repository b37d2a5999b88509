import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  createdByMark,
  decideNamespaceDeletion,
  type NamespaceDeletionInput,
} from "./namespace-lifecycle.ts";

const APP = { namespace: "mooring", name: "preview-42", uid: "0b7c-uid-1" };
const MARK = createdByMark(APP);

function decide(input: Partial<NamespaceDeletionInput>) {
  return decideNamespaceDeletion({
    app: APP,
    deleteNamespace: true,
    namespace: "preview-42",
    live: MARK,
    sharedWith: [],
    ...input,
  });
}

describe("decideNamespaceDeletion", () => {
  it("marks a created namespace with the app's name and uid", () => {
    assert.deepEqual(MARK, {
      "mooring.dev/created-by": "mooring/preview-42",
      "mooring.dev/created-by-uid": "0b7c-uid-1",
    });
  });

  it("deletes the namespace Mooring created for this app when the option is on", () => {
    assert.deepEqual(decide({}), {
      action: "delete",
      message:
        "deleted namespace preview-42, which Mooring created for this Application (DeleteNamespace=true)",
    });
  });

  it("does nothing when the option is off, the app names no namespace or it is gone", () => {
    assert.deepEqual(decide({ deleteNamespace: false }), { action: "none" });
    assert.deepEqual(decide({ namespace: "" }), { action: "none" });
    assert.deepEqual(decide({ live: null }), { action: "none" });
  });

  it("keeps a namespace that existed before the app, and says why", () => {
    assert.deepEqual(decide({ live: { "team.example/owner": "ann" } }), {
      action: "keep",
      reason: "NamespaceKept",
      message:
        "namespace preview-42 kept: Mooring did not create it (it existed before the first sync), so DeleteNamespace leaves it",
    });
  });

  it("keeps a namespace created for an earlier app of the same name (another uid)", () => {
    const earlier = createdByMark({ ...APP, uid: "old-uid" });
    const decision = decide({ live: earlier });
    assert.equal(decision.action, "keep");
    assert.match(
      decision.action === "keep" ? decision.message : "",
      /created for mooring\/preview-42, not for this Application/,
    );
  });

  it("keeps a namespace other apps still deploy to, naming them", () => {
    assert.deepEqual(decide({ sharedWith: ["mooring/api"] }), {
      action: "keep",
      reason: "NamespaceKept",
      message: "namespace preview-42 kept: Application mooring/api still deploys to it",
    });
    const many = decide({ sharedWith: ["a/1", "a/2", "a/3", "a/4"] });
    assert.equal(
      many.action === "keep" ? many.message : "",
      "namespace preview-42 kept: Applications a/1, a/2, a/3 and 1 more still deploy to it",
    );
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { crossNamespaceDependency } from "./dependencies.ts";

const stack = (namespace: string, name: string) => ({ kind: "Stack", namespace, name });

describe("dependsOn across namespaces", () => {
  it("lets an object depend on objects in its own namespace", () => {
    assert.equal(
      crossNamespaceDependency(stack("team-a", "app"), [stack("team-a", "db")], "mooring"),
      undefined,
    );
  });

  it("refuses a team's object depending on another team's, naming both and what to do", () => {
    const message = crossNamespaceDependency(
      { kind: "Application", namespace: "team-a", name: "web" },
      [stack("team-a", "db"), stack("team-b", "vpc")],
      "mooring",
    );
    assert.equal(
      message,
      "Application team-a/web: dependsOn Stack team-b/vpc is in another namespace; outside namespace mooring, an object may depend only on objects in its own namespace (move the dependency into this namespace, or drop it from spec.dependsOn)",
    );
  });

  it("lets the platform team's objects in the controller namespace depend on anything", () => {
    assert.equal(
      crossNamespaceDependency(stack("mooring", "app"), [stack("team-b", "vpc")], "mooring"),
      undefined,
    );
  });

  it("has nothing to say about an object without dependencies", () => {
    assert.equal(crossNamespaceDependency(stack("team-a", "app"), [], "mooring"), undefined);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { WhoAmI } from "./api.ts";
import { may } from "./permissions.ts";

const who = (over: Partial<WhoAmI>): WhoAmI => ({
  username: "ana",
  kind: "user",
  groups: [],
  globalAdmin: false,
  projects: [],
  ...over,
});

describe("may", () => {
  it("offers an action only in the project whose role grants its verb", () => {
    const ana = who({
      projects: [{ project: "team-a", roles: ["deployer"], verbs: ["get", "list", "sync"] }],
    });
    assert.equal(may(ana, "team-a", "sync"), true);
    assert.equal(may(ana, "team-a", "approve"), false);
    assert.equal(may(ana, "team-b", "sync"), false);
  });

  it("offers every action to a global admin", () => {
    assert.equal(may(who({ globalAdmin: true }), "any", "delete"), true);
  });
});

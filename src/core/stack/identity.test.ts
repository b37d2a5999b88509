import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { serviceAccountUser, stackServiceAccount, tokenLifetimeSeconds } from "./identity.ts";

describe("the ServiceAccount a Stack runs as", () => {
  it("takes spec.serviceAccountName first, in the Stack's namespace", () => {
    assert.deepEqual(
      stackServiceAccount(
        { namespace: "team-a", serviceAccountName: "infra" },
        { namespace: "x", name: "y" },
      ),
      { namespace: "team-a", name: "infra", source: "spec.serviceAccountName" },
    );
  });

  it("then the project's account for the namespace, else the namespace's default account", () => {
    assert.deepEqual(
      stackServiceAccount({ namespace: "team-a" }, { namespace: "team-a", name: "deployer" }),
      {
        namespace: "team-a",
        name: "deployer",
        source: "project",
      },
    );
    assert.deepEqual(stackServiceAccount({ namespace: "team-a", serviceAccountName: "" }, undefined), {
      namespace: "team-a",
      name: "default",
      source: "namespace default",
    });
  });

  it("spells the account as RBAC does", () => {
    assert.equal(
      serviceAccountUser({ namespace: "team-a", name: "default" }),
      "system:serviceaccount:team-a:default",
    );
  });
});

describe("how long a run's token lives", () => {
  it("outlives two commands at the time limit, and never less than the API server's minimum", () => {
    assert.equal(tokenLifetimeSeconds(60_000), 600);
    assert.equal(tokenLifetimeSeconds(20 * 60_000), 2700);
    assert.equal(tokenLifetimeSeconds(1500), 600);
  });
});

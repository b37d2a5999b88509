import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  forbiddenAdvice,
  type IdentityInput,
  parseServiceAccount,
  refusedStanding,
  SINGLE_TEAM,
  serviceAccountUser,
  syncIdentity,
} from "./sync-identity.ts";

const base: IdentityInput = {
  app: { namespace: "mooring", name: "shop" },
  controllerNamespace: "mooring",
  project: "team-a",
  destination: { cluster: "in-cluster", namespace: "shop" },
  policy: SINGLE_TEAM,
};

describe("which identity a sync acts as", () => {
  it("uses the project's ServiceAccount for the destination, in the destination namespace", () => {
    assert.deepEqual(
      syncIdentity({ ...base, projectServiceAccount: { namespace: "shop", name: "deployer" } }),
      {
        type: "service-account",
        account: { namespace: "shop", name: "deployer" },
        source: "project",
      },
    );
  });

  it("uses an account in another namespace when the project names one (NAMESPACE:NAME)", () => {
    const identity = syncIdentity({
      ...base,
      projectServiceAccount: { namespace: "team-a", name: "deployer" },
    });
    assert.deepEqual(identity, {
      type: "service-account",
      account: { namespace: "team-a", name: "deployer" },
      source: "project",
    });
  });

  it("prefers the project's ServiceAccount over the controller's default", () => {
    const identity = syncIdentity({
      ...base,
      projectServiceAccount: { namespace: "shop", name: "from-project" },
      policy: { multiTenant: true, defaultServiceAccount: "fallback" },
    });
    assert.equal(identity.type === "service-account" && identity.account.name, "from-project");
  });

  it("falls back to --default-service-account in the destination namespace", () => {
    const identity = syncIdentity({
      ...base,
      policy: { multiTenant: false, defaultServiceAccount: "gitops" },
    });
    assert.deepEqual(identity, {
      type: "service-account",
      account: { namespace: "shop", name: "gitops" },
      source: "default",
    });
  });

  it("refuses an app without a ServiceAccount in multi-tenant mode, naming the app, the project and the fix", () => {
    const identity = syncIdentity({ ...base, policy: { multiTenant: true } });
    assert.equal(identity.type, "refused");
    if (identity.type !== "refused") return;
    assert.equal(identity.reason, "ServiceAccountRequired");
    assert.match(identity.message, /Application mooring\/shop/);
    assert.match(
      identity.message,
      /project team-a names no ServiceAccount for cluster in-cluster, namespace shop/,
    );
    assert.match(identity.message, /destinationServiceAccounts/);
    const standing = refusedStanding(identity);
    assert.equal(standing.state, "stalled");
    assert.match(standing.message, /^nothing was applied: /);
  });

  it("keeps today's behaviour for single-team installs: the controller's own identity", () => {
    assert.deepEqual(syncIdentity(base), { type: "controller" });
  });

  it("never lends the controller's identity to an Application in a team's namespace", () => {
    const identity = syncIdentity({ ...base, app: { namespace: "team-a", name: "shop" } });
    assert.equal(identity.type, "refused");
    if (identity.type !== "refused") return;
    assert.equal(identity.reason, "ServiceAccountRequired");
    assert.match(identity.message, /^Application team-a\/shop: .*only for Applications in namespace mooring/);
    assert.match(identity.message, /destinationServiceAccounts/);
  });

  it("runs an Application in a team's namespace as the project's or the default ServiceAccount", () => {
    const app = { namespace: "team-a", name: "shop" };
    assert.equal(
      syncIdentity({ ...base, app, projectServiceAccount: { namespace: "shop", name: "deployer" } }).type,
      "service-account",
    );
    assert.equal(
      syncIdentity({ ...base, app, policy: { multiTenant: false, defaultServiceAccount: "gitops" } }).type,
      "service-account",
    );
  });

  it("refuses a ServiceAccount without a namespace when the app has no destination namespace", () => {
    const identity = syncIdentity({
      ...base,
      destination: { cluster: "in-cluster" },
      policy: { multiTenant: true, defaultServiceAccount: "gitops" },
    });
    assert.equal(identity.type, "refused");
    assert.match(identity.type === "refused" ? identity.message : "", /write it as NAMESPACE:NAME/);
  });

  it("refuses malformed names instead of sending them to the API server", () => {
    for (const [namespace, name] of [
      ["Bad", "name"],
      ["ns", ""],
      ["ns", "UPPER"],
      ["a", "b:c"],
      ["", "sa"],
    ] as const) {
      const text = `${namespace}:${name}`;
      const identity = syncIdentity({ ...base, projectServiceAccount: { namespace, name } });
      assert.equal(identity.type, "refused", text);
      assert.equal(identity.type === "refused" && identity.reason, "InvalidServiceAccount", text);
    }
  });
});

describe("service-account names", () => {
  it("parses NAME and NAMESPACE:NAME", () => {
    assert.deepEqual(parseServiceAccount("sa", "ns"), { namespace: "ns", name: "sa" });
    assert.deepEqual(parseServiceAccount("other:sa", "ns"), { namespace: "other", name: "sa" });
    assert.equal(typeof parseServiceAccount("sa", undefined), "string");
  });

  it("gives the user name the API server uses for the account", () => {
    assert.equal(
      serviceAccountUser({ namespace: "shop", name: "deployer" }),
      "system:serviceaccount:shop:deployer",
    );
  });
});

describe("advice on a 403", () => {
  it("names the ServiceAccount and where it came from", () => {
    const advice = forbiddenAdvice(
      { type: "service-account", account: { namespace: "shop", name: "deployer" }, source: "default" },
      "default",
    );
    assert.match(advice, /ServiceAccount shop\/deployer \(from the controller's --default-service-account\)/);
    assert.match(advice, /grant it the missing right/);
  });

  it("points at the manager role when the controller acted itself", () => {
    assert.match(forbiddenAdvice({ type: "controller" }, "default"), /mooring-manager/);
  });
});

// Which way `moor app|stack ...` goes: through the server named by --server, through the current
// login when no kubeconfig is named, and straight to the cluster when one is. And how
// `--resource` names one object of an app to sync.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { saveLogin } from "./api-client.ts";
import { parseResourceFlag } from "./app-commands.ts";
import { remoteLogin, remoteNamespace } from "./app-remote.ts";

describe("where an app or stack command goes", () => {
  const dir = mkdtempSync(join(tmpdir(), "moor-remote-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const empty = { MOORING_CONFIG_DIR: join(dir, "none") };
  const loggedIn = { MOORING_CONFIG_DIR: join(dir, "in") };
  saveLogin({ server: "http://127.0.0.1:8080", token: "moor_x_y", username: "alice" }, loggedIn);

  const cases: { name: string; values: Record<string, string>; env: NodeJS.ProcessEnv; server?: string }[] = [
    { name: "with no login and no flags, to the cluster", values: {}, env: empty },
    {
      name: "with a current login and no kubeconfig, through it",
      values: {},
      env: loggedIn,
      server: "http://127.0.0.1:8080",
    },
    {
      name: "with --kubeconfig, to the cluster even when logged in",
      values: { kubeconfig: "/k" },
      env: loggedIn,
    },
    { name: "with --context, to the cluster even when logged in", values: { context: "c" }, env: loggedIn },
    {
      name: "with $KUBECONFIG, to the cluster even when logged in",
      values: {},
      env: { ...loggedIn, KUBECONFIG: "/k" },
    },
    {
      name: "with --server, through that server even with a kubeconfig",
      values: { server: "http://127.0.0.1:8080/", kubeconfig: "/k" },
      env: { ...loggedIn, KUBECONFIG: "/k" },
      server: "http://127.0.0.1:8080",
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(remoteLogin(c.values, c.env)?.server, c.server);
    });
  }

  it("refuses --server without a login for it, saying how to log in", () => {
    assert.throws(
      () => remoteLogin({ server: "http://other:1" }, loggedIn),
      /not logged in to http:\/\/other:1: run moor login/,
    );
  });

  it("takes -n, else the controller namespace", () => {
    assert.equal(remoteNamespace({ namespace: "team-a" }), "team-a");
    assert.equal(remoteNamespace({}), "mooring");
  });
});

describe("--resource", () => {
  const cases: { text: string; want: ReturnType<typeof parseResourceFlag> }[] = [
    {
      text: "apps:Deployment:shop/web",
      want: { group: "apps", kind: "Deployment", namespace: "shop", name: "web" },
    },
    {
      text: ":ConfigMap:shop/settings",
      want: { group: "", kind: "ConfigMap", namespace: "shop", name: "settings" },
    },
    {
      text: "rbac.authorization.k8s.io:ClusterRole:viewer",
      want: { group: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "viewer" },
    },
  ];
  for (const c of cases) {
    it(`reads ${c.text}`, () => assert.deepEqual(parseResourceFlag(c.text), c.want));
  }
  for (const bad of ["Deployment/web", "apps:Deployment", "apps::web", "a:b:c:d", "apps:Deployment:shop/"]) {
    it(`refuses ${bad} with the expected form`, () =>
      assert.throws(() => parseResourceFlag(bad), /GROUP:KIND:NAME/));
  }
});

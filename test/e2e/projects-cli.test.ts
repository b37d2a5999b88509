// User story: a platform team manages Projects with `moor project` the way it would with
// `argocd proj`: `moor install` has made a `default` project that allows what Mooring always
// allowed; the team creates a project per team from flags or from a manifest, lists them, reads
// one with the Applications that use it, cannot delete one still in use by accident, and finds a
// team's Applications and Stacks with `-p`. No controller runs here: these are the CLI's answers.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Project } from "../../src/core/project/project.ts";
import { kubectl, kubectlOk, moor } from "../harness/cluster.ts";
import { ensureInstalled } from "../harness/controller.ts";
import { runSandboxKubeconfig } from "../harness/env.ts";

const suffix = Date.now().toString(36);
const TEAM = `team-x-${suffix}`;
const FROM_FILE = `team-y-${suffix}`;
const APP = `web-${suffix}`;

function project(args: string[]) {
  return moor(["project", ...args, "--kubeconfig", runSandboxKubeconfig()]);
}

async function projectJson(name: string): Promise<Project> {
  return JSON.parse(
    await kubectlOk(["get", "projects.mooring.dev", name, "-n", "mooring", "-o", "json"]),
  ) as Project;
}

const TEAM_FLAGS = [
  "--description",
  "team X",
  "--source-repo",
  "https://git.example.com/team-x/*",
  "--destination",
  "in-cluster,team-x",
  "--allow-cluster-resource",
  "Namespace",
  "--deny-namespaced-resource",
  "ResourceQuota",
  "--source-namespace",
  "team-x",
  "--destination-service-account",
  "in-cluster,team-x,deployer",
];

describe("moor project", () => {
  let dir: string;

  before(async () => {
    await ensureInstalled();
    dir = await mkdtemp(join(tmpdir(), "mooring-projects-cli-"));
  });

  after(async () => {
    await kubectl(["delete", "application", APP, "-n", "mooring", "--ignore-not-found", "--wait=false"]);
    for (const name of [TEAM, FROM_FILE]) {
      await kubectl(["delete", "projects.mooring.dev", name, "-n", "mooring", "--ignore-not-found"]);
    }
    await rm(dir, { recursive: true, force: true });
  });

  it("finds the default project moor install created, allowing what Mooring always allowed", async () => {
    const res = await project(["get", "default", "-o", "json"]);
    assert.equal(res.code, 0, res.stderr);
    const spec = (JSON.parse(res.stdout) as Project).spec;
    assert.deepEqual(spec.sourceRepos, ["*"]);
    assert.deepEqual(spec.sourceNamespaces, ["*"]);
    assert.deepEqual(spec.clusterResourceWhitelist, [{ group: "*", kind: "*" }]);
  });

  it("creates a project from flags, and replaces it only with --upsert", async () => {
    const created = await project(["create", TEAM, ...TEAM_FLAGS]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, new RegExp(`project ${TEAM} created in namespace mooring`));
    assert.deepEqual((await projectJson(TEAM)).spec, {
      description: "team X",
      sourceRepos: ["https://git.example.com/team-x/*"],
      destinations: [{ name: "in-cluster", namespace: "team-x" }],
      clusterResourceWhitelist: [{ group: "", kind: "Namespace" }],
      namespaceResourceBlacklist: [{ group: "", kind: "ResourceQuota" }],
      sourceNamespaces: ["team-x"],
      destinationServiceAccounts: [
        { name: "in-cluster", namespace: "team-x", defaultServiceAccount: "deployer" },
      ],
    });

    const again = await project(["create", TEAM, ...TEAM_FLAGS]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /unchanged/);

    const wider = [...TEAM_FLAGS, "--source-repo", "https://git.example.com/shared/*"];
    const refused = await project(["create", TEAM, ...wider]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`project ${TEAM} already exists .* pass --upsert`));

    const replaced = await project(["create", TEAM, ...wider, "--upsert"]);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.deepEqual((await projectJson(TEAM)).spec.sourceRepos, [
      "https://git.example.com/team-x/*",
      "https://git.example.com/shared/*",
    ]);
  });

  it("refuses a malformed project before it reaches the cluster, naming the field", async () => {
    const badRepo = await project(["create", `bad-${suffix}`, "--source-repo", "git.example.com/team-x/*"]);
    assert.equal(badRepo.code, 2);
    assert.match(
      badRepo.stderr,
      new RegExp(
        `project bad-${suffix}: spec.sourceRepos\\[0\\] "git.example.com/team-x/\\*" is not a repository URL pattern`,
      ),
    );
    const badDestination = await project(["create", `bad-${suffix}`, "--destination", "team-x"]);
    assert.equal(badDestination.code, 2);
    assert.match(badDestination.stderr, /--destination takes CLUSTER,NAMESPACE or SERVER,NAMESPACE/);
    assert.equal((await kubectl(["get", "projects.mooring.dev", `bad-${suffix}`, "-n", "mooring"])).code, 1);
  });

  it("creates a project from a manifest written as for Argo CD", async () => {
    const file = join(dir, "project.yaml");
    await writeFile(
      file,
      `apiVersion: mooring.dev/v1alpha1
kind: Project
metadata:
  name: ${FROM_FILE}
spec:
  description: team Y
  sourceRepos: ["https://git.example.com/team-y/*"]
  destinations:
    - server: https://kubernetes.default.svc
      namespace: team-y
  namespaceResourceWhitelist:
    - group: apps
      kind: Deployment
`,
    );
    const res = await project(["create", "-f", file]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal((await projectJson(FROM_FILE)).spec.description, "team Y");
  });

  it("lists projects as a table, by name and as JSON", async () => {
    const table = await project(["list"]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^NAME\s+REPOS\s+DESTINATIONS\s+SOURCE NAMESPACES\s+AGE\s+DESCRIPTION/);
    assert.match(
      table.stdout,
      new RegExp(
        `${TEAM}\\s+https://git.example.com/team-x/\\*, https://git.example.com/shared/\\*\\s+in-cluster, namespace team-x\\s+team-x`,
      ),
    );
    const names = await project(["list", "-o", "name"]);
    const listed = names.stdout.trim().split("\n");
    for (const name of ["default", TEAM, FROM_FILE]) assert.ok(listed.includes(name), name);
    const json = JSON.parse((await project(["list", "-o", "json"])).stdout) as Project[];
    assert.ok(json.some((p) => p.metadata.name === TEAM && !("managedFields" in p.metadata)));
  });

  it("shows a project's rules and who uses it; -p finds a project's Applications and Stacks", async () => {
    await kubectlOk(["apply", "--server-side", "--field-manager=test", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Application",
        metadata: { name: APP, namespace: "mooring" },
        spec: {
          project: TEAM,
          source: { repoURL: "https://git.example.com/team-x/web.git" },
          destination: { namespace: "team-x" },
        },
      }),
    });
    const get = await project(["get", TEAM]);
    assert.equal(get.code, 0, get.stderr);
    assert.match(
      get.stdout,
      /Source repos:\s+https:\/\/git.example.com\/team-x\/\*, https:\/\/git.example.com\/shared\/\*/,
    );
    assert.match(get.stdout, /Cluster kinds:\s+Namespace\n/);
    assert.match(get.stdout, /Namespaced kinds:\s+all; denied: ResourceQuota/);
    assert.match(get.stdout, /Sync accounts:\s+in-cluster, namespace team-x: deployer/);
    assert.match(get.stdout, new RegExp(`Used by:\\s+Application mooring/${APP}`));

    const apps = await moor([
      "app",
      "list",
      "-A",
      "-p",
      TEAM,
      "-o",
      "name",
      "--kubeconfig",
      runSandboxKubeconfig(),
    ]);
    assert.equal(apps.code, 0, apps.stderr);
    assert.deepEqual(apps.stdout.trim().split("\n"), [APP]);
    const others = await moor(["app", "list", "-A", "-p", FROM_FILE, "--kubeconfig", runSandboxKubeconfig()]);
    assert.equal(others.code, 0, others.stderr);
    assert.match(others.stderr, new RegExp(`no applications of project ${FROM_FILE} in any namespace`));
    const stacks = await moor(["stack", "list", "-A", "-p", TEAM, "--kubeconfig", runSandboxKubeconfig()]);
    assert.equal(stacks.code, 0, stacks.stderr);
    assert.match(stacks.stderr, new RegExp(`no stacks of project ${TEAM} in any namespace`));
  });

  it("refuses to delete a project still in use unless --force, and says when one is gone", async () => {
    const refused = await project(["delete", TEAM]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      new RegExp(`project ${TEAM} is used by Application mooring/${APP}; .*--force`),
    );
    assert.equal((await kubectl(["get", "projects.mooring.dev", TEAM, "-n", "mooring"])).code, 0);

    const unused = await project(["delete", FROM_FILE]);
    assert.equal(unused.code, 0, unused.stderr);
    const forced = await project(["delete", TEAM, "--force"]);
    assert.equal(forced.code, 0, forced.stderr);
    const gone = await project(["get", TEAM]);
    assert.equal(gone.code, 1);
    assert.match(
      gone.stderr,
      new RegExp(`project ${TEAM} not found in namespace mooring; \`moor project list -n mooring\``),
    );
  });
});

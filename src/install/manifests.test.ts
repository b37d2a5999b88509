// The install manifests in deploy/ are checked here as data: they must fit together (every binding
// names a role and the service account that exist) and keep the boundaries the RBAC promises.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { formatRef, type KubeObject, refOf } from "../core/objects.ts";
import {
  checkDestination,
  checkResource,
  checkSourceNamespace,
  checkSourceRepo,
  type Project,
  validateProject,
} from "../core/project/project.ts";
import { keptReason } from "./install.ts";
import {
  DEPLOY_DIR,
  INSTALL_KIND_ORDER,
  type InstallManifest,
  ManifestError,
  orderForInstall,
  parseManifests,
  readInstallManifests,
} from "./manifests.ts";

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs: string[];
  nonResourceURLs?: string[];
}
type Role = KubeObject & { rules: Rule[] };
type Binding = KubeObject & {
  roleRef: { kind: string; name: string };
  subjects: { kind: string; name: string; namespace?: string }[];
};

function find<T extends KubeObject>(objects: readonly KubeObject[], kind: string, name: string): T {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind}/${name} is among the install manifests`);
  return found as T;
}

function grants(role: Role, group: string, resource: string, verb: string): boolean {
  return role.rules.some(
    (r) =>
      (r.apiGroups ?? []).some((g) => g === group || g === "*") &&
      (r.resources ?? []).some((x) => x === resource || x === "*") &&
      r.verbs.some((v) => v === verb || v === "*"),
  );
}

describe("install manifests", () => {
  let manifests: InstallManifest[];
  let objects: KubeObject[];
  before(async () => {
    manifests = await readInstallManifests();
    objects = manifests.map((m) => m.object);
  });

  it("apply CRDs first, then the namespace, then roles before their bindings", () => {
    const ranks = objects.map((o) => (INSTALL_KIND_ORDER as readonly string[]).indexOf(o.kind));
    assert.deepEqual(
      ranks,
      [...ranks].sort((a, b) => a - b),
    );
    assert.equal(objects[0]?.kind, "CustomResourceDefinition");
    assert.ok(objects.some((o) => o.metadata.name === "applications.mooring.dev"));
  });

  it("leave the controller Deployment to the user", () => {
    assert.ok(!objects.some((o) => o.kind === "Deployment"));
  });

  it("bind every role to the one service account it is for, both installed", () => {
    find(objects, "ServiceAccount", "mooring-controller");
    find(objects, "ServiceAccount", "mooring-server");
    const bindings = objects.filter((o) => o.kind.endsWith("Binding")) as Binding[];
    const account: Record<string, string> = {
      "mooring-controller": "mooring-controller",
      "mooring-manager": "mooring-controller",
      "mooring-server": "mooring-server",
    };
    assert.deepEqual(bindings.map((b) => `${b.kind}/${b.metadata.name}`).sort(), [
      "ClusterRoleBinding/mooring-controller",
      "ClusterRoleBinding/mooring-manager",
      "ClusterRoleBinding/mooring-server",
      "RoleBinding/mooring-controller",
      "RoleBinding/mooring-server",
    ]);
    for (const b of bindings) {
      assert.deepEqual(b.subjects, [
        { kind: "ServiceAccount", name: account[b.metadata.name ?? ""], namespace: "mooring" },
      ]);
      assert.equal(b.roleRef.name, b.metadata.name);
      find(objects, b.roleRef.kind, b.roleRef.name);
      if (b.kind === "RoleBinding") assert.equal(b.metadata.namespace, "mooring");
    }
  });

  it("give the controller role its own resources and events but no Secrets and no workloads", () => {
    const role = find<Role>(objects, "ClusterRole", "mooring-controller");
    for (const resource of [
      "applications",
      "applications/status",
      "applications/finalizers",
      "stacks/status",
    ]) {
      assert.ok(grants(role, "mooring.dev", resource, "patch"), resource);
    }
    assert.ok(grants(role, "", "events", "create"));
    assert.ok(grants(role, "", "namespaces", "list"));
    assert.ok(!grants(role, "", "secrets", "get"), "no Secrets cluster-wide");
    assert.ok(!grants(role, "apps", "deployments", "get"), "no workloads");
    assert.ok(!grants(role, "", "namespaces", "delete"), "reads namespaces only");
  });

  it("confine Secrets, ConfigMaps and Leases to the mooring namespace, read-only for Secrets", () => {
    const role = find<Role>(objects, "Role", "mooring-controller");
    assert.equal(role.metadata.namespace, "mooring");
    assert.ok(grants(role, "", "secrets", "watch"));
    assert.ok(!grants(role, "", "secrets", "create"));
    assert.ok(grants(role, "coordination.k8s.io", "leases", "update"));
    assert.ok(grants(role, "", "configmaps", "get"));
  });

  it("keep the all-powerful role separate and let users narrow it", () => {
    const manager = manifests.find(
      (m) => m.object.kind === "ClusterRole" && m.object.metadata.name === "mooring-manager",
    );
    assert.ok(manager);
    assert.ok(grants(manager.object as Role, "apps", "deployments", "create"));
    assert.equal(manager.keepOthersChanges, true);
    assert.deepEqual(
      manifests.filter((m) => m.keepOthersChanges).map((m) => m.object.metadata.name),
      ["mooring-manager", "default"],
    );
  });
});

describe("multi-tenant install manifests", () => {
  it("leave out the mooring-manager role and binding entirely", async () => {
    const objects = (await readInstallManifests(undefined, { multiTenant: true })).map((m) =>
      formatRef(refOf(m.object)),
    );
    assert.ok(!objects.some((o) => o.endsWith("/mooring-manager")), objects.join(", "));
    assert.ok(objects.includes("ClusterRole/mooring-controller"));
    assert.ok(objects.includes("ClusterRoleBinding/mooring-controller"));
  });

  it("let the controller act as ServiceAccounts and mint their tokens, and nothing more on them", async () => {
    const objects = (await readInstallManifests(undefined, { multiTenant: true })).map((m) => m.object);
    const role = find<Role>(objects, "ClusterRole", "mooring-controller");
    assert.ok(grants(role, "", "serviceaccounts", "impersonate"));
    assert.ok(grants(role, "", "serviceaccounts/token", "create"));
    assert.ok(!grants(role, "", "serviceaccounts", "create"), "cannot make ServiceAccounts");
    assert.ok(!grants(role, "", "users", "impersonate"), "cannot act as people");
    assert.ok(!grants(role, "", "groups", "impersonate"), "cannot act as groups such as system:masters");
  });
});

describe("default Project", () => {
  const app = "Application shop/web";
  it("lets a single-team install do all it did before projects existed", async () => {
    const manifests = await readInstallManifests();
    const project = manifests.find((m) => m.object.kind === "Project")?.object as Project;
    assert.equal(project.metadata.name, "default");
    assert.equal(project.metadata.namespace, "mooring");
    assert.deepEqual(validateProject(project), []);
    const inCluster = { name: "in-cluster", server: "https://127.0.0.1:6443" };
    for (const decision of [
      checkSourceRepo(project, app, "https://git.example.com/any/repo.git"),
      checkSourceRepo(project, app, "file:///srv/repo"),
      checkDestination(project, app, { ...inCluster, namespace: "kube-system" }),
      checkDestination(project, app, { ...inCluster, namespace: "" }),
      checkResource(project, app, {
        group: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        namespaced: false,
      }),
      checkResource(project, app, { group: "", kind: "Secret", namespaced: true }),
      checkSourceNamespace(project, app, "shop", "mooring"),
    ]) {
      assert.deepEqual(decision, { allowed: true });
    }
  });

  it("allows nothing in a multi-tenant install but the controller namespace as home", async () => {
    const manifests = await readInstallManifests(undefined, { multiTenant: true });
    const project = manifests.find((m) => m.object.kind === "Project")?.object as Project;
    assert.deepEqual(validateProject(project), []);
    const inCluster = { name: "in-cluster", server: "https://127.0.0.1:6443", namespace: "shop" };
    assert.equal(checkSourceRepo(project, app, "https://git.example.com/any/repo.git").allowed, false);
    assert.equal(checkDestination(project, app, inCluster).allowed, false);
    assert.equal(
      checkResource(project, app, { group: "", kind: "Namespace", namespaced: false }).allowed,
      false,
    );
    assert.equal(checkSourceNamespace(project, app, "shop", "mooring").allowed, false);
    assert.equal(checkSourceNamespace(project, app, "mooring", "mooring").allowed, true);
  });

  it("is installed after its CRD, and the controller may read Projects", async () => {
    const manifests = await readInstallManifests();
    const names = manifests.map((m) => formatRef(refOf(m.object)));
    assert.ok(
      names.indexOf("CustomResourceDefinition/projects.mooring.dev") <
        names.indexOf("Project/mooring/default"),
    );
    const role = find<Role>(
      manifests.map((m) => m.object),
      "Role",
      "mooring-controller",
    );
    assert.ok(grants(role, "mooring.dev", "projects", "watch"));
    assert.ok(!grants(role, "mooring.dev", "projects", "update"), "the controller never widens a project");
  });
});

describe("controller Deployment", () => {
  it("runs `moor controller` as mooring-controller, listening where its health probes look", async () => {
    const [deployment] = parseManifests(
      await readFile(join(DEPLOY_DIR, "install/controller.yaml"), "utf8"),
      "install/controller.yaml",
    );
    const spec = (deployment as unknown as { spec: { template: { spec: Record<string, unknown> } } }).spec
      .template.spec;
    assert.equal(spec.serviceAccountName, "mooring-controller");
    const [container] = spec.containers as {
      image: string;
      args: string[];
      ports: { containerPort: number; name: string }[];
      readinessProbe: { httpGet: { path: string; port: string } };
      livenessProbe: { httpGet: { path: string; port: string } };
      resources: { requests: Record<string, string> };
    }[];
    assert.ok(container);
    assert.equal(container.image, "mooring/controller:dev");
    assert.equal(container.args[0], "controller");
    assert.ok(container.args.includes("--port=8080"), "serves on the probed port");
    assert.ok(container.args.includes("--host=0.0.0.0"), "reachable on the Pod's IP");
    assert.deepEqual(container.ports[0], { name: "http", containerPort: 8080, protocol: "TCP" });
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      assert.deepEqual(probe.httpGet, { path: "/healthz", port: "http" });
    }
    assert.ok(container.resources.requests.cpu && container.resources.requests.memory);
  });
});

/** Whether some rule grants `verb` on `resource` named `name`; "*" asks for every name (no resourceNames). */
function grantsOn(role: Role, group: string, resource: string, verb: string, name: string): boolean {
  return role.rules.some(
    (r) =>
      grants({ ...role, rules: [r] }, group, resource, verb) &&
      (r.resourceNames === undefined || (name !== "*" && r.resourceNames.includes(name))),
  );
}

describe("moor server's roles", () => {
  let cluster: Role;
  let inMooring: Role;
  before(async () => {
    const objects = (await readInstallManifests(undefined, { multiTenant: true })).map((m) => m.object);
    cluster = find<Role>(objects, "ClusterRole", "mooring-server");
    inMooring = find<Role>(objects, "Role", "mooring-server");
  });

  it("let it read Applications and Stacks everywhere and make the requests its actions are", () => {
    for (const resource of ["applications", "stacks"]) {
      for (const verb of ["get", "list", "watch", "patch", "delete"]) {
        assert.ok(grants(cluster, "mooring.dev", resource, verb), `${verb} ${resource}`);
      }
      for (const verb of ["create", "update"])
        assert.ok(!grants(cluster, "mooring.dev", resource, verb), `no ${verb} ${resource}`);
      for (const sub of ["status", "finalizers"])
        assert.ok(!grants(cluster, "mooring.dev", `${resource}/${sub}`, "patch"), `${resource}/${sub}`);
    }
    assert.ok(grants(cluster, "", "events", "watch"), "the timelines");
    assert.ok(!grants(cluster, "", "events", "create"), "no Events about other namespaces' objects");
    assert.ok(grants(cluster, "coordination.k8s.io", "leases", "get"), "unlock reads the state lock");
    assert.ok(!grants(cluster, "coordination.k8s.io", "leases", "update"), "the controller releases it");
  });

  it("let it keep accounts, sessions, tokens and webhook secrets in mooring, and no more", () => {
    assert.equal(inMooring.metadata.namespace, "mooring");
    assert.ok(grants(inMooring, "mooring.dev", "projects", "watch"));
    assert.ok(!grants(inMooring, "mooring.dev", "projects", "patch"), "only the platform team writes roles");
    for (const verb of ["get", "list", "watch", "create", "patch"]) {
      assert.ok(grantsOn(inMooring, "", "secrets", verb, "*"), `${verb} secrets`);
    }
    for (const name of ["mooring-users", "mooring-revoked-sessions"]) {
      assert.ok(grantsOn(inMooring, "", "secrets", "update", name), `update ${name}`);
    }
    assert.ok(!grantsOn(inMooring, "", "secrets", "update", "*"), "update only the Secrets it owns whole");
    assert.ok(!grants(inMooring, "", "secrets", "delete"), "a revoked token stays, refused");
    assert.ok(!grants(inMooring, "", "events", "create"), "the controller publishes the audit anchors");
  });

  it("give it no Secret outside mooring, no workload, no RBAC and no other identity", () => {
    const dangerous: [string, string, string][] = [
      ["", "secrets", "get"],
      ["", "secrets", "list"],
      ["", "secrets", "watch"],
      ["", "pods", "create"],
      ["", "pods/exec", "create"],
      ["", "pods/exec", "get"],
      ["", "pods/log", "get"],
      ["", "configmaps", "get"],
      ["", "serviceaccounts", "impersonate"],
      ["", "serviceaccounts/token", "create"],
      ["", "users", "impersonate"],
      ["", "groups", "impersonate"],
      ["", "namespaces", "delete"],
      ["apps", "deployments", "patch"],
      ["apps", "daemonsets", "create"],
      ["batch", "jobs", "create"],
      ["rbac.authorization.k8s.io", "clusterroles", "escalate"],
      ["rbac.authorization.k8s.io", "clusterroles", "bind"],
      ["rbac.authorization.k8s.io", "roles", "create"],
      ["rbac.authorization.k8s.io", "clusterrolebindings", "create"],
      ["rbac.authorization.k8s.io", "rolebindings", "update"],
      ["mooring.dev", "projects", "update"],
      ["apiextensions.k8s.io", "customresourcedefinitions", "update"],
    ];
    const allowed = dangerous.filter(([group, resource, verb]) => grants(cluster, group, resource, verb));
    assert.deepEqual(allowed, [], "the ClusterRole grants none of these anywhere");
    const inNamespace = dangerous.filter(
      ([group, resource, verb]) => resource !== "secrets" && grants(inMooring, group, resource, verb),
    );
    assert.deepEqual(inNamespace, [], "nor does the Role in mooring");
    for (const role of [cluster, inMooring]) {
      assert.ok(
        role.rules.every((r) => r.nonResourceURLs === undefined && ![...(r.verbs ?? [])].includes("*")),
        `${role.kind} has no wildcard verbs and no non-resource URLs`,
      );
      assert.ok(
        role.rules.every((r) => !(r.apiGroups ?? []).includes("*") && !(r.resources ?? []).includes("*")),
        `${role.kind} names its groups and resources`,
      );
    }
  });
});

describe("server Deployment", () => {
  it("runs `moor server` as mooring-server like the controller, probed on /api/v1/healthz, behind a Service", async () => {
    const objects = parseManifests(
      await readFile(join(DEPLOY_DIR, "install/server.yaml"), "utf8"),
      "install/server.yaml",
    );
    const controller = parseManifests(
      await readFile(join(DEPLOY_DIR, "install/controller.yaml"), "utf8"),
      "install/controller.yaml",
    )[0] as unknown as { spec: { template: { spec: Record<string, unknown> } } };
    const deployment = find(objects, "Deployment", "mooring-server") as unknown as {
      spec: { template: { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> } };
    };
    const spec = deployment.spec.template.spec;
    assert.equal(spec.serviceAccountName, "mooring-server");
    assert.deepEqual(spec.securityContext, controller.spec.template.spec.securityContext);
    const [container] = spec.containers as {
      args: string[];
      env: { name: string; value?: string }[];
      ports: { containerPort: number; name: string }[];
      readinessProbe: { httpGet: { path: string; port: string } };
      livenessProbe: { httpGet: { path: string; port: string } };
      securityContext: unknown;
    }[];
    const [controllerContainer] = controller.spec.template.spec.containers as { securityContext: unknown }[];
    assert.ok(container && controllerContainer);
    assert.equal(container.args[0], "server");
    assert.ok(container.args.includes("--host=0.0.0.0"), "reachable on the Pod's IP");
    assert.ok(container.args.includes("--port=8080"), "serves on the probed port");
    assert.deepEqual(container.ports[0], { name: "http", containerPort: 8080, protocol: "TCP" });
    assert.ok(container.env.some((e) => e.name === "MOORING_HOME" && e.value));
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      assert.deepEqual(probe.httpGet, { path: "/api/v1/healthz", port: "http" });
    }
    assert.deepEqual(container.securityContext, controllerContainer.securityContext);

    const service = find(objects, "Service", "mooring-server") as unknown as {
      spec: { type: string; selector: Record<string, string>; ports: { targetPort: string }[] };
    };
    assert.equal(service.spec.type, "ClusterIP", "exposed through a TLS proxy, not directly");
    for (const [key, value] of Object.entries(service.spec.selector)) {
      assert.equal(
        deployment.spec.template.metadata.labels[key],
        value,
        `the Service selects the Pods by ${key}`,
      );
    }
    assert.equal(service.spec.ports[0]?.targetPort, "http");
  });
});

describe("manifest handling", () => {
  it("refuses a kind moor install does not know how to order", () => {
    const deployment = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" } };
    assert.throws(
      () => orderForInstall([{ object: deployment, file: "x.yaml", keepOthersChanges: false }]),
      (err) =>
        err instanceof ManifestError && /x\.yaml: moor install does not apply Deployment/.test(err.message),
    );
  });

  it("skips empty documents and names the file of a broken one", () => {
    assert.equal(parseManifests("---\n# only a comment\n---\n", "a.yaml").length, 0);
    assert.throws(() => parseManifests("kind: [", "b.yaml"), /b\.yaml: not valid YAML/);
    assert.throws(() => parseManifests("kind: Role\n", "c.yaml"), /c\.yaml: every document needs/);
  });

  it("names the field managers whose changes a re-install keeps", () => {
    assert.match(
      keptReason(
        'Apply failed with 1 conflict: conflict with "kubectl-edit" using rbac.authorization.k8s.io/v1: .rules',
      ),
      /^changed by kubectl-edit; those changes are kept/,
    );
  });
});

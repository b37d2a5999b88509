// User story: a sandbox enforces RBAC like a real cluster, so least-privilege service accounts
// (such as Mooring's own controller) can be tested for real: a token bound to a namespaced Role
// may do what the Role allows and is refused (403) everything else.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { it } from "node:test";
import { parse } from "yaml";
import { KubeRest } from "../../src/kube/rest.ts";
import { kubectlOk, withNamespace } from "../harness/cluster.ts";
import { runSandboxKubeconfig } from "../harness/env.ts";

it("a service-account token with a namespaced Role can read ConfigMaps there and nothing else", async (t) => {
  const ns = await withNamespace(t);
  const other = await withNamespace(t);
  await kubectlOk(["apply", "-n", ns, "-f", "-"], {
    input: `
apiVersion: v1
kind: ServiceAccount
metadata: { name: reader }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: configmap-reader }
rules:
  - apiGroups: [""]
    resources: [configmaps]
    verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: reader-reads-configmaps }
subjects: [{ kind: ServiceAccount, name: reader }]
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: configmap-reader }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings }
data: { colour: blue }
`,
  });
  // The token comes from the TokenRequest API, signed by the apiserver's service-account key.
  const token = (await kubectlOk(["create", "token", "reader", "-n", ns, "--duration=10m"])).trim();
  const config = parse(await readFile(runSandboxKubeconfig(), "utf8"));
  const reader = new KubeRest({
    server: config.clusters[0].cluster.server,
    caPem: Buffer.from(config.clusters[0].cluster["certificate-authority-data"], "base64").toString(),
    token,
  });
  t.after(() => reader.close());

  const whoami = await reader.request<{ status: { userInfo: { username: string } } }>(
    "POST",
    "/apis/authentication.k8s.io/v1/selfsubjectreviews",
    { body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } },
  );
  assert.equal(whoami.body.status.userInfo.username, `system:serviceaccount:${ns}:reader`);

  const allowed = await reader.get<{ data: Record<string, string> }>(
    `/api/v1/namespaces/${ns}/configmaps/settings`,
  );
  assert.equal(allowed.status, 200);
  assert.equal(allowed.body.data.colour, "blue");
  assert.equal((await reader.get(`/api/v1/namespaces/${ns}/configmaps`)).status, 200);

  const refused = {
    "read Secrets in its namespace": await reader.get(`/api/v1/namespaces/${ns}/secrets`),
    "read ConfigMaps in another namespace": await reader.get(`/api/v1/namespaces/${other}/configmaps`),
    "change a ConfigMap it may read": await reader.request(
      "DELETE",
      `/api/v1/namespaces/${ns}/configmaps/settings`,
    ),
    "list nodes": await reader.get("/api/v1/nodes"),
  };
  for (const [action, res] of Object.entries(refused)) assert.equal(res.status, 403, `may not ${action}`);

  // The refused delete really changed nothing.
  assert.equal(
    (await kubectlOk(["get", "configmap", "settings", "-n", ns, "-o", "jsonpath={.data.colour}"])).trim(),
    "blue",
  );
});

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is a build variable reference, written as users write it
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import type { KustomizeSource } from "../core/application.ts";
import type { KubeObject } from "../core/objects.ts";
import { RenderError } from "./errors.ts";
import { parseImageOverride } from "./kustomize.ts";
import { render } from "./render.ts";
import { configMap, inputFor, makeRepo, names, type TestRepo, type Tree } from "./test-repo.ts";

const repos: TestRepo[] = [];
after(() => Promise.all(repos.map((r) => r.remove())));

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.25
`;

/** A base with a Deployment and a ConfigMap, and a prod overlay that patches replicas. */
const BASE_AND_OVERLAY: Tree = {
  "base/kustomization.yaml": "resources: [deployment.yaml, config.yaml]\n",
  "base/deployment.yaml": DEPLOYMENT,
  "base/config.yaml": configMap("settings", { level: "info" }),
  "overlays/prod/kustomization.yaml": `resources: [../../base]
namePrefix: prod-
patches:
  - target: {kind: Deployment, name: web}
    patch: |
      - op: add
        path: /spec/replicas
        value: 3
`,
};

async function repoWith(tree: Tree): Promise<TestRepo> {
  const repo = await makeRepo();
  repos.push(repo);
  await repo.write(
    {
      "outside/secret.txt": "password=hunter2\n",
      "outside/kustomization.yaml": "configMapGenerator: [{name: stolen, files: [secret.txt]}]\n",
    },
    repo.scratch,
  );
  await repo.write(tree);
  return repo;
}

async function build(repo: TestRepo, path: string, kustomize?: KustomizeSource): Promise<KubeObject[]> {
  const result = await render(inputFor(repo, { source: { repoURL: "r", path, kustomize } }));
  assert.equal(result.tool, "kustomize");
  return result.objects;
}

async function buildError(repo: TestRepo, path: string): Promise<RenderError> {
  try {
    await build(repo, path);
  } catch (err) {
    assert.ok(err instanceof RenderError, `expected a RenderError, got ${err}`);
    return err;
  }
  assert.fail("render succeeded");
}

/** The parts of a Deployment the overrides touch. */
interface Deployment extends KubeObject {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: { containers: { image: string }[] } };
  };
}

function find(objects: KubeObject[], kind: string): KubeObject {
  const found = objects.find((o) => o.kind === kind);
  assert.ok(found, `no ${kind} in ${names(objects).join(", ")}`);
  return found;
}

describe("rendering with kustomize", () => {
  it("builds an overlay on top of its base", async () => {
    const repo = await repoWith(BASE_AND_OVERLAY);
    const objects = await build(repo, "overlays/prod");
    assert.deepEqual(names(objects).sort(), ["ConfigMap/prod-settings", "Deployment/prod-web"]);
    assert.equal((find(objects, "Deployment") as Deployment).spec.replicas, 3);
  });

  it("applies the Application's overrides without changing the checkout", async () => {
    const repo = await repoWith(BASE_AND_OVERLAY);
    const before = await repo.snapshot();
    const objects = await build(repo, "overlays/prod", {
      namePrefix: "eu-",
      nameSuffix: "-v2",
      images: ["nginx=registry.local/nginx:1.27"],
      commonLabels: { team: "shop" },
      commonAnnotations: { "mooring.dev/owner": "shop" },
      namespace: "shop-prod",
    });
    assert.deepEqual(await repo.snapshot(), before);
    const deployment = find(objects, "Deployment") as Deployment;
    // An overlay extends the folder's own prefix rather than replacing it.
    assert.equal(deployment.metadata.name, "eu-prod-web-v2");
    assert.equal(deployment.metadata.namespace, "shop-prod");
    assert.equal(deployment.metadata.labels?.team, "shop");
    assert.equal(deployment.metadata.annotations?.["mooring.dev/owner"], "shop");
    assert.equal(deployment.spec.selector.matchLabels.team, "shop");
    assert.equal(deployment.spec.template.metadata.labels.team, "shop");
    assert.equal(deployment.spec.template.spec.containers[0]?.image, "registry.local/nginx:1.27");
    assert.equal(find(objects, "ConfigMap").metadata.name, "eu-prod-settings-v2");
  });

  it("retags an image with the short name:tag form", async () => {
    const repo = await repoWith(BASE_AND_OVERLAY);
    const objects = await build(repo, "base", { images: ["nginx:1.27"] });
    const deployment = find(objects, "Deployment") as Deployment;
    assert.equal(deployment.spec.template.spec.containers[0]?.image, "nginx:1.27");
  });

  it("reports kustomize's own error as render-failed, with repository-relative paths", async () => {
    const repo = await repoWith({
      "app/kustomization.yaml": "resources: [cm.yaml]\npatches: [{path: missing-patch.yaml}]\n",
      "app/cm.yaml": configMap("a"),
    });
    const err = await buildError(repo, "app");
    assert.equal(err.code, "render-failed");
    assert.match(err.message, /^kustomize failed: .*missing-patch\.yaml/s);
    assert.doesNotMatch(err.message, new RegExp(repo.root));
  });

  it("names the kustomization that lists a resource missing from the commit", async () => {
    const repo = await repoWith({ "app/kustomization.yaml": "resources: [missing.yaml]\n" });
    const err = await buildError(repo, "app");
    assert.equal(err.code, "path-not-found");
    assert.match(err.message, /^app\/kustomization\.yaml lists "missing\.yaml", which does not exist/);
  });

  it("refuses a base that climbs out of the repository, which kustomize itself would allow", async () => {
    const repo = await repoWith({ "app/kustomization.yaml": "resources: [../../outside]\n" });
    const err = await buildError(repo, "app");
    assert.equal(err.code, "path-escapes-repo");
    assert.match(err.message, /^app\/kustomization\.yaml lists "\.\.\/\.\.\/outside", which is outside/);
  });

  it("refuses a base reached through a symlinked folder that points outside", async () => {
    const repo = await repoWith({
      "app/kustomization.yaml": "resources: [../vendor/lib]\n",
      "vendor/lib": { link: "../../outside" },
    });
    const err = await buildError(repo, "app");
    assert.equal(err.code, "path-escapes-repo");
  });

  it("checks the bases of bases too", async () => {
    const repo = await repoWith({
      "app/kustomization.yaml": "resources: [../middle]\n",
      "middle/kustomization.yaml": "components: [../../outside]\n",
    });
    const err = await buildError(repo, "app");
    assert.match(err.message, /^middle\/kustomization\.yaml lists/);
  });

  it("refuses a kustomization file that is itself a symlink out of the repository", async () => {
    const repo = await repoWith({ "app/kustomization.yaml": { link: "../../outside/kustomization.yaml" } });
    const err = await buildError(repo, "app");
    assert.equal(err.code, "path-escapes-repo");
    assert.match(err.message, /^app\/kustomization\.yaml is a symlink/);
  });

  it("refuses a file symlinked outside (the sandbox does not even show it), and shows none of its content", async () => {
    const repo = await repoWith({
      "app/kustomization.yaml": "configMapGenerator: [{name: cfg, files: [secret.txt]}]\n",
      "app/secret.txt": { link: "../../outside/secret.txt" },
    });
    const err = await buildError(repo, "app");
    assert.equal(err.code, "render-failed");
    // Unsandboxed, kustomize's restrictor says "security; file ... is not in or below".
    assert.match(err.message, /outside: no such file or directory/);
    assert.doesNotMatch(err.message, /hunter2/);
  });

  it("sends no request for a generator file given as a URL, and says renders have no network", async (t) => {
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(String(req.url));
      res.end("hunter2");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => server.close());
    const port = (server.address() as AddressInfo).port;
    const repo = await repoWith({
      "app/kustomization.yaml": `configMapGenerator: [{name: cfg, files: [k=http://127.0.0.1:${port}/secret]}]\n`,
    });
    const err = await buildError(repo, "app");
    assert.equal(err.code, "render-failed");
    assert.match(err.message, /renders have no network access/);
    assert.deepEqual(requests, []);
  });

  it("refuses a kustomization its pre-check cannot read, rather than letting kustomize decide", async () => {
    const repo = await repoWith({ "app/kustomization.yaml": "resources: [base\n  - ../../outside\n" });
    const err = await buildError(repo, "app");
    assert.equal(err.code, "invalid-manifest");
    assert.match(
      err.message,
      /^app\/kustomization\.yaml is not valid YAML .*; fix the kustomization in the repository$/,
    );
  });

  it("refuses a remote base instead of reaching for the network", async () => {
    const repo = await repoWith({
      "app/kustomization.yaml": "resources: [https://github.com/example/shop//deploy?ref=v1]\n",
    });
    const err = await buildError(repo, "app");
    assert.equal(err.code, "unsupported-source");
  });
});

/** A kustomization inflating a chart vendored at charts/web, the folder kustomize looks in. */
const HELM_CHARTS: Tree = {
  "app/kustomization.yaml": `helmCharts:
  - name: web
    releaseName: shop
    valuesInline: { color: blue }
resources: [extra.yaml]
`,
  "app/extra.yaml": configMap("extra"),
  "app/charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
  "app/charts/web/values.yaml": "color: red\n",
  "app/charts/web/templates/cm.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-web
data:
  color: {{ .Values.color | quote }}
  kubeMinor: {{ .Capabilities.KubeVersion.Minor | quote }}
  hasWidgets: {{ .Capabilities.APIVersions.Has "example.com/v1" | quote }}
`,
};

describe("kustomize helmCharts", () => {
  it("inflates a chart vendored in the repository, for the destination's Kubernetes", async () => {
    const repo = await repoWith(HELM_CHARTS);
    const result = await render(
      inputFor(repo, {
        source: { repoURL: "r", path: "app" },
        kubeVersion: "v1.34.1",
        apiVersions: ["v1", "example.com/v1"],
      }),
    );
    assert.deepEqual(names(result.objects).sort(), ["ConfigMap/extra", "ConfigMap/shop-web"]);
    const inflated = result.objects.find((o) => o.metadata.name === "shop-web");
    assert.deepEqual(inflated?.data, { color: "blue", kubeMinor: "34", hasWidgets: "true" });
  });

  it("refuses a chart it would have to download, naming it and saying to vendor it", async () => {
    const repo = await repoWith({
      "app/kustomization.yaml":
        "helmCharts:\n  - name: redis\n    repo: https://charts.example.com\n    version: 1.2.3\n",
    });
    const err = await buildError(repo, "app");
    assert.equal(err.code, "unsupported-source");
    assert.match(
      err.message,
      /^app\/kustomization\.yaml helmCharts entry "redis" from https:\/\/charts\.example\.com is not in the repository at app\/charts\/redis-1\.2\.3\/redis; renders have no network, so charts must be vendored/,
    );
    assert.match(
      err.message,
      /helm pull redis --repo https:\/\/charts\.example\.com --version 1\.2\.3 --untar/,
    );
  });

  it("refuses a chart home outside the kustomization's repository", async () => {
    const absolute = await repoWith({
      "app/kustomization.yaml": "helmGlobals: { chartHome: /etc }\nhelmCharts: [{ name: web }]\n",
    });
    assert.equal((await buildError(absolute, "app")).code, "invalid-source");
    const climbing = await repoWith({
      "app/kustomization.yaml": "helmGlobals: { chartHome: ../../.. }\nhelmCharts: [{ name: web }]\n",
    });
    assert.equal((await buildError(climbing, "app")).code, "path-escapes-repo");
  });

  it("refuses a vendored chart with a symlink out of the repository", async () => {
    const repo = await repoWith({
      ...HELM_CHARTS,
      "app/charts/web/files/secret.txt": { link: "../../../../../outside/secret.txt" },
    });
    assert.equal((await buildError(repo, "app")).code, "path-escapes-repo");
  });
});

describe("build variables in kustomize overrides", () => {
  it("expands them in commonAnnotations only when commonAnnotationsEnvsubst asks for it", async () => {
    const repo = await repoWith(BASE_AND_OVERLAY);
    const annotate = async (commonAnnotationsEnvsubst: boolean) => {
      const result = await render(
        inputFor(repo, {
          source: {
            repoURL: "r",
            path: "base",
            kustomize: { commonAnnotations: { owner: "$ARGOCD_APP_NAME" }, commonAnnotationsEnvsubst },
          },
        }),
      );
      return find(result.objects, "Deployment").metadata.annotations?.owner;
    };
    assert.equal(await annotate(true), "shop");
    assert.equal(await annotate(false), "$ARGOCD_APP_NAME");
  });

  it("expands them in images and commonLabels, not in the name prefix", async () => {
    const repo = await repoWith(BASE_AND_OVERLAY);
    const result = await render(
      inputFor(repo, {
        source: {
          repoURL: "r",
          path: "base",
          kustomize: {
            images: ["nginx:${ARGOCD_APP_REVISION_SHORT_8}"],
            commonLabels: { app: "$ARGOCD_APP_NAME" },
            namePrefix: "$ARGOCD_APP_NAME",
          },
        },
        revision: "fedcba9876543210",
      }),
    );
    const deployment = find(result.objects, "Deployment") as Deployment;
    assert.equal(deployment.spec.template.spec.containers[0]?.image, "nginx:fedcba98");
    assert.equal(deployment.metadata.labels?.app, "shop");
    assert.equal(deployment.metadata.name, "$ARGOCD_APP_NAMEweb");
  });
});

describe("reading image overrides", () => {
  const cases: [string, ReturnType<typeof parseImageOverride>][] = [
    ["nginx:1.27", { name: "nginx", newTag: "1.27" }],
    ["nginx=registry.local/nginx:1.27", { name: "nginx", newName: "registry.local/nginx", newTag: "1.27" }],
    ["nginx=registry.local/nginx", { name: "nginx", newName: "registry.local/nginx" }],
    ["nginx@sha256:abc", { name: "nginx", digest: "sha256:abc" }],
    ["localhost:5000/web:2", { name: "localhost:5000/web", newTag: "2" }],
    ["localhost:5000/web", { name: "localhost:5000/web" }],
  ];
  for (const [spec, expected] of cases) {
    it(`reads ${spec}`, () => assert.deepEqual(parseImageOverride(spec), expected));
  }
});

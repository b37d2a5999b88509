// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is a build variable reference, written as users write it
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import type { HelmSource } from "../core/application.ts";
import type { KubeObject } from "../core/objects.ts";
import { RenderError } from "./errors.ts";
import { templateArgs } from "./helm.ts";
import { type RenderInput, render } from "./render.ts";
import { inputFor, makeRepo, names, type TestRepo, type Tree } from "./test-repo.ts";
import { defaultRenderOptions } from "./tools.ts";

const repos: TestRepo[] = [];
after(() => Promise.all(repos.map((r) => r.remove())));

/** A chart whose one ConfigMap shows everything the render fed into the templates. */
const CHART: Tree = {
  "chart/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 1.0.0\n",
  "chart/values.yaml": "color: red\nsize: small\nreplicas: 1\nflag: false\nlist: []\n",
  "chart/templates/_helpers.tpl": '{{- define "shop.fullname" -}}{{ .Release.Name }}-shop{{- end -}}\n',
  "chart/templates/config.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "shop.fullname" . }}
  namespace: {{ .Release.Namespace }}
data:
  release: {{ .Release.Name | quote }}
  color: {{ .Values.color | quote }}
  size: {{ .Values.size | quote }}
  replicas: {{ .Values.replicas | quote }}
  flagKind: {{ kindOf .Values.flag | quote }}
  list: {{ .Values.list | join ";" | quote }}
  kubeVersion: {{ .Capabilities.KubeVersion.Version | quote }}
  kubeMinor: {{ .Capabilities.KubeVersion.Minor | quote }}
  hasApps: {{ .Capabilities.APIVersions.Has "apps/v1" | quote }}
  hasApplication: {{ .Capabilities.APIVersions.Has "mooring.dev/v1alpha1/Application" | quote }}
  hasMadeUp: {{ .Capabilities.APIVersions.Has "made.up/v9" | quote }}
`,
  "chart/crds/widget.yaml": `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.shop.example.com
spec:
  group: shop.example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]
`,
  "chart/values-prod.yaml": "color: blue\nsize: large\n",
  "env/shared.yaml": "size: medium\n",
};

async function repoWith(extra: Tree = {}): Promise<TestRepo> {
  const repo = await makeRepo();
  repos.push(repo);
  await repo.write(
    { "outside/values.yaml": "color: stolen\n", "outside/secret.txt": "hunter2\n" },
    repo.scratch,
  );
  await repo.write({ ...CHART, ...extra });
  return repo;
}

async function template(
  repo: TestRepo,
  helm?: HelmSource,
  more: Partial<RenderInput> = {},
): Promise<KubeObject[]> {
  const result = await render(inputFor(repo, { source: { repoURL: "r", path: "chart", helm }, ...more }));
  assert.equal(result.tool, "helm");
  return result.objects;
}

async function configData(repo: TestRepo, helm?: HelmSource, more: Partial<RenderInput> = {}) {
  const objects = await template(repo, helm, more);
  const config = objects.find((o) => o.kind === "ConfigMap");
  assert.ok(config, `no ConfigMap in ${names(objects).join(", ")}`);
  return { config, data: config.data as Record<string, string> };
}

async function templateError(repo: TestRepo, helm?: HelmSource): Promise<RenderError> {
  try {
    await template(repo, helm);
  } catch (err) {
    assert.ok(err instanceof RenderError, `expected a RenderError, got ${err}`);
    return err;
  }
  assert.fail("render succeeded");
}

describe("rendering a Helm chart", () => {
  it("renders the templates with the chart's values, named after the Application, in its namespace", async () => {
    const { config, data } = await configData(await repoWith());
    assert.equal(config.metadata.name, "shop-shop");
    assert.equal(config.metadata.namespace, "shop");
    assert.equal(data.color, "red");
  });

  it("includes the chart's CRDs", async () => {
    const objects = await template(await repoWith());
    assert.deepEqual(names(objects).sort(), [
      "ConfigMap/shop-shop",
      "CustomResourceDefinition/widgets.shop.example.com",
    ]);
  });

  it("uses releaseName and the helm block's namespace when set", async () => {
    const { config, data } = await configData(await repoWith(), { releaseName: "eu", namespace: "shop-eu" });
    assert.equal(config.metadata.name, "eu-shop");
    assert.equal(config.metadata.namespace, "shop-eu");
    assert.equal(data.release, "eu");
  });

  it("renders into the default namespace when no namespace is given anywhere", async () => {
    const { config } = await configData(await repoWith(), {}, { destinationNamespace: undefined });
    assert.equal(config.metadata.namespace, "default");
  });

  it("shows templates the destination's Kubernetes version and APIs", async () => {
    const { data } = await configData(
      await repoWith(),
      {},
      {
        kubeVersion: "v1.34.2",
        apiVersions: ["v1", "apps/v1", "mooring.dev/v1alpha1/Application"],
      },
    );
    assert.equal(data.kubeVersion, "v1.34.2");
    assert.equal(data.kubeMinor, "34");
    assert.equal(data.hasApps, "true");
    assert.equal(data.hasApplication, "true");
    assert.equal(data.hasMadeUp, "false");
  });

  it("layers values files in order, relative to the chart or (with /) to the repository root", async () => {
    const { data } = await configData(await repoWith(), {
      valueFiles: ["values-prod.yaml", "/env/shared.yaml"],
    });
    assert.equal(data.color, "blue");
    assert.equal(data.size, "medium");
  });

  it("puts inline values above values files, and valuesObject above values", async () => {
    const repo = await repoWith();
    const inline = await configData(repo, { valueFiles: ["values-prod.yaml"], values: "color: green\n" });
    assert.equal(inline.data.color, "green");
    assert.equal(inline.data.size, "large");
    const object = await configData(repo, { values: "color: green\n", valuesObject: { color: "violet" } });
    assert.equal(object.data.color, "violet");
  });

  it("puts parameters above everything, and keeps forceString values strings", async () => {
    const { data } = await configData(await repoWith(), {
      valuesObject: { color: "violet" },
      parameters: [
        { name: "color", value: "black" },
        { name: "flag", value: "true" },
        { name: "replicas", value: "3", forceString: true },
      ],
    });
    assert.equal(data.color, "black");
    assert.equal(data.flagKind, "bool");
    assert.equal(data.replicas, "3");
    const forced = await configData(await repoWith(), {
      parameters: [{ name: "flag", value: "true", forceString: true }],
    });
    assert.equal(forced.data.flagKind, "string");
  });

  it("keeps a parameter value with commas whole, and reads {a,b} as a list", async () => {
    const { data } = await configData(await repoWith(), {
      parameters: [
        { name: "color", value: "red,green" },
        { name: "list", value: "{a,b}" },
      ],
    });
    assert.equal(data.color, "red,green");
    assert.equal(data.list, "a;b");
  });

  it("expands values file globs in lexical order, later files winning", async () => {
    const repo = await repoWith({
      "chart/values.d/20-size.yaml": "size: huge\ncolor: green\n",
      "chart/values.d/10-color.yaml": "color: yellow\n",
      "chart/values.d/notes.txt": "color: ignored\n",
    });
    const { data } = await configData(repo, { valueFiles: ["values.d/*.yaml"] });
    assert.equal(data.color, "green");
    assert.equal(data.size, "huge");
    const err = await templateError(repo, { valueFiles: ["values.d/*.json"] });
    assert.equal(err.code, "path-not-found");
    const ignored = await configData(repo, {
      valueFiles: ["values.d/*.json"],
      ignoreMissingValueFiles: true,
    });
    assert.equal(ignored.data.color, "red");
  });

  it("expands build variables in parameters, inline values, values file paths and the release name", async () => {
    const repo = await repoWith({ "chart/values-shop.yaml": "size: from-app-file\n" });
    const { config, data } = await configData(
      repo,
      {
        releaseName: "$ARGOCD_APP_NAME-rel",
        valueFiles: ["values-${ARGOCD_APP_NAME}.yaml"],
        valuesObject: { color: "$MOORING_APP_REVISION_SHORT" },
        parameters: [{ name: "list", value: "{$ARGOCD_APP_PROJECT_NAME,$KUBE_VERSION,$HOME}" }],
      },
      { project: "team-a", revision: "0123456789abcdef" },
    );
    assert.equal(config.metadata.name, "shop-rel-shop");
    assert.equal(data.size, "from-app-file");
    assert.equal(data.color, "0123456");
    assert.equal(data.list, "team-a;1.36.3;$HOME");
  });

  it("renders a chart whose dependencies are vendored in charts/", async () => {
    const repo = await repoWith({
      "chart/Chart.yaml":
        "apiVersion: v2\nname: shop\nversion: 1.0.0\ndependencies:\n  - name: cache\n    version: 0.1.0\n",
      "chart/charts/cache/Chart.yaml": "apiVersion: v2\nname: cache\nversion: 0.1.0\n",
      "chart/charts/cache/templates/svc.yaml":
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-cache\nspec:\n  ports: [{port: 6379}]\n",
    });
    const objects = await template(repo);
    assert.ok(names(objects).includes("Service/shop-cache"), names(objects).join(", "));
  });
});

describe("helm failures", () => {
  it("reports a broken template as render-failed, naming the template", async () => {
    const repo = await repoWith({ "chart/templates/broken.yaml": "kind: {{ .Values.nope.deeper }}\n" });
    const err = await templateError(repo);
    assert.equal(err.code, "render-failed");
    assert.match(err.message, /^helm failed: .*shop\/templates\/broken\.yaml/s);
  });

  it("keeps inline values and parameters out of error messages", async () => {
    const repo = await repoWith({
      "chart/templates/fail.yaml":
        '{{ fail (printf "cannot use %s with %s" .Values.password .Values.token) }}\n',
    });
    const err = await templateError(repo, {
      values: "password: s3cret-value\n",
      parameters: [{ name: "token", value: "tok-12345" }],
    });
    assert.match(err.message, /cannot use \*\*\* with \*\*\*/);
    assert.doesNotMatch(err.message, /s3cret-value|tok-12345/);
  });

  it("names the template when its output is not a Kubernetes object", async () => {
    const repo = await repoWith({ "chart/templates/odd.yaml": "apiVersion: v1\nkind: ConfigMap\n" });
    const err = await templateError(repo);
    assert.equal(err.code, "invalid-manifest");
    assert.match(
      err.message,
      /^shop\/templates\/odd\.yaml \(helm template output, document \d+\) has no metadata/,
    );
  });

  it("explains that dependencies must be vendored when charts/ lacks them", async () => {
    const repo = await repoWith({
      "chart/Chart.yaml":
        "apiVersion: v2\nname: shop\nversion: 1.0.0\ndependencies:\n  - name: redis\n    version: 1.0.0\n    repository: https://charts.example.com\n",
    });
    const err = await templateError(repo);
    assert.equal(err.code, "render-failed");
    assert.match(err.message, /missing in charts\/ directory: redis; .*helm dependency build/);
  });

  it("sends no request for a values.schema.json $ref to a URL, and says charts render without network", async (t) => {
    const requests: string[] = [];
    const server = createServer((req, res) => {
      requests.push(String(req.url));
      res.end(JSON.stringify({ type: "object" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => server.close());
    const port = (server.address() as AddressInfo).port;
    const repo = await repoWith({
      "chart/values.schema.json": JSON.stringify({ $ref: `http://127.0.0.1:${port}/schema.json` }),
    });
    const err = await templateError(repo);
    assert.equal(err.code, "render-failed");
    assert.match(err.message, /rendered without network access/);
    assert.deepEqual(requests, []);
  });

  it("never takes a release name for a flag", async () => {
    const err = await templateError(await repoWith(), { releaseName: "--post-renderer=/bin/sh" });
    assert.equal(err.code, "render-failed");
    assert.match(err.message, /invalid release name/);
  });

  it("refuses values files outside the repository, missing, or fetched from a URL", async () => {
    const repo = await repoWith({ "env/linked.yaml": { link: "../../outside/values.yaml" } });
    assert.equal(
      (await templateError(repo, { valueFiles: ["../../outside/values.yaml"] })).code,
      "path-escapes-repo",
    );
    assert.equal((await templateError(repo, { valueFiles: ["/env/linked.yaml"] })).code, "path-escapes-repo");
    const missing = await templateError(repo, { valueFiles: ["values-staging.yaml"] });
    assert.equal(missing.code, "path-not-found");
    assert.match(missing.message, /values file "values-staging\.yaml"/);
    const url = await templateError(repo, { valueFiles: ["https://example.com/values.yaml"] });
    assert.equal(url.code, "unsupported-source");
  });

  it("refuses a chart holding a symlink to a file outside the repository", async () => {
    const repo = await repoWith({
      "chart/files/secret.txt": { link: "../../../outside/secret.txt" },
      "chart/templates/leak.yaml":
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: leak\ndata:\n  s: {{ .Files.Get "files/secret.txt" | quote }}\n',
    });
    const err = await templateError(repo);
    assert.equal(err.code, "path-escapes-repo");
    assert.match(err.message, /^chart\/files\/secret\.txt is a symlink/);
  });
});

describe("helm's command line", () => {
  it("carries no parameter or inline value, only the files that hold them", () => {
    const args = templateArgs(
      {
        repoRoot: "/repo",
        dir: "/repo/chart",
        helm: { values: "password: s3cret\n", parameters: [{ name: "token", value: "tok-12345" }] },
        appName: "shop",
        kubeVersion: "v1.36.0",
        apiVersions: [],
        options: defaultRenderOptions({ helmBinary: "helm", kustomizeBinary: "kustomize" }),
      },
      [],
      "/scratch/inline-values.yaml",
      "/scratch/parameters.yaml",
    );
    assert.deepEqual(args.slice(-5), [
      "--values=/scratch/inline-values.yaml",
      "--values=/scratch/parameters.yaml",
      "--",
      "shop",
      "/repo/chart",
    ]);
    assert.doesNotMatch(args.join(" "), /s3cret|tok-12345|--set/);
  });
});

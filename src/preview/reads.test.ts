// What an Application's render or a Stack's plan reads outside its path, found in real folders.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { cachedRenderReads, MAX_FILES, renderReads } from "./reads.ts";

let scratch: string;
let count = 0;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), "mooring-reads-"));
});

after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A fresh checkout holding these files (a value of `{ link }` makes a symlink). */
async function checkout(files: Record<string, string | { link: string }>): Promise<string> {
  const root = join(scratch, `repo-${++count}`);
  await mkdir(root, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true });
    if (typeof content === "string") await writeFile(target, content);
    else await symlink(content.link, target);
  }
  return root;
}

const app = (path: string, helmValueFiles?: string[]) =>
  ({ kind: "Application", path, ...(helmValueFiles ? { helmValueFiles } : {}) }) as const;

describe("renderReads of Kustomize applications", () => {
  it("returns a shared base two levels up and what that base reads in turn", async () => {
    const root = await checkout({
      "apps/web/kustomization.yaml": "resources:\n  - ../../base\n  - ./deployment.yaml\n",
      "apps/web/deployment.yaml": "kind: Deployment\n",
      "base/kustomization.yaml": "resources: [service.yaml, ../shared/labels]\n",
      "base/service.yaml": "kind: Service\n",
      "shared/labels/kustomization.yaml": "commonLabels: {team: shop}\n",
      "unrelated/kustomization.yaml": "resources: []\n",
    });
    assert.deepEqual(await renderReads(root, app("apps/web")), ["base", "shared/labels"]);
  });

  it("returns components, legacy bases and what a component reads", async () => {
    const root = await checkout({
      "apps/web/kustomization.yaml": "components: [../../components/monitoring]\nbases: [../../legacy]\n",
      "legacy/kustomization.yaml": "resources: []\n",
      "components/monitoring/kustomization.yaml":
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n  - path: ../../patches/scrape.yaml\n",
      "patches/scrape.yaml": "kind: Deployment\n",
    });
    assert.deepEqual(await renderReads(root, app("apps/web")), [
      "components/monitoring",
      "legacy",
      "patches/scrape.yaml",
    ]);
  });

  it("returns patch files outside the app in every patch field, not inline patches", async () => {
    const root = await checkout({
      "apps/web/kustomization.yaml": [
        "patches:",
        "  - path: ../../patches/replicas.yaml",
        "  - patch: |-",
        "      - op: replace",
        "        path: /spec/replicas",
        "        value: 3",
        "patchesStrategicMerge:",
        "  - ../../patches/strategic.yaml",
        "  - |-",
        "    kind: Deployment",
        "patchesJson6902:",
        "  - target: {kind: Deployment, name: web}",
        "    path: ../../patches/json.yaml",
        "replacements:",
        "  - path: ../../patches/replacement.yaml",
        "crds: [../../crds/widget.yaml]",
        "openapi:",
        "  path: ../../schemas/openapi.json",
        "",
      ].join("\n"),
    });
    assert.deepEqual(await renderReads(root, app("apps/web")), [
      "crds/widget.yaml",
      "patches/json.yaml",
      "patches/replacement.yaml",
      "patches/replicas.yaml",
      "patches/strategic.yaml",
      "schemas/openapi.json",
    ]);
  });

  it("returns generator files, envs and env with the key= prefix stripped", async () => {
    const root = await checkout({
      "apps/web/kustomization.yaml": [
        "configMapGenerator:",
        "  - name: web",
        "    files: [app.conf=../../config/app.conf, ../../config/plain.txt, local.txt]",
        "    envs: [../../config/web.env]",
        "secretGenerator:",
        "  - name: web",
        "    env: ../../secrets/web.env",
        "",
      ].join("\n"),
      "config/app.conf": "a\n",
      "config/plain.txt": "b\n",
    });
    assert.deepEqual(await renderReads(root, app("apps/web")), [
      "config/app.conf",
      "config/plain.txt",
      "config/web.env",
      "secrets/web.env",
    ]);
  });

  it("follows a cycle of bases once each and stops", async () => {
    const root = await checkout({
      "a/kustomization.yaml": "resources: [../b]\n",
      "b/kustomization.yaml": "resources: [../c]\n",
      "c/kustomization.yaml": "resources: [../a, ../b]\n",
    });
    assert.deepEqual(await renderReads(root, app("a")), ["b", "c"]);
  });

  it("returns a helmCharts chart home outside the kustomization, its value files and the chart's file:// dependency", async () => {
    const root = await checkout({
      "apps/web/kustomization.yaml": [
        "helmGlobals: {chartHome: ../../charts}",
        "helmCharts:",
        "  - name: nginx",
        "    valuesFile: ../../values/nginx.yaml",
        "    additionalValuesFiles: [../../values/extra.yaml]",
        "",
      ].join("\n"),
      "charts/nginx/Chart.yaml":
        "name: nginx\ndependencies:\n  - name: lib\n    repository: file://../../libs/lib\n",
      "libs/lib/Chart.yaml": "name: lib\n",
    });
    assert.deepEqual(await renderReads(root, app("apps/web")), [
      "charts/nginx",
      "libs/lib",
      "values/extra.yaml",
      "values/nginx.yaml",
    ]);
  });

  it("skips remote bases written as URLs, scp-style or host-first", async () => {
    const root = await checkout({
      "apps/web/kustomization.yaml": [
        "resources:",
        "  - https://github.com/org/repo//deploy?ref=v1.2.0",
        "  - github.com/org/repo/deploy?ref=v1",
        "  - git@github.com:org/repo.git//deploy",
        "  - ../../base",
        "",
      ].join("\n"),
      "base/kustomization.yaml": "resources: []\n",
    });
    assert.deepEqual(await renderReads(root, app("apps/web")), ["base"]);
  });

  it("returns a base missing from this commit (adding it changes the render) without failing", async () => {
    const root = await checkout({ "apps/web/kustomization.yaml": "resources: [../../base]\n" });
    assert.deepEqual(await renderReads(root, app("apps/web")), ["base"]);
  });

  it("never returns nor reads a path that climbs out of the repository", async () => {
    const root = await checkout({
      "apps/web/kustomization.yaml":
        "resources: [../../../etc, ../../../../etc/passwd, /etc/hosts, ../../base]\npatches:\n  - path: ../../../x.yaml\n",
      "base/kustomization.yaml": "resources: [../../outside-base]\n",
    });
    // A real folder beside the checkout, which a walk that climbed out would find.
    await mkdir(join(dirname(root), "outside-base"), { recursive: true });
    await writeFile(join(dirname(root), "outside-base", "kustomization.yaml"), "resources: []\n");
    assert.deepEqual(await renderReads(root, app("apps/web")), ["base"]);
    assert.deepEqual(await renderReads(root, app("../outside-base")), []);
    assert.deepEqual(await renderReads(root, app("/etc")), []);
  });

  it("does not follow a symlink out of the checkout, but follows one that stays inside", async () => {
    const outside = join(scratch, "outside");
    await mkdir(join(outside, "base"), { recursive: true });
    await writeFile(join(outside, "base", "kustomization.yaml"), "resources: [../../base]\n");
    await writeFile(join(outside, "kustomization.yaml"), "resources: [../../base]\n");
    const root = await checkout({
      "apps/web/kustomization.yaml":
        "resources: [../../escape, ../../linked]\npatches:\n  - path: ../../hostname.yaml\n",
      "hostname.yaml": { link: "/etc/hostname" },
      "apps/api/kustomization.yaml": { link: join(outside, "kustomization.yaml") },
      escape: { link: join(outside, "base") },
      linked: { link: "shared/base" },
      "shared/base/kustomization.yaml": "resources: [deploy.yaml]\n",
      "base/kustomization.yaml": "resources: []\n",
    });
    assert.deepEqual(await renderReads(root, app("apps/web")), ["linked", "shared/base"]);
    // A kustomization file that is itself a link out is never read (it would name base).
    assert.deepEqual(await renderReads(root, app("apps/api")), []);
  });

  it("tolerates broken YAML: a broken kustomization reads nothing, a broken base is still a read", async () => {
    const root = await checkout({
      "apps/broken/kustomization.yaml": "resources: [../../base\n  - : :\n",
      "apps/web/kustomization.yaml": "resources: [../../base]\n",
      "base/kustomization.yaml": "resources: [\n",
      "apps/list/kustomization.yaml": "- ../../base\n",
    });
    assert.deepEqual(await renderReads(root, app("apps/broken")), []);
    assert.deepEqual(await renderReads(root, app("apps/web")), ["base"]);
    assert.deepEqual(await renderReads(root, app("apps/list")), []);
  });

  it("does not read a kustomization larger than 1 MiB", async () => {
    const root = await checkout({
      "apps/web/kustomization.yaml": `resources: [../../base]\n${"# padding\n".repeat(120_000)}`,
    });
    assert.deepEqual(await renderReads(root, app("apps/web")), []);
  });

  it(`stops after ${MAX_FILES} files and returns what it found`, async () => {
    const files: Record<string, string> = {};
    const chain = MAX_FILES + 100;
    for (let i = 0; i < chain; i++) files[`k/${i}/kustomization.yaml`] = `resources: [../${i + 1}]\n`;
    const root = await checkout(files);
    const reads = await renderReads(root, app("k/0"));
    assert.ok(reads.length >= MAX_FILES - 1 && reads.length < chain, `${reads.length} reads`);
    assert.equal(reads[0], "k/1");
  });

  it("returns nothing for a plain directory, a missing path or a missing checkout", async () => {
    const root = await checkout({ "apps/plain/deploy.yaml": "kind: Deployment\nimage: ../../base\n" });
    assert.deepEqual(await renderReads(root, app("apps/plain")), []);
    assert.deepEqual(await renderReads(root, app("apps/none")), []);
    assert.deepEqual(await renderReads(join(scratch, "no-such-checkout"), app("apps/plain")), []);
  });

  it("returns nothing for an app at the repository root, which covers every read", async () => {
    const root = await checkout({
      "kustomization.yaml": "resources: [apps/web]\n",
      "apps/web/kustomization.yaml": "resources: [../../base]\n",
    });
    assert.deepEqual(await renderReads(root, app("")), []);
    assert.deepEqual(await renderReads(root, app("apps/web")), ["base"]);
  });

  it("excludes what lies inside the app's own path, however it is written", async () => {
    const root = await checkout({
      "apps/web/kustomization.yaml": "resources: [./overlay, ../web/extra.yaml, ../../base]\n",
      "apps/web/overlay/kustomization.yaml": "resources: [../../../components/x]\n",
      "components/x/kustomization.yaml": "resources: []\n",
      "base/kustomization.yaml": "resources: []\n",
    });
    assert.deepEqual(await renderReads(root, app("./apps/web/")), ["base", "components/x"]);
  });
});

describe("renderReads of Helm applications", () => {
  it("returns value files relative to the path, from the root with /, and the folder of a glob", async () => {
    const root = await checkout({
      "charts/web/Chart.yaml": "name: web\n",
      "values/prod.yaml": "replicas: 3\n",
    });
    const reads = await renderReads(
      root,
      app("charts/web", [
        "values.yaml",
        "../../values/prod.yaml",
        "/shared/common.yaml",
        "../../envs/*.yaml",
        "../../per-app/$ARGOCD_APP_NAME.yaml",
        "https://example.com/values.yaml",
        "../../../etc/passwd",
      ]),
    );
    assert.deepEqual(reads, ["envs", "per-app", "shared/common.yaml", "values/prod.yaml"]);
  });

  it("returns file:// chart dependencies transitively, not repository ones", async () => {
    const root = await checkout({
      "charts/web/Chart.yaml": [
        "apiVersion: v2",
        "name: web",
        "dependencies:",
        "  - name: common",
        "    repository: file://../common",
        "  - name: redis",
        "    repository: https://charts.example.com",
        "  - name: escape",
        "    repository: file://../../../outside",
        "",
      ].join("\n"),
      "charts/common/Chart.yaml":
        "name: common\ndependencies:\n  - name: base\n    repository: file://../../libs/base\n",
      "libs/base/Chart.yaml":
        "name: base\ndependencies:\n  - name: web\n    repository: file://../../charts/web\n",
      "charts/old/Chart.yaml": "apiVersion: v1\nname: old\n",
      "charts/old/requirements.yaml": "dependencies:\n  - name: common\n    repository: file://../common\n",
    });
    assert.deepEqual(await renderReads(root, app("charts/web")), ["charts/common", "libs/base"]);
    assert.deepEqual(await renderReads(root, app("charts/old")), [
      "charts/common",
      "charts/web",
      "libs/base",
    ]);
  });
});

describe("renderReads of Stacks", () => {
  it("returns a chain of local modules from .tf and .tf.json files, not registry or git sources", async () => {
    const root = await checkout({
      "stacks/net/main.tf": [
        'module "vpc" {',
        '  source = "../../modules/vpc"',
        "}",
        'module "consul" {',
        '  source  = "hashicorp/consul/aws"',
        "}",
        'module "git" {',
        '  source = "git::https://example.com/net.git//x?ref=v1"',
        "}",
        'module "escape" {',
        '  source = "../../../outside"',
        "}",
        "",
      ].join("\n"),
      "stacks/net/notes.txt": 'source = "../../modules/not-read"\n',
      "modules/vpc/main.tf": 'module "subnets" {\n  source = "../subnets"\n}\n',
      "modules/subnets/main.tf.json": '{"module": {"cidr": {"source": "../cidr"}}}\n',
      "modules/cidr/main.tf":
        'module "self" {\n  source = "./"\n}\nmodule "back" {\n  source = "../vpc"\n}\n',
    });
    assert.deepEqual(await renderReads(root, { kind: "Stack", path: "stacks/net" }), [
      "modules/cidr",
      "modules/subnets",
      "modules/vpc",
    ]);
  });

  it("reads nothing but the Stack's folder when its modules are all remote", async () => {
    const root = await checkout({
      "stacks/db/main.tf": 'module "db" {\n  source = "terraform-aws-modules/rds/aws"\n}\n',
      "stacks/db/modules/local/main.tf": 'module "x" {\n  source = "../../../../modules/x"\n}\n',
    });
    assert.deepEqual(await renderReads(root, { kind: "Stack", path: "stacks/db" }), []);
  });
});

describe("cachedRenderReads", () => {
  it("reads a commit's checkout once per target and answers again from memory", async () => {
    const dir = await checkout({
      "apps/web/kustomization.yaml": "resources: [../../base]\n",
      "base/kustomization.yaml": "resources: [deploy.yaml]\n",
      "base/deploy.yaml": "kind: Deployment\n",
    });
    const reads = cachedRenderReads();
    const input = { kind: "Application" as const, path: "apps/web" };
    assert.deepEqual(await reads(dir, input), ["base"]);
    // The checkout of a commit never changes; were it read again, the new base would show.
    await writeFile(join(dir, "apps/web/kustomization.yaml"), "resources: [../../other]\n");
    assert.deepEqual(await reads(dir, input), ["base"]);
    assert.deepEqual(await renderReads(dir, input), ["other"]);
  });

  it("keeps at most its limit, dropping the least recently used", async () => {
    const dir = await checkout({
      "a/kustomization.yaml": "resources: [../shared-a]\n",
      "b/kustomization.yaml": "resources: [../shared-b]\n",
    });
    const reads = cachedRenderReads(1);
    const a = { kind: "Application" as const, path: "a" };
    assert.deepEqual(await reads(dir, a), ["shared-a"]);
    await reads(dir, { kind: "Application", path: "b" });
    await writeFile(join(dir, "a/kustomization.yaml"), "resources: [../changed]\n");
    assert.deepEqual(await reads(dir, a), ["changed"], "a was dropped when b came in, so it is read again");
  });
});

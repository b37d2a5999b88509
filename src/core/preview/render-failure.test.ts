// The messages below are real. They were captured on 2026-12-03 from helm v3.22.0 and kustomize
// v5.8.2 out of ~/.cache/mooring/toolchain-v1, on a scratch repository holding a chart at
// charts/web whose Chart.yaml says `name: webapp`, a kustomization at apps/web on a base at base/,
// and plain manifests at plain/, each broken one way per case:
//   - through Mooring's own render() (src/render/render.ts, sandboxed, as a sync runs it), e.g.
//     `render({repoDir, source: {repoURL: "x", path: "charts/web"}, appName: "web",
//     kubeVersion: "v1.36.3", apiVersions: []})`, printing the RenderError's message;
//   - and by hand, unscrubbed, for the host paths: `kustomize build $D/apps/web
//     --load-restrictor LoadRestrictionsRootOnly` with apps/web listing a missing file, and
//     `helm template web charts/web`.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { blamedFile, HOST_PATH, renderFailure, scrubHostPaths } from "./render-failure.ts";

interface Case {
  name: string;
  sourcePath: string;
  message: string;
  file: string | undefined;
}

const CASES: Case[] = [
  {
    name: "helm: a nil pointer in a template names the template under the chart folder, not the chart's name",
    sourcePath: "charts/web",
    message:
      'helm failed: template: webapp/templates/deployment.yaml:6:22: executing "webapp/templates/deployment.yaml" at <.Values.scale.replicas.count>: nil pointer evaluating interface {}.count',
    file: "charts/web/templates/deployment.yaml",
  },
  {
    name: "helm: a parse error (unclosed action)",
    sourcePath: "charts/web",
    message:
      "helm failed: parse error at (webapp/templates/deployment.yaml:7): unclosed action started at webapp/templates/deployment.yaml:6",
    file: "charts/web/templates/deployment.yaml",
  },
  {
    name: "helm: `required` failing is an execution error at the template",
    sourcePath: "charts/web",
    message: "helm failed: execution error at (webapp/templates/deployment.yaml:4:11): name is required",
    file: "charts/web/templates/deployment.yaml",
  },
  {
    name: "helm: a template rendering invalid YAML",
    sourcePath: "charts/web",
    message:
      "helm failed: YAML parse error on webapp/templates/deployment.yaml: error converting YAML to JSON: yaml: line 5: mapping values are not allowed in this context",
    file: "charts/web/templates/deployment.yaml",
  },
  {
    name: "helm: a failure inside an include blames the innermost template, the helper",
    sourcePath: "charts/web",
    message:
      'helm failed: template: webapp/templates/deployment.yaml:4:11: executing "webapp/templates/deployment.yaml" at <include "web.name" .>: error calling include: template: webapp/templates/_helpers.tpl:2:10: executing "web.name" at <.Values.nope.name>: nil pointer evaluating interface {}.name',
    file: "charts/web/templates/_helpers.tpl",
  },
  {
    name: "helm: a vendored subchart's template",
    sourcePath: "charts/web",
    message:
      'helm failed: template: webapp/charts/db/templates/cm.yaml:4:18: executing "webapp/charts/db/templates/cm.yaml" at <.Values.nope.x>: nil pointer evaluating interface {}.x',
    file: "charts/web/charts/db/templates/cm.yaml",
  },
  {
    name: "helm: an object without a kind, found by Mooring in helm's output",
    sourcePath: "charts/web",
    message:
      "webapp/templates/deployment.yaml (helm template output, document 1) has no kind; every Kubernetes object needs apiVersion, kind and metadata.name",
    file: "charts/web/templates/deployment.yaml",
  },
  {
    name: "helm: a broken values.yaml of the chart",
    sourcePath: "charts/web",
    message:
      "helm failed: cannot load values.yaml: error converting YAML to JSON: yaml: line 1: did not find expected node content",
    file: "charts/web/values.yaml",
  },
  {
    name: "helm: a chart at the repository root",
    sourcePath: "",
    message: "helm failed: execution error at (webapp/templates/deployment.yaml:4:11): name is required",
    file: "templates/deployment.yaml",
  },
  {
    name: "kustomize: a malformed resource of the source folder",
    sourcePath: "apps/web",
    message:
      "kustomize failed: accumulating resources: accumulating resources from 'deployment.yaml': MalformedYAMLError: yaml: line 5: mapping values are not allowed in this context in File: deployment.yaml",
    file: "apps/web/deployment.yaml",
  },
  {
    name: "kustomize: a malformed resource of a base names the base's file",
    sourcePath: "apps/web",
    message:
      "kustomize failed: accumulating resources: accumulation err='accumulating resources from '../../base': 'base' must resolve to a file': recursed accumulation of path 'base': accumulating resources: accumulating resources from 'svc.yaml': MalformedYAMLError: yaml: line 5: did not find expected node content in File: svc.yaml",
    file: "base/svc.yaml",
  },
  {
    name: "kustomize: through the overlay of the Application's overrides",
    sourcePath: "apps/web",
    message:
      "kustomize failed: accumulating resources: accumulation err='accumulating resources from 'apps/web': 'apps/web' must resolve to a file': recursed accumulation of path 'apps/web': accumulating resources: accumulating resources from 'deployment.yaml': MalformedYAMLError: yaml: line 5: mapping values are not allowed in this context in File: deployment.yaml",
    file: "apps/web/deployment.yaml",
  },
  {
    name: "kustomize: an unreadable patch file",
    sourcePath: "apps/web",
    message:
      'kustomize failed: trouble configuring builtin PatchTransformer with config: `\npath: patch.yaml\n`: unable to parse SM or JSON patch from [path: "patch.yaml"]',
    file: "apps/web/patch.yaml",
  },
  {
    name: "kustomize: a missing resource, refused by Mooring's check, blames the kustomization listing it",
    sourcePath: "apps/web",
    message: 'apps/web/kustomization.yaml lists "missing.yaml", which does not exist in the repository',
    file: "apps/web/kustomization.yaml",
  },
  {
    name: "kustomize: a kustomization that is not YAML",
    sourcePath: "apps/web",
    message:
      "apps/web/kustomization.yaml is not valid YAML (All mapping items must start at the same column at line 3, column 1:); fix the kustomization in the repository",
    file: "apps/web/kustomization.yaml",
  },
  {
    name: "kustomize: a patch matching nothing names no file",
    sourcePath: "apps/web",
    message:
      'kustomize failed: no resource matches strategic merge patch "ConfigMap.v1.[noGrp]/nosuch.[noNs]": no matches for Id ConfigMap.v1.[noGrp]/nosuch.[noNs]; failed to find unique target for patch ConfigMap.v1.[noGrp]/nosuch.[noNs]',
    file: undefined,
  },
  {
    name: "kustomize: an unknown field names no file",
    sourcePath: "apps/web",
    message: 'kustomize failed: invalid Kustomization: json: unknown field "unknownField"',
    file: undefined,
  },
  {
    name: "directory: invalid YAML names the file",
    sourcePath: "plain",
    message:
      "plain/cm.yaml: invalid YAML at line 4, column 9: Nested mappings are not allowed in compact mappings",
    file: "plain/cm.yaml",
  },
  {
    name: "directory: a document without a kind names the file",
    sourcePath: "plain",
    message:
      "plain/cm.yaml document 2 has no kind; every Kubernetes object needs apiVersion, kind and metadata.name",
    file: "plain/cm.yaml",
  },
  {
    name: "directory: invalid JSON names the file",
    sourcePath: "plain",
    message:
      "plain/cm.json: invalid JSON: Expected double-quoted property name in JSON at position 21 (line 2 column 1)",
    file: "plain/cm.json",
  },
  {
    name: "a helm name climbing out of the repository blames nothing",
    sourcePath: "charts/web",
    message: "helm failed: execution error at (webapp/../../../etc/passwd:4:11): boom",
    file: undefined,
  },
];

describe("the file a render failure blames", () => {
  for (const c of CASES) {
    it(c.name, () => {
      assert.equal(blamedFile(c.message, c.sourcePath), c.file);
      const failure = renderFailure(c.message, { sourcePath: c.sourcePath });
      assert.deepEqual(
        failure,
        c.file === undefined ? { message: c.message } : { file: c.file, message: c.message },
      );
    });
  }

  it("takes a source path written with ./ or a trailing slash as the same folder", () => {
    const message =
      "helm failed: execution error at (webapp/templates/deployment.yaml:4:11): name is required";
    assert.equal(blamedFile(message, "./charts/web/"), "charts/web/templates/deployment.yaml");
  });
});

describe("host paths in a render failure", () => {
  // kustomize by hand, before Mooring's own scrubbing: D=/tmp/tmp.ZWyAwaQIRl.
  const raw =
    "kustomize failed: accumulating resources: accumulation err='accumulating resources from 'missing.yaml': evalsymlink failure on '/tmp/tmp.ZWyAwaQIRl/apps/web/missing.yaml' : lstat /tmp/tmp.ZWyAwaQIRl/apps/web/missing.yaml: no such file or directory': must build at directory: not a valid directory: evalsymlink failure on '/tmp/tmp.ZWyAwaQIRl/apps/web/missing.yaml' : lstat /tmp/tmp.ZWyAwaQIRl/apps/web/missing.yaml: no such file or directory";

  it("makes paths under the checkout repository-relative", () => {
    const failure = renderFailure(raw, { sourcePath: "apps/web", checkoutDir: "/tmp/tmp.ZWyAwaQIRl" });
    assert.ok(!failure.message.includes("/tmp"), failure.message);
    assert.match(
      failure.message,
      /evalsymlink failure on 'apps\/web\/missing\.yaml' : lstat apps\/web\/missing\.yaml:/,
    );
  });

  it("replaces temporary folders and HOME, with the rest of the path, by a placeholder", () => {
    const message =
      "kustomize failed: evalsymlink failure on '/tmp/mooring-render-Ab12/overlay/x.yaml' : lstat /root/.config/helm/x: denied";
    assert.equal(
      scrubHostPaths(message, { hostDirs: ["/tmp", "/root"] }),
      `kustomize failed: evalsymlink failure on '${HOST_PATH}' : lstat ${HOST_PATH}: denied`,
    );
  });

  it("takes the checkout out before a host folder that holds it", () => {
    const message = "lstat /root/.cache/mooring/trees/abc/apps/web/a.yaml: no such file or directory";
    assert.equal(
      scrubHostPaths(message, { checkoutDir: "/root/.cache/mooring/trees/abc/", hostDirs: ["/root"] }),
      "lstat apps/web/a.yaml: no such file or directory",
    );
  });

  it("leaves a folder whose name only starts like a host folder", () => {
    assert.equal(
      scrubHostPaths("see /tmpfiles/a and /tmp", { hostDirs: ["/tmp"] }),
      `see /tmpfiles/a and ${HOST_PATH}`,
    );
  });

  it("names the checkout itself as the repository root", () => {
    assert.equal(
      scrubHostPaths("cannot read /w/c: denied", { checkoutDir: "/w/c" }),
      "cannot read .: denied",
    );
  });
});

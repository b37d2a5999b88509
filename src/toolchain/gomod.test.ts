import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseGoMod, planWrapper, renderToolsFile, renderWrapperGoMod, wrapperGoVersion } from "./gomod.ts";

// Shapes taken from the real go.mod files of the tools we build.
const KUBERNETES_LIKE = `// This is a generated file. Do not edit directly.
module k8s.io/kubernetes

go 1.26.0

require (
	github.com/spf13/cobra v1.10.0
	k8s.io/api v0.0.0
	k8s.io/sample-cli-plugin v0.0.0 // indirect
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/sample-cli-plugin => ./staging/src/k8s.io/sample-cli-plugin
)
`;

const ETCD_LIKE = `module go.etcd.io/etcd/server/v3

go 1.26.0

toolchain go1.26.10

require (
	go.etcd.io/etcd/api/v3 v3.6.16
	go.etcd.io/etcd/pkg/v3 v3.6.16
)

replace (
	go.etcd.io/etcd/api/v3 => ../api
	go.etcd.io/etcd/pkg/v3 => ../pkg
)

// Bad imports are sometimes causing attempts to pull that code.
replace go.etcd.io/etcd => ./FORBIDDEN_DEPENDENCY
`;

const TOFU_LIKE = `module github.com/opentofu/opentofu

go 1.26.6

require github.com/hashicorp/hcl/v2 v2.20.1

replace github.com/hashicorp/hcl/v2 v2.20.1 => github.com/opentofu/hcl/v2 v2.20.2-0.20251021132045-587d123c2828
`;

describe("parseGoMod", () => {
  it("reads module, go line, block and single-line requires and replaces, ignoring comments", () => {
    const mod = parseGoMod(ETCD_LIKE);
    assert.equal(mod.module, "go.etcd.io/etcd/server/v3");
    assert.equal(mod.go, "1.26.0");
    assert.equal(mod.requires.get("go.etcd.io/etcd/api/v3"), "v3.6.16");
    assert.deepEqual(
      mod.replaces.map((r) => [r.from, r.to]),
      [
        ["go.etcd.io/etcd/api/v3", "../api"],
        ["go.etcd.io/etcd/pkg/v3", "../pkg"],
        ["go.etcd.io/etcd", "./FORBIDDEN_DEPENDENCY"],
      ],
    );
  });

  it("keeps the versions on both sides of a versioned replace", () => {
    const [replace] = parseGoMod(TOFU_LIKE).replaces;
    assert.deepEqual(replace, {
      from: "github.com/hashicorp/hcl/v2",
      fromVersion: "v2.20.1",
      to: "github.com/opentofu/hcl/v2",
      toVersion: "v2.20.2-0.20251021132045-587d123c2828",
    });
  });
});

describe("planWrapper", () => {
  it("re-points required siblings and drops guards against modules nobody requires", () => {
    const plan = planWrapper(parseGoMod(ETCD_LIKE));
    assert.deepEqual(plan.siblings, ["go.etcd.io/etcd/api/v3", "go.etcd.io/etcd/pkg/v3"]);
    assert.deepEqual(plan.copied, []);
  });

  it("copies replaces that point at another module, such as a fork", () => {
    const plan = planWrapper(parseGoMod(TOFU_LIKE));
    assert.deepEqual(plan.siblings, []);
    assert.equal(plan.copied[0]?.to, "github.com/opentofu/hcl/v2");
  });
});

describe("renderWrapperGoMod", () => {
  it("requires the tool, points siblings at the published version and stubs unpublished ones", () => {
    const upstream = parseGoMod(KUBERNETES_LIKE);
    const plan = planWrapper(upstream);
    const text = renderWrapperGoMod({
      toolModule: "k8s.io/kubernetes",
      toolVersion: "v1.36.3",
      goVersion: "1.26.0",
      siblings: plan.siblings,
      siblingVersion: "v0.36.3",
      unpublished: new Set(["k8s.io/sample-cli-plugin"]),
      copied: plan.copied,
    });
    const wrapper = parseGoMod(text);
    assert.equal(wrapper.requires.get("k8s.io/kubernetes"), "v1.36.3");
    assert.equal(wrapper.requires.get("k8s.io/api"), "v0.36.3");
    assert.equal(wrapper.requires.has("k8s.io/sample-cli-plugin"), false);
    assert.deepEqual(
      wrapper.replaces.map((r) => `${r.from} => ${r.to} ${r.toVersion ?? ""}`.trim()),
      ["k8s.io/api => k8s.io/api v0.36.3", "k8s.io/sample-cli-plugin => ./stub/1"],
    );
  });

  it("copies a versioned fork replace verbatim", () => {
    const plan = planWrapper(parseGoMod(TOFU_LIKE));
    const text = renderWrapperGoMod({
      toolModule: "github.com/opentofu/opentofu",
      toolVersion: "v1.12.6",
      goVersion: "1.26.6",
      siblings: [],
      siblingVersion: "v1.12.6",
      unpublished: new Set(),
      copied: plan.copied,
    });
    assert.match(
      text,
      /github\.com\/hashicorp\/hcl\/v2 v2\.20\.1 => github\.com\/opentofu\/hcl\/v2 v2\.20\.2-0\.20251021132045-587d123c2828/,
    );
  });
});

// Gitea 1.27.3: the go.mod declares a path the proxy does not serve (it serves the module as
// code.gitea.io/gitea), and replaces dependencies with published versions only.
const GITEA_LIKE = `module gitea.dev

go 1.26.4

require github.com/microsoft/go-mssqldb v1.9.8

replace github.com/microsoft/go-mssqldb => github.com/microsoft/go-mssqldb v1.9.7
`;

describe("wrapper for a module served under another path than it declares", () => {
  it("requires the declared path and replaces it with the served module at the same version", () => {
    const upstream = parseGoMod(GITEA_LIKE);
    const plan = planWrapper(upstream);
    const wrapper = parseGoMod(
      renderWrapperGoMod({
        toolModule: "code.gitea.io/gitea",
        declaredPath: upstream.module,
        toolVersion: "v1.27.3",
        goVersion: wrapperGoVersion(upstream.go),
        siblings: plan.siblings,
        siblingVersion: "v1.27.3",
        unpublished: new Set(),
        copied: plan.copied,
      }),
    );
    assert.deepEqual([...wrapper.requires], [["gitea.dev", "v1.27.3"]]);
    assert.deepEqual(
      wrapper.replaces.map((r) => `${r.from} => ${r.to} ${r.toVersion ?? ""}`.trim()),
      [
        "gitea.dev => code.gitea.io/gitea v1.27.3",
        "github.com/microsoft/go-mssqldb => github.com/microsoft/go-mssqldb v1.9.7",
      ],
    );
  });
});

// The kubernetes provider v1.13.4: replaces without versions on the left, a local replace of a
// module it does not require, and a go line from before module graph pruning.
const PROVIDER_LIKE = `module github.com/hashicorp/terraform-provider-kubernetes

require (
	k8s.io/client-go v11.0.0+incompatible
	k8s.io/kubectl v0.19.1
)

replace (
	k8s.io/client-go => k8s.io/client-go v0.19.1
	sigs.k8s.io/kustomize/pkg/transformers => ./vendor/k8s.io/cli-runtime/pkg/kustomize/k8sdeps/transformer
)

replace golang.org/x/sys => golang.org/x/sys v0.0.0-20200826173525-f9321e4c35a6

go 1.15
`;

describe("wrapper for an old provider module", () => {
  it("copies its replaces, drops local ones it does not require, and stubs dead modules", () => {
    const upstream = parseGoMod(PROVIDER_LIKE);
    const plan = planWrapper(upstream);
    assert.deepEqual(plan.siblings, []);
    const text = renderWrapperGoMod({
      toolModule: upstream.module,
      toolVersion: "v1.13.4",
      goVersion: wrapperGoVersion(upstream.go),
      siblings: plan.siblings,
      siblingVersion: "v1.13.4",
      unpublished: new Set(),
      copied: plan.copied,
      stubs: ["vbom.ml/util"],
    });
    const wrapper = parseGoMod(text);
    assert.equal(wrapper.go, "1.17");
    assert.deepEqual(
      wrapper.replaces.map((r) => `${r.from} => ${r.to} ${r.toVersion ?? ""}`.trim()),
      [
        "k8s.io/client-go => k8s.io/client-go v0.19.1",
        "golang.org/x/sys => golang.org/x/sys v0.0.0-20200826173525-f9321e4c35a6",
        "vbom.ml/util => ./stub/x0",
      ],
    );
  });

  it("keeps a go line at or above 1.17 and defaults to 1.26 when there is none", () => {
    assert.equal(wrapperGoVersion("1.12"), "1.17");
    assert.equal(wrapperGoVersion("1.17"), "1.17");
    assert.equal(wrapperGoVersion("1.26.6"), "1.26.6");
    assert.equal(wrapperGoVersion(undefined), "1.26");
  });
});

describe("renderToolsFile", () => {
  it("imports each main package behind a build tag so it is never compiled", () => {
    const text = renderToolsFile(["k8s.io/kubernetes/cmd/kube-apiserver"]);
    assert.match(text, /^\/\/go:build tools\n/);
    assert.match(text, /_ "k8s\.io\/kubernetes\/cmd\/kube-apiserver"/);
  });
});

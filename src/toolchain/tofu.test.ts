import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { binaryRelPath, providerPackageDir, TOFU_PROVIDERS, TOOLS, toolDirName } from "./catalog.ts";
import { providerCliConfig, tofuEnv } from "./tofu.ts";

describe("providerCliConfig", () => {
  it("installs providers only from the mirror, with no direct block", () => {
    const text = providerCliConfig("/cache/mirror");
    assert.match(text, /provider_installation \{/);
    assert.match(
      text,
      /filesystem_mirror \{\n\s+path\s+= "\/cache\/mirror"\n\s+include = \["registry\.opentofu\.org\/hashicorp\/\*"\]/,
    );
    assert.doesNotMatch(text, /\bdirect\b\s*\{/);
    assert.doesNotMatch(text, /dev_overrides/);
  });

  it("writes one filesystem_mirror block per mirror folder", () => {
    const text = providerCliConfig(["/a/mirror", "/b/mirror"]);
    assert.equal(text.match(/filesystem_mirror \{/g)?.length, 2);
  });

  it("escapes quotes, backslashes and template sequences in paths", () => {
    const text = providerCliConfig(`/odd "dir"/$\{x}/%{y}\\z`);
    assert.match(text, /path {4}= "\/odd \\"dir\\"\/\$\$\{x\}\/%%\{y\}\\\\z"/);
  });

  it("refuses an empty list of mirrors", () => {
    assert.throws(() => providerCliConfig([]), /at least one mirror/);
  });
});

describe("tofuEnv", () => {
  const base = {
    PATH: "/usr/bin",
    TF_CLI_CONFIG_FILE: "/root/.terraformrc",
    TF_CLI_ARGS_plan: "-refresh=false",
    TF_PLUGIN_CACHE_DIR: "/elsewhere",
    CHECKPOINT_TIMEOUT: "5",
  };

  it("names our CLI config, turns off prompts and checkpoint, and drops inherited TF_ settings", () => {
    const env = tofuEnv({ cliConfigFile: "/run/tofu.tfrc", base });
    assert.equal(env.TF_CLI_CONFIG_FILE, "/run/tofu.tfrc");
    assert.equal(env.TF_IN_AUTOMATION, "1");
    assert.equal(env.TF_INPUT, "0");
    assert.equal(env.CHECKPOINT_DISABLE, "1");
    assert.equal(env.PATH, "/usr/bin");
    assert.equal(env.TF_CLI_ARGS_plan, undefined);
    assert.equal(env.TF_PLUGIN_CACHE_DIR, undefined);
    assert.equal(env.CHECKPOINT_TIMEOUT, undefined);
  });

  it("adds extra variables but never lets them replace the CLI config", () => {
    const env = tofuEnv({
      cliConfigFile: "/run/tofu.tfrc",
      base,
      extra: { TF_VAR_name: "x", TF_CLI_CONFIG_FILE: "/evil", TF_INPUT: "1" },
      pluginCacheDir: "/cache/plugins",
    });
    assert.equal(env.TF_VAR_name, "x");
    assert.equal(env.TF_CLI_CONFIG_FILE, "/run/tofu.tfrc");
    assert.equal(env.TF_INPUT, "0");
    assert.equal(env.TF_PLUGIN_CACHE_DIR, "/cache/plugins");
  });
});

describe("provider tools", () => {
  it("are part of the toolchain, at revision 1", () => {
    for (const tool of TOFU_PROVIDERS) {
      assert.ok(TOOLS.includes(tool), tool.name);
      assert.equal(tool.revision, 1);
    }
  });

  it("lay each binary out as HOSTNAME/NAMESPACE/TYPE/VERSION/TARGET/terraform-provider-TYPE_vVERSION", () => {
    const kubernetes = TOFU_PROVIDERS.find((t) => t.name === "tofu-provider-kubernetes");
    assert.ok(kubernetes);
    assert.equal(toolDirName(kubernetes), "tofu-provider-kubernetes-v1.13.4-r1");
    assert.equal(
      binaryRelPath(kubernetes, kubernetes.binaries[0] ?? ""),
      "mirror/registry.opentofu.org/hashicorp/kubernetes/1.13.4/linux_amd64/terraform-provider-kubernetes_v1.13.4",
    );
  });

  it("use a plain release version in the mirror even when the Go module version is a pseudo-version", () => {
    for (const tool of TOFU_PROVIDERS) {
      assert.match(tool.version, /^v\d+\.\d+\.\d+$/, tool.name);
      const version = providerPackageDir(tool).split("/")[3];
      assert.equal(`v${version}`, tool.version);
    }
  });
});

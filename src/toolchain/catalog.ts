// The toolchain Mooring builds for itself from the Go module proxy: the Kubernetes control plane
// that sandboxes run, and the renderers and infrastructure tools the engine calls. Every entry is
// pinned; changing a version or a recipe changes the cache directory, so a stale build is never
// reused.
//
// Three recipes cover every tool:
// - `go-install`: the module installs on its own (`go install pkg@version`).
// - `go-wrapper`: the module's go.mod replaces sibling modules with paths inside its own source
//   tree (Kubernetes' staging modules, etcd's api/client/pkg), which `go install` refuses. We build
//   it from a small wrapper module that points each of those siblings at its published version.
// - `tofu-provider`: an OpenTofu provider plugin, built either way, then laid out as a filesystem
//   mirror that tofu installs providers from with no registry at all (see tofu.ts).

export interface GoInstallRecipe {
  kind: "go-install";
  /** Package paths to install, each at the tool's version. */
  packages: string[];
}

export interface GoWrapperRecipe {
  kind: "go-wrapper";
  /** The module whose go.mod carries the local replace lines. */
  module: string;
  /** Package paths to build from that module. */
  packages: string[];
  /** The published version of a sibling module that the upstream go.mod replaces with a local path. */
  siblingVersion: (toolVersion: string) => string;
  /**
   * The path the module's own go.mod declares, when the proxy serves it under another one. Gitea
   * 1.27 says `module gitea.dev` but is served only as `code.gitea.io/gitea` (gitea.dev answers
   * 403), so the wrapper requires the declared path and replaces it with `module`.
   */
  declaredPath?: string;
}

/**
 * An OpenTofu provider. Its binary is laid out in the tool's folder as an "unpacked" filesystem
 * mirror, `mirror/<host>/<namespace>/<type>/<version>/<os>_<arch>/terraform-provider-<type>_v<version>`,
 * the layout `tofu init` searches (HOSTNAME/NAMESPACE/TYPE/VERSION/TARGET, the executable inside).
 *
 * The provider version (the tool's version, what `required_providers` constraints match) and the
 * Go module version are two things. Providers tag v2.x/v3.x releases on a module path without a
 * /v2 or /v3 suffix, so the Go module proxy cannot serve those tags; a release is reachable only
 * as a pseudo-version of its tagged commit (`v1.3.2-0.20231204135814-c6e90de46687` is the commit
 * of random's v3.6.0 tag), and the proxy here serves only some such versions. Each entry pins
 * both and says which commit is which release.
 */
export interface TofuProviderRecipe {
  kind: "tofu-provider";
  /** Registry host of the provider's address; configurations that say `hashicorp/null` mean this one. */
  host: string;
  namespace: string;
  /** Provider type, e.g. `kubernetes`; the binary is `terraform-provider-<type>`. */
  type: string;
  /** The Go module whose root package is the provider's main package. */
  module: string;
  /** The exact Go module version to build: a tag or the pseudo-version of a release's commit. */
  moduleVersion: string;
  /**
   * `go-install` when the module builds on its own; `go-wrapper` when its go.mod has replace lines
   * (`go install` refuses those), so a wrapper module repeats them.
   */
  build: "go-install" | "go-wrapper";
  /**
   * Modules named in the provider's module graph whose go.mod the proxy no longer serves (dead
   * vanity domains). Old modules (go < 1.17) do not prune their graphs, so every go.mod in it is
   * read even though no package of these is compiled in; the wrapper replaces each with an empty
   * local module.
   */
  stubs?: string[];
}

export type Recipe = GoInstallRecipe | GoWrapperRecipe | TofuProviderRecipe;

export interface Tool {
  /** Short name; also the cache directory prefix. */
  name: string;
  version: string;
  /** Bumped when the recipe or flags change, so an old build is not reused. */
  revision: number;
  recipe: Recipe;
  /** Binaries the build must produce (file names in the tool's bin directory). */
  binaries: string[];
  /** Extra `-X` settings stamped into the binaries, e.g. their reported version. */
  stamps: Record<string, string>;
  /** Build tags. */
  tags: string[];
  /** Arguments that print the tool's version, used to check the installed binary runs. */
  versionArgs: { binary: string; args: string[] };
  /** Data files taken from the tool's module source, concatenated into share/<output>. */
  assets?: { module: string; files: string[]; output: string };
  /** Whole folders copied from the tool's module source into share/<output>/ (Gitea's templates). */
  staticDirs?: { module: string; dirs: string[]; output: string };
}

export const KUBERNETES_VERSION = "v1.36.3";
export const GITEA_VERSION = "v1.27.3";

function kubeVersionStamps(version: string): Record<string, string> {
  const [major, minor] = version.replace(/^v/, "").split(".");
  const stamps: Record<string, string> = {};
  // kube-apiserver answers /version from component-base; client-go's copy is what its clients send.
  for (const pkg of ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"]) {
    stamps[`${pkg}.gitVersion`] = version;
    stamps[`${pkg}.gitMajor`] = major ?? "";
    stamps[`${pkg}.gitMinor`] = minor ?? "";
    stamps[`${pkg}.gitTreeState`] = "clean";
  }
  return stamps;
}

/** The registry host tofu gives providers written as `namespace/type`. */
export const OPENTOFU_REGISTRY = "registry.opentofu.org";
/** Providers are built for the machine that runs tofu; the toolchain only runs on linux/amd64. */
export const PROVIDER_TARGET = "linux_amd64";

/**
 * One provider tool. `version` (the provider release, in the mirror path and the cache folder name)
 * and `moduleVersion` (what the proxy serves) are pinned as a pair: to build another commit, change
 * both, or the cache would keep the old build.
 */
function tofuProvider(spec: {
  type: string;
  version: string;
  module: string;
  moduleVersion: string;
  build: "go-install" | "go-wrapper";
  stubs?: string[];
}): Tool {
  const { type, version, ...rest } = spec;
  return {
    name: `tofu-provider-${type}`,
    version,
    revision: 1,
    recipe: { kind: "tofu-provider", host: OPENTOFU_REGISTRY, namespace: "hashicorp", type, ...rest },
    binaries: [`terraform-provider-${type}_${version}`],
    stamps: {},
    tags: [],
    // A provider prints no version: the build instead checks that it answers tofu's plugin
    // handshake (see install.ts).
    versionArgs: { binary: `terraform-provider-${type}_${version}`, args: [] },
  };
}

/**
 * The providers Stacks can use offline. Newer releases are not to be had: the proxy here answers
 * 403 "This module version is not available" for every kubernetes release after v1.13.4 (v2.x
 * tags, `+incompatible` forms and the pseudo-versions tried), and for the opentofu-namespaced forks.
 */
export const TOFU_PROVIDERS: readonly Tool[] = [
  // The newest kubernetes provider the proxy serves; its go.mod replaces client-go and friends.
  // 1.x names resources without the `_v1` suffix: `kubernetes_config_map`, not `..._v1`.
  tofuProvider({
    type: "kubernetes",
    version: "v1.13.4",
    module: "github.com/hashicorp/terraform-provider-kubernetes",
    moduleVersion: "v1.13.4",
    build: "go-wrapper",
    // kubectl v0.19's go.mod requires it; the domain is long gone and nothing imports it.
    stubs: ["vbom.ml/util"],
  }),
  // null's module path is still github.com/terraform-providers/...; this pseudo-version is the
  // v2.1.2 release commit (April 30, 2019: the commit date is the release date and its CHANGELOG
  // heads with "2.1.2 (April 30, 2019)"). Built on Terraform 0.12's plugin core, protocol 5.
  tofuProvider({
    type: "null",
    version: "v2.1.2",
    module: "github.com/terraform-providers/terraform-provider-null",
    moduleVersion: "v1.0.1-0.20190430203517-8d3d85a60e20",
    build: "go-install",
  }),
  // random's v3.6.0 release commit (December 4, 2023, matched the same way), on
  // terraform-plugin-framework.
  tofuProvider({
    type: "random",
    version: "v3.6.0",
    module: "github.com/terraform-providers/terraform-provider-random",
    moduleVersion: "v1.3.2-0.20231204135814-c6e90de46687",
    build: "go-install",
  }),
  // local's v1.4.0 is a real tag on the old module path, and the newest version found served.
  tofuProvider({
    type: "local",
    version: "v1.4.0",
    module: "github.com/terraform-providers/terraform-provider-local",
    moduleVersion: "v1.4.0",
    build: "go-install",
  }),
];

export const TOOLS: readonly Tool[] = [
  {
    name: "kubernetes",
    version: KUBERNETES_VERSION,
    revision: 2,
    recipe: {
      kind: "go-wrapper",
      module: "k8s.io/kubernetes",
      packages: [
        "k8s.io/kubernetes/cmd/kube-apiserver",
        "k8s.io/kubernetes/cmd/kube-controller-manager",
        "k8s.io/kubernetes/cmd/kube-scheduler",
        // The machine's kubectl may be several minors older than the server; tests and users get
        // one that matches the sandboxes.
        "k8s.io/kubernetes/cmd/kubectl",
      ],
      // Staging module k8s.io/api at Kubernetes v1.36.3 is published as v0.36.3.
      siblingVersion: (v) => v.replace(/^v1\./, "v0."),
    },
    binaries: ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"],
    stamps: kubeVersionStamps(KUBERNETES_VERSION),
    tags: ["selinux", "notest"],
    versionArgs: { binary: "kube-apiserver", args: ["--version"] },
  },
  {
    name: "etcd",
    version: "v3.6.16",
    revision: 1,
    recipe: {
      kind: "go-wrapper",
      module: "go.etcd.io/etcd/server/v3",
      packages: ["go.etcd.io/etcd/server/v3"],
      siblingVersion: (v) => v,
    },
    binaries: ["etcd"],
    stamps: {},
    tags: [],
    versionArgs: { binary: "etcd", args: ["--version"] },
  },
  {
    name: "kwok",
    version: "v0.8.0",
    revision: 1,
    recipe: { kind: "go-install", packages: ["sigs.k8s.io/kwok/cmd/kwok"] },
    binaries: ["kwok"],
    stamps: { "sigs.k8s.io/kwok/pkg/consts.Version": "v0.8.0" },
    tags: [],
    versionArgs: { binary: "kwok", args: ["--version"] },
    // kwok does nothing without Stage definitions: these are the ones kwokctl uses by default —
    // nodes become Ready and keep a Lease; pods become Ready, Job pods complete, deletions finish.
    assets: {
      module: "sigs.k8s.io/kwok",
      files: [
        "kustomize/stage/node/fast/node-initialize.yaml",
        "kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
        "kustomize/stage/pod/fast/pod-ready.yaml",
        "kustomize/stage/pod/fast/pod-complete.yaml",
        "kustomize/stage/pod/fast/pod-delete.yaml",
      ],
      output: "kwok-stages.yaml",
    },
  },
  {
    name: "helm",
    version: "v3.22.0",
    revision: 1,
    recipe: { kind: "go-install", packages: ["helm.sh/helm/v3/cmd/helm"] },
    binaries: ["helm"],
    stamps: { "helm.sh/helm/v3/internal/version.version": "v3.22.0" },
    tags: [],
    versionArgs: { binary: "helm", args: ["version", "--short"] },
  },
  {
    name: "kustomize",
    // v5.8.3 asks for Go 1.27; the machines have 1.26 and GOTOOLCHAIN=local.
    version: "v5.8.2",
    revision: 1,
    recipe: { kind: "go-install", packages: ["sigs.k8s.io/kustomize/kustomize/v5"] },
    binaries: ["kustomize"],
    stamps: {},
    tags: [],
    versionArgs: { binary: "kustomize", args: ["version"] },
  },
  {
    name: "opentofu",
    version: "v1.12.6",
    revision: 2,
    recipe: {
      kind: "go-wrapper",
      module: "github.com/opentofu/opentofu",
      packages: ["github.com/opentofu/opentofu/cmd/tofu"],
      siblingVersion: (v) => v,
    },
    binaries: ["tofu"],
    // Without this the binary calls itself a "-dev" build.
    stamps: { "github.com/opentofu/opentofu/version.dev": "no" },
    tags: [],
    versionArgs: { binary: "tofu", args: ["version"] },
  },
  {
    // The forge that webhook and pull-request-preview tests push to (src/sandbox/gitea.ts).
    name: "gitea",
    version: GITEA_VERSION,
    revision: 1,
    recipe: {
      kind: "go-wrapper",
      module: "code.gitea.io/gitea",
      declaredPath: "gitea.dev",
      // The main package is the module root.
      packages: ["gitea.dev"],
      // Gitea's replaces point at published forks, never at local paths: nothing to re-point.
      siblingVersion: (v) => v,
    },
    binaries: ["gitea"],
    // Without it the binary and /api/v1/version say "development".
    stamps: { "main.Version": GITEA_VERSION.replace(/^v/, "") },
    // 1.27's default SQLite driver is pure Go (modernc.org/sqlite), so CGO_ENABLED=0 keeps SQLite;
    // the old `sqlite sqlite_unlock_notify` tags select nothing now, and `bindata` needs generated
    // files the module zip lacks, so templates, locales and images are read from disk instead.
    tags: [],
    versionArgs: { binary: "gitea", args: ["--version"] },
    // Gitea's STATIC_ROOT_PATH: templates/, options/ (locales, licences) and public/ (images; the
    // web UI's JS/CSS bundle is never built, the API and git over HTTP do not need it).
    staticDirs: { module: "code.gitea.io/gitea", dirs: ["templates", "options", "public"], output: "gitea" },
  },
  {
    // Renders Jsonnet sources (Argo CD's `directory.jsonnet`): go-jsonnet, the maintained
    // implementation, run confined like the other renderers.
    name: "jsonnet",
    version: "v0.22.0",
    revision: 1,
    recipe: { kind: "go-install", packages: ["github.com/google/go-jsonnet/cmd/jsonnet"] },
    binaries: ["jsonnet"],
    stamps: {},
    tags: [],
    versionArgs: { binary: "jsonnet", args: ["--version"] },
  },
  {
    // The CNCF distribution registry: the OCI registry tests push charts to with `helm push`.
    name: "registry",
    version: "v3.1.2",
    revision: 1,
    recipe: { kind: "go-install", packages: ["github.com/distribution/distribution/v3/cmd/registry"] },
    binaries: ["registry"],
    stamps: { "github.com/distribution/distribution/v3/version.version": "v3.1.2" },
    tags: [],
    versionArgs: { binary: "registry", args: ["--version"] },
  },
  ...TOFU_PROVIDERS,
];

export function findTool(name: string): Tool {
  const tool = TOOLS.find((t) => t.name === name);
  if (!tool) throw new Error(`unknown tool "${name}"; known tools: ${TOOLS.map((t) => t.name).join(", ")}`);
  return tool;
}

/** The directory name of one build of a tool inside the toolchain cache. */
export function toolDirName(tool: Tool): string {
  return `${tool.name}-${tool.version}-r${tool.revision}`;
}

/** Linker flags for a tool: strip debug info and stamp its version strings. */
export function ldflags(tool: Tool): string {
  const parts = ["-s", "-w"];
  for (const [symbol, value] of Object.entries(tool.stamps)) parts.push(`-X ${symbol}=${value}`);
  return parts.join(" ");
}

/** Where a binary sits inside its tool's folder: `bin/`, or for a provider its place in the mirror. */
export function binaryRelPath(tool: Tool, binary: string): string {
  const recipe = tool.recipe;
  if (recipe.kind !== "tofu-provider") return `bin/${binary}`;
  return `${PROVIDER_MIRROR_DIR}/${providerPackageDir(tool)}/${binary}`;
}

/** The folder inside a provider tool's folder that tofu's filesystem_mirror points at. */
export const PROVIDER_MIRROR_DIR = "mirror";

/**
 * HOSTNAME/NAMESPACE/TYPE/VERSION/TARGET of a provider inside its mirror. VERSION is the provider's
 * release version without the "v" (tofu parses the folder name as a version), never the Go module
 * version, which may be a pseudo-version.
 */
export function providerPackageDir(tool: Tool): string {
  const recipe = tool.recipe;
  if (recipe.kind !== "tofu-provider") throw new Error(`${tool.name} is not an OpenTofu provider`);
  const version = tool.version.replace(/^v/, "");
  return [recipe.host, recipe.namespace, recipe.type, version, PROVIDER_TARGET].join("/");
}

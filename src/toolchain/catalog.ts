// The toolchain Mooring builds for itself from the Go module proxy: the Kubernetes control plane
// that sandboxes run, and the renderers and infrastructure tools the engine calls. Every entry is
// pinned; changing a version or a recipe changes the cache directory, so a stale build is never
// reused.
//
// Two recipes cover every tool:
// - `go-install`: the module installs on its own (`go install pkg@version`).
// - `go-wrapper`: the module's go.mod replaces sibling modules with paths inside its own source
//   tree (Kubernetes' staging modules, etcd's api/client/pkg), which `go install` refuses. We build
//   it from a small wrapper module that points each of those siblings at its published version.

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
}

export type Recipe = GoInstallRecipe | GoWrapperRecipe;

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
}

export const KUBERNETES_VERSION = "v1.36.3";

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

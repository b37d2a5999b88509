// The controller's limits on what one repository, one render and one Stack may cost it. Whoever
// may push to a repository an Application reads can make it as large as they like: a 50 MB
// manifest, a render of 100,000 objects, a chart whose template loops forever printing. Without a
// bound, one such commit exhausts the controller's memory or disk and stops every other
// tenant's syncs. Each limit fails the one Application or Stack with an error naming the limit
// and the flag that raises it; the controller carries on.

export interface Limits {
  /** Bytes one repository's checkout may hold (its files at one commit). */
  maxRepoBytes: number;
  /** Bytes one manifest file may hold. */
  maxManifestFileBytes: number;
  /** Bytes of manifests one render may read or produce (files, or helm/kustomize output). */
  maxRenderBytes: number;
  /** Objects one render may produce. */
  maxRenderObjects: number;
  /** Bytes read from one child process (git, helm, kustomize, tofu) before it is stopped. */
  maxOutputBytes: number;
  /** Disk the git cache and Stack run folders may fill before the least recently used go. */
  diskBudgetBytes: number;
  /** Longest `spec.timeout` a Stack may ask for. */
  maxStackTimeoutMs: number;
}

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/** Every limit, with the value used when the controller is started without its flag. */
export function defaultLimits(given: Partial<Limits> = {}): Limits {
  return {
    maxRepoBytes: given.maxRepoBytes ?? 2 * GIB,
    maxManifestFileBytes: given.maxManifestFileBytes ?? 10 * MIB,
    maxRenderBytes: given.maxRenderBytes ?? 100 * MIB,
    maxRenderObjects: given.maxRenderObjects ?? 10_000,
    maxOutputBytes: given.maxOutputBytes ?? 100 * MIB,
    diskBudgetBytes: given.diskBudgetBytes ?? 10 * GIB,
    maxStackTimeoutMs: given.maxStackTimeoutMs ?? 2 * 60 * 60 * 1000,
  };
}

/** The controller flag that sets each limit, for messages that say what to do. */
export const LIMIT_FLAGS: Record<keyof Limits, string> = {
  maxRepoBytes: "--max-repo-size",
  maxManifestFileBytes: "--max-manifest-size",
  maxRenderBytes: "--max-render-size",
  maxRenderObjects: "--max-render-objects",
  maxOutputBytes: "--max-output-size",
  diskBudgetBytes: "--disk-budget",
  maxStackTimeoutMs: "--max-stack-timeout",
};

const BYTE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1000,
  kb: 1000,
  m: 1000 ** 2,
  mb: 1000 ** 2,
  g: 1000 ** 3,
  gb: 1000 ** 3,
  ki: 1024,
  kib: 1024,
  mi: MIB,
  mib: MIB,
  gi: GIB,
  gib: GIB,
  ti: 1024 * GIB,
  tib: 1024 * GIB,
};

/** Bytes from a size as Kubernetes quantities and people write it ("10Mi", "1.5GiB", "500MB"); null when invalid. */
export function parseByteSize(text: string | undefined): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text ?? "");
  if (!match) return null;
  const unit = BYTE_UNITS[(match[2] ?? "").toLowerCase()];
  if (unit === undefined) return null;
  return Math.floor(Number(match[1]) * unit);
}

/** A size for messages: "10 MiB", "1.5 GiB", "512 bytes". */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ["TiB", 1024 * GIB],
    ["GiB", GIB],
    ["MiB", MIB],
    ["KiB", 1024],
  ] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} bytes`;
}

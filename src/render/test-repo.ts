// Test support: throwaway repository trees written file by file, standing in for a checkout.
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { RenderInput } from "./render.ts";

/** A tree to write: file path → content, or `{ link }` for a symlink pointing at `link`. */
export type Tree = Record<string, string | { link: string }>;

export interface TestRepo {
  /** A scratch folder holding the repository and anything "outside" it. */
  scratch: string;
  /** The repository root (scratch/repo). */
  root: string;
  write(tree: Tree, under?: string): Promise<void>;
  /** Every file below the root with its content, to prove a render changed nothing. */
  snapshot(): Promise<Record<string, string>>;
  remove(): Promise<void>;
}

export async function makeRepo(tree: Tree = {}): Promise<TestRepo> {
  const scratch = await mkdtemp(join(tmpdir(), "mooring-render-test-"));
  const root = join(scratch, "repo");
  await mkdir(root);
  const write = async (files: Tree, under = root) => {
    for (const [path, content] of Object.entries(files)) {
      const full = join(under, path);
      await mkdir(dirname(full), { recursive: true });
      if (typeof content === "string") await writeFile(full, content);
      else await symlink(content.link, full);
    }
  };
  await write(tree);
  return {
    scratch,
    root,
    write,
    snapshot: async () => {
      const files: Record<string, string> = {};
      for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
        if (!entry.isFile()) continue;
        const full = join(entry.parentPath, entry.name);
        files[full.slice(root.length + 1)] = await readFile(full, "utf8");
      }
      return files;
    },
    remove: () => rm(scratch, { recursive: true, force: true }),
  };
}

/** A render input for `repo` with a typical destination; `overrides` replace fields. */
export function inputFor(repo: TestRepo, overrides: Partial<RenderInput> = {}): RenderInput {
  return {
    repoDir: repo.root,
    source: { repoURL: "https://git.example.com/shop.git", path: "." },
    appName: "shop",
    destinationNamespace: "shop",
    kubeVersion: "v1.36.3",
    apiVersions: ["v1", "apps/v1"],
    ...overrides,
  };
}

/** The `Kind/name` of each object, the shortest way to compare render results in tests. */
export function names(objects: { kind: string; metadata: { name?: string } }[]): string[] {
  return objects.map((o) => `${o.kind}/${o.metadata.name}`);
}

export function configMap(name: string, data: Record<string, string> = {}): string {
  const lines = Object.entries(data).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}\n`);
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${lines.join("") || "  {}\n"}`;
}

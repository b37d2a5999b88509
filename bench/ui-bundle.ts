// 12c. The web UI's bundle size: every JavaScript and CSS file `vite build ui` wrote to ui/dist
// (what a browser downloads on its first visit; index.html is under 1 KB and left out), raw and
// gzipped with zlib at its default level (as a server or CDN compresses it). Goal from issue 10:
// under 250 KB gzipped. Measures the bundle that is there: build it first (`npm ci` does).
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { type Row, round } from "./report.ts";

const DIST = fileURLToPath(new URL("../ui/dist/", import.meta.url));
export const BUNDLE_GOAL_KB = 250;

export interface BundleSize {
  files: { name: string; raw: number; gzip: number }[];
  raw: number;
  gzip: number;
}

export async function bundleSize(dist = DIST): Promise<BundleSize> {
  const assets = join(dist, "assets");
  const names = (await readdir(assets).catch(() => [] as string[])).filter((n) => /\.(js|css)$/.test(n));
  if (names.length === 0)
    throw new Error(`no JavaScript or CSS in ${assets}: build the UI first with \`npx vite build ui\``);
  const files = [];
  for (const name of names.sort()) {
    const bytes = await readFile(join(assets, name));
    files.push({ name, raw: bytes.length, gzip: gzipSync(bytes).length });
  }
  return {
    files,
    raw: files.reduce((sum, f) => sum + f.raw, 0),
    gzip: files.reduce((sum, f) => sum + f.gzip, 0),
  };
}

export async function uiBundle(): Promise<Row[]> {
  const size = await bundleSize();
  const kb = (bytes: number) => round(bytes / 1024);
  const details = { files: size.files.map((f) => ({ name: f.name, rawKB: kb(f.raw), gzipKB: kb(f.gzip) })) };
  return [
    {
      benchmark: "12c. UI bundle, gzipped (JS + CSS)",
      unit: "KB",
      median: kb(size.gzip),
      goal: `< ${BUNDLE_GOAL_KB} KB`,
      met: kb(size.gzip) < BUNDLE_GOAL_KB,
      runs: 1,
      details,
      note: `${size.files.length} files, ${kb(size.raw)} KB raw; gzipped is ${round((size.gzip / size.raw) * 100)} % of raw`,
    },
    { benchmark: "12c. UI bundle, raw (JS + CSS)", unit: "KB", median: kb(size.raw), goal: "", runs: 1 },
  ];
}

// The core computes; it never touches the network, disk, clock or processes (ARCHITECTURE.md).
// This test keeps it that way: core source files may import only other core files and a short
// list of pure libraries. Tests beside the code may read fixtures from disk.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { it } from "node:test";
import { fileURLToPath } from "node:url";

const CORE = dirname(fileURLToPath(import.meta.url));
const PURE_PACKAGES = new Set(["@marcbachmann/cel-js", "yaml"]);
const CLOCK = /\bDate\.now\(|new Date\(\)|performance\.now\(|Math\.random\(/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "fixtures" ? [] : sourceFiles(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

it("core source files import nothing but core files and pure libraries, and read no clock", () => {
  const problems: string[] = [];
  for (const file of sourceFiles(CORE)) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/^(?:import|export)[^"']*from\s+["']([^"']+)["']/gm)) {
      const spec = match[1] ?? "";
      const name = relative(CORE, file);
      if (spec.startsWith(".")) {
        const target = relative(CORE, resolve(dirname(file), spec));
        if (target.startsWith("..")) problems.push(`${name} imports ${spec}, outside src/core`);
      } else if (!PURE_PACKAGES.has(spec)) {
        problems.push(`${name} imports ${spec}`);
      }
    }
    if (CLOCK.test(text)) problems.push(`${relative(CORE, file)} reads the clock or randomness; pass it in`);
  }
  assert.deepEqual(problems, []);
});

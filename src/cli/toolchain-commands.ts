// `moor toolchain install|list`: build the Kubernetes control plane, kwok, helm, kustomize and
// OpenTofu from the Go module proxy into the versioned cache (see src/toolchain/).
import { TOOLS } from "../toolchain/catalog.ts";
import { DEBIAN_PACKAGES, ensureDebianPackages } from "../toolchain/debian.ts";
import {
  type InstalledTool,
  type InstallReporter,
  installedTool,
  installToolchain,
} from "../toolchain/install.ts";
import { toolDir } from "../toolchain/paths.ts";
import { type Command, EXIT, outputOption, stringValue } from "./command.ts";
import { parseOutputFormat, renderStructured, renderTable, UsageError } from "./output.ts";
import { createProgress, type Progress } from "./progress.ts";

/** Shows a toolchain build as progress steps: one line per tool, the current build step live. */
export function progressReporter(progress: Progress): InstallReporter {
  return {
    toolStarted: (tool) => progress.step(`${tool.name} ${tool.version}: checking the cache`),
    toolStep: (tool, step) => progress.step(`${tool.name} ${tool.version}: ${step}`),
    toolFinished: (tool, result) =>
      progress.done(
        `${tool.name} ${tool.version}: ${result.cached ? "cached" : `built in ${result.seconds.toFixed(0)}s`}`,
      ),
  };
}

function printInstalled(results: InstalledTool[], format: string | undefined): void {
  const output = parseOutputFormat(format);
  if (output === "json" || output === "yaml") {
    process.stdout.write(`${renderStructured(results, output)}\n`);
    return;
  }
  const rows = results.flatMap((r) =>
    Object.entries(r.binaries).map(([binary, path]) => ({ ...r, binary, path })),
  );
  process.stdout.write(
    `${renderTable(rows, [
      { header: "TOOL", value: (r) => r.name },
      { header: "VERSION", value: (r) => r.version },
      { header: "BINARY", value: (r) => r.binary },
      { header: "REPORTS", value: (r) => r.reportedVersion },
      { header: "PATH", value: (r) => r.path },
    ])}\n`,
  );
}

export const toolchainCommands: Command[] = [
  {
    path: ["toolchain", "install"],
    usage: "moor toolchain install [--only TOOL,...] [-o table|json|yaml]",
    summary:
      "build the toolchain (Kubernetes, etcd, kwok, helm, kustomize, OpenTofu) into the cache; seconds when warm",
    options: { only: { type: "string" }, ...outputOption },
    run: async (values) => {
      const only = stringValue(values, "only")?.split(",").filter(Boolean);
      const unknown = only?.filter((name) => !TOOLS.some((t) => t.name === name)) ?? [];
      if (unknown.length > 0) {
        throw new UsageError(
          `unknown tool ${unknown.join(", ")}; known tools: ${TOOLS.map((t) => t.name).join(", ")}`,
        );
      }
      const progress = createProgress();
      progress.step(`Debian packages: ${DEBIAN_PACKAGES.join(", ")}`);
      const added = await ensureDebianPackages();
      progress.done(`Debian packages: ${added.length ? `installed ${added.join(", ")}` : "present"}`);
      const started = Date.now();
      const results = await installToolchain({
        ...(only ? { tools: only } : {}),
        reporter: progressReporter(progress),
      });
      progress.info(`toolchain ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      printInstalled(results, stringValue(values, "output"));
      return EXIT.ok;
    },
  },
  {
    path: ["toolchain", "list"],
    usage: "moor toolchain list [-o table|json|yaml]",
    summary: "show which tools are installed in the cache, with their versions",
    options: { ...outputOption },
    run: async (values) => {
      const output = parseOutputFormat(stringValue(values, "output"));
      const rows = await Promise.all(
        TOOLS.map(async (tool) => ({ tool, installed: await installedTool(tool), dir: toolDir(tool) })),
      );
      if (output === "json" || output === "yaml") {
        const data = rows.map((r) => ({
          name: r.tool.name,
          version: r.tool.version,
          installed: r.installed !== null,
          reportedVersion: r.installed?.reportedVersion ?? null,
          dir: r.dir,
        }));
        process.stdout.write(`${renderStructured(data, output)}\n`);
      } else {
        process.stdout.write(
          `${renderTable(rows, [
            { header: "TOOL", value: (r) => r.tool.name },
            { header: "VERSION", value: (r) => r.tool.version },
            { header: "INSTALLED", value: (r) => (r.installed ? "yes" : "no") },
            { header: "REPORTS", value: (r) => r.installed?.reportedVersion ?? "" },
          ])}\n`,
        );
      }
      return rows.every((r) => r.installed) ? EXIT.ok : EXIT.failed;
    },
  },
];

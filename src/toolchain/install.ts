// Builds the toolchain from the Go module proxy into the versioned cache, once per machine.
// A tool counts as installed when its folder holds a manifest written after the build and the
// version check succeeded; builds happen in a scratch folder that is renamed into place, so an
// interrupted build never leaves a half-installed tool behind.
//
// OpenTofu providers are tools too: built the same ways, then put where a filesystem mirror
// expects them (`mirror/<host>/<namespace>/<type>/<version>/<target>/`), and checked by tofu's
// plugin handshake instead of a version flag.
import { createWriteStream, existsSync } from "node:fs";
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { CommandError, runChecked, runCommand } from "../util/exec.ts";
import {
  binaryRelPath,
  ldflags,
  PROVIDER_MIRROR_DIR,
  providerPackageDir,
  TOOLS,
  type TofuProviderRecipe,
  type Tool,
  toolDirName,
} from "./catalog.ts";
import {
  extraStubDir,
  parseGoMod,
  planWrapper,
  renderToolsFile,
  renderWrapperGoMod,
  stubDir,
  wrapperGoVersion,
} from "./gomod.ts";
import { toolchainRoot, toolDir } from "./paths.ts";

export interface InstalledTool {
  name: string;
  version: string;
  /** Absolute path of each binary, by name. */
  binaries: Record<string, string>;
  /** First line the tool prints about its own version. */
  reportedVersion: string;
  /** True when the build was found in the cache. */
  cached: boolean;
  /** Seconds this call spent on the tool (the build, or the cache check). */
  seconds: number;
}

/** What the installer tells its caller while it works; the CLI turns it into a progress display. */
export interface InstallReporter {
  toolStarted(tool: Tool, step: string): void;
  toolStep(tool: Tool, step: string): void;
  toolFinished(tool: Tool, result: InstalledTool): void;
}

export const silentReporter: InstallReporter = {
  toolStarted: () => {},
  toolStep: () => {},
  toolFinished: () => {},
};

export class ToolchainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ToolchainError";
  }
}

interface Manifest {
  name: string;
  version: string;
  revision: number;
  reportedVersion: string;
  builtAt: string;
  buildSeconds: number;
  /** For providers: the Go module and exact module version the binary was built from. */
  source?: string;
}

const MANIFEST = "manifest.json";

/** Reads the manifest of an installed tool, or null when it is not (completely) installed. */
export async function installedTool(tool: Tool, env = process.env): Promise<InstalledTool | null> {
  const dir = toolDir(tool, env);
  const manifestPath = join(dir, MANIFEST);
  if (!existsSync(manifestPath)) return null;
  const binaries = binaryPaths(tool, dir);
  if (!Object.values(binaries).every((p) => existsSync(p))) return null;
  const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as Manifest;
  return {
    name: tool.name,
    version: tool.version,
    binaries,
    reportedVersion: manifest.reportedVersion,
    cached: true,
    seconds: 0,
  };
}

/** Installs the named tools (default: all), building those not in the cache. */
export async function installToolchain(
  options: { tools?: readonly string[]; reporter?: InstallReporter; env?: NodeJS.ProcessEnv } = {},
): Promise<InstalledTool[]> {
  const env = options.env ?? process.env;
  const reporter = options.reporter ?? silentReporter;
  const wanted = options.tools ? TOOLS.filter((t) => options.tools?.includes(t.name)) : TOOLS;
  const results: InstalledTool[] = [];
  let goChecked = false;
  for (const tool of wanted) {
    const started = Date.now();
    reporter.toolStarted(tool, "checking cache");
    const cached = await installedTool(tool, env);
    if (cached) {
      const result = { ...cached, seconds: (Date.now() - started) / 1000 };
      reporter.toolFinished(tool, result);
      results.push(result);
      continue;
    }
    if (!goChecked) {
      await checkGo(env);
      goChecked = true;
    }
    const result = await buildTool(tool, env, (step) => reporter.toolStep(tool, step));
    result.seconds = (Date.now() - started) / 1000;
    reporter.toolFinished(tool, result);
    results.push(result);
  }
  return results;
}

async function checkGo(env: NodeJS.ProcessEnv): Promise<void> {
  const result = await runCommand("go", ["version"], { env });
  if (result.code !== 0) {
    throw new ToolchainError(
      "the toolchain is built from the Go module proxy, but `go` was not found on PATH; install Go 1.26 or newer and run `moor toolchain install` again",
    );
  }
}

function binaryPaths(tool: Tool, dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const b of tool.binaries) out[b] = join(dir, binaryRelPath(tool, b));
  return out;
}

async function buildTool(
  tool: Tool,
  env: NodeJS.ProcessEnv,
  step: (s: string) => void,
): Promise<InstalledTool> {
  const root = toolchainRoot(env);
  const scratch = join(root, `.build-${toolDirName(tool)}-${process.pid}`);
  await rm(scratch, { recursive: true, force: true });
  await mkdir(join(scratch, "bin"), { recursive: true });
  const logPath = join(root, `${toolDirName(tool)}.build.log`);
  const log = createWriteStream(logPath);
  const goEnv: NodeJS.ProcessEnv = { ...env, CGO_ENABLED: "0" };
  const go = async (args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}) => {
    log.write(`$ go ${args.join(" ")}\n`);
    try {
      return await runChecked("go", args, {
        cwd,
        env: { ...goEnv, ...extraEnv },
        onOutput: (chunk) => log.write(chunk),
      });
    } catch (err) {
      if (err instanceof CommandError) {
        throw new ToolchainError(
          `building ${tool.name} ${tool.version} failed (full log: ${logPath}):\n${err.message}`,
        );
      }
      throw err;
    }
  };
  const started = Date.now();
  try {
    const recipe = tool.recipe;
    let reportedVersion: string;
    let source: string | undefined;
    if (recipe.kind === "tofu-provider") {
      await buildProvider(tool, recipe, scratch, go, step, env);
      step("checking the provider answers tofu's plugin handshake");
      const protocol = await providerHandshake(join(scratch, binaryRelPath(tool, tool.binaries[0] ?? "")));
      source = `${recipe.module}@${recipe.moduleVersion}`;
      reportedVersion = `${recipe.namespace}/${recipe.type} ${tool.version.replace(/^v/, "")}, plugin protocol ${protocol}, from ${source}`;
    } else {
      if (recipe.kind === "go-install") {
        for (const pkg of recipe.packages) {
          step(`go install ${pkg}@${tool.version}`);
          await go(goBuildFlags(tool, ["install"]).concat(`${pkg}@${tool.version}`), scratch, {
            GOBIN: join(scratch, "bin"),
          });
        }
      } else {
        await buildWrapper(tool, recipe, tool.version, tool.binaries, scratch, go, step, env);
      }
      if (tool.assets) {
        step("collecting data files");
        await collectAssets(tool, tool.assets, scratch, go);
      }
      if (tool.staticDirs) {
        step(`copying ${tool.staticDirs.dirs.join(", ")} from the module source`);
        await copyStaticDirs(tool, tool.staticDirs, scratch, go);
      }
      step("checking the binary runs");
      const { binary, args } = tool.versionArgs;
      const check = await runChecked(join(scratch, "bin", binary), args, { timeoutMs: 30_000 });
      reportedVersion = versionLine(`${check.stdout}\n${check.stderr}`);
    }
    const manifest: Manifest = {
      name: tool.name,
      version: tool.version,
      revision: tool.revision,
      reportedVersion,
      builtAt: new Date().toISOString(),
      buildSeconds: (Date.now() - started) / 1000,
      ...(source ? { source } : {}),
    };
    // Only the final folder's contents matter: drop the wrapper module and stubs.
    const final = toolDir(tool, env);
    const staged = join(scratch, "install");
    await mkdir(staged, { recursive: true });
    for (const part of ["bin", "share", PROVIDER_MIRROR_DIR]) {
      if (existsSync(join(scratch, part))) await rename(join(scratch, part), join(staged, part));
    }
    await writeFile(join(staged, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    await rm(final, { recursive: true, force: true });
    await rename(staged, final);
    return {
      name: tool.name,
      version: tool.version,
      binaries: binaryPaths(tool, final),
      reportedVersion,
      cached: false,
      seconds: 0,
    };
  } finally {
    log.end();
    await rm(scratch, { recursive: true, force: true });
  }
}

type GoRunner = (args: string[], cwd: string, extraEnv?: NodeJS.ProcessEnv) => Promise<{ stdout: string }>;

function goBuildFlags(tool: Tool, verb: string[]): string[] {
  const flags = [...verb, "-trimpath", `-ldflags=${ldflags(tool)}`];
  if (tool.tags.length > 0) flags.push(`-tags=${tool.tags.join(",")}`);
  return flags;
}

interface ModuleInfo {
  Path: string;
  Version: string;
  Dir?: string;
  GoMod?: string;
  Error?: string;
}

/** `go mod download -json` prints one JSON object per module, with Error set on failures. */
async function downloadModules(modules: readonly string[], cwd: string, env: NodeJS.ProcessEnv) {
  const result = await runCommand("go", ["mod", "download", "-json", ...modules], { cwd, env });
  const infos: ModuleInfo[] = [];
  let depth = 0;
  let start = 0;
  const text = result.stdout;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "{") {
      if (depth === 0) start = i;
      depth++;
    } else if (text[i] === "}") {
      depth--;
      if (depth === 0) infos.push(JSON.parse(text.slice(start, i + 1)) as ModuleInfo);
    }
  }
  return { infos, result };
}

/** What a wrapper build needs to know: the module, its main packages, and how to find siblings. */
interface WrapperSpec {
  module: string;
  packages: readonly string[];
  siblingVersion: (moduleVersion: string) => string;
  stubs?: readonly string[];
  declaredPath?: string;
}

/** Builds `spec.packages` of `spec.module@moduleVersion` into scratch/bin/<outputs[i]>. */
async function buildWrapper(
  tool: Tool,
  recipe: WrapperSpec,
  moduleVersion: string,
  outputs: readonly string[],
  scratch: string,
  go: GoRunner,
  step: (s: string) => void,
  baseEnv: NodeJS.ProcessEnv,
): Promise<void> {
  const env = { ...baseEnv, CGO_ENABLED: "0" };
  step(`downloading ${recipe.module}@${moduleVersion}`);
  const { infos, result } = await downloadModules([`${recipe.module}@${moduleVersion}`], scratch, env);
  const main = infos[0];
  if (!main?.Dir || main.Error) {
    throw new ToolchainError(
      `the Go module proxy did not serve ${recipe.module}@${moduleVersion}: ${main?.Error ?? result.stderr.trim()}`,
    );
  }
  const upstream = parseGoMod(await readFile(join(main.Dir, "go.mod"), "utf8"));
  const plan = planWrapper(upstream);
  const siblingVersion = recipe.siblingVersion(moduleVersion);
  if (plan.siblings.length > 0)
    step(`resolving ${plan.siblings.length} sibling modules at ${siblingVersion}`);
  const siblings = await downloadModules(
    plan.siblings.map((s) => `${s}@${siblingVersion}`),
    scratch,
    env,
  );
  const unpublished = new Set(siblings.infos.filter((i) => i.Error).map((i) => i.Path));
  const goVersion = wrapperGoVersion(upstream.go);
  for (const [index, sibling] of plan.siblings.entries()) {
    if (!unpublished.has(sibling)) continue;
    const dir = join(scratch, stubDir(index));
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "go.mod"), `module ${sibling}\n\ngo ${goVersion}\n`);
  }
  const stubs = recipe.stubs ?? [];
  for (const [index, module] of stubs.entries()) {
    const dir = join(scratch, extraStubDir(index));
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "go.mod"), `module ${module}\n\ngo ${goVersion}\n`);
  }
  const goMod = renderWrapperGoMod({
    toolModule: recipe.module,
    toolVersion: moduleVersion,
    goVersion,
    siblings: plan.siblings,
    siblingVersion,
    unpublished,
    copied: plan.copied,
    stubs,
    ...(recipe.declaredPath ? { declaredPath: recipe.declaredPath } : {}),
  });
  await writeFile(join(scratch, "go.mod"), goMod);
  await writeFile(join(scratch, "tools.go"), renderToolsFile(recipe.packages));
  // The upstream's own go.sum holds the hashes its maintainers checked in for every dependency.
  // Seeding the wrapper with it means `go mod tidy` verifies downloads against those hashes and
  // asks the checksum database only for modules the upstream did not list: the database does not
  // answer for every module the proxy serves (gitea.dev/sdk v1.1.0 was 404 there in 2026-12).
  const upstreamSums = join(main.Dir, "go.sum");
  if (existsSync(upstreamSums))
    await writeFile(join(scratch, "go.sum"), await readFile(upstreamSums, "utf8"));
  step("go mod tidy");
  await go(["mod", "tidy"], scratch);
  for (const [index, pkg] of recipe.packages.entries()) {
    const binary = outputs[index] ?? "";
    step(`go build ${binary} (${index + 1}/${recipe.packages.length})`);
    await go(goBuildFlags(tool, ["build"]).concat("-o", join(scratch, "bin", binary), pkg), scratch);
  }
}

/** Builds a provider into scratch/bin, then moves it to its place in scratch/mirror. */
async function buildProvider(
  tool: Tool,
  recipe: TofuProviderRecipe,
  scratch: string,
  go: GoRunner,
  step: (s: string) => void,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const binary = tool.binaries[0];
  if (!binary) throw new ToolchainError(`${tool.name} names no binary`);
  let built: string;
  if (recipe.build === "go-install") {
    step(`go install ${recipe.module}@${recipe.moduleVersion}`);
    await go(goBuildFlags(tool, ["install"]).concat(`${recipe.module}@${recipe.moduleVersion}`), scratch, {
      GOBIN: join(scratch, "bin"),
    });
    built = join(scratch, "bin", basename(recipe.module));
  } else {
    await buildWrapper(
      tool,
      {
        module: recipe.module,
        packages: [recipe.module],
        siblingVersion: (v) => v,
        ...(recipe.stubs ? { stubs: recipe.stubs } : {}),
      },
      recipe.moduleVersion,
      [binary],
      scratch,
      go,
      step,
      env,
    );
    built = join(scratch, "bin", binary);
  }
  const placed = join(scratch, binaryRelPath(tool, binary));
  await mkdir(join(scratch, PROVIDER_MIRROR_DIR, providerPackageDir(tool)), { recursive: true });
  await rename(built, placed);
  await rm(join(scratch, "bin"), { recursive: true, force: true });
}

/**
 * The value tofu puts in TF_PLUGIN_MAGIC_COOKIE when it starts a provider (HashiCorp's go-plugin
 * handshake; OpenTofu keeps it). Without it a provider prints "This binary is a plugin" and exits.
 */
const TF_PLUGIN_MAGIC_COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/**
 * Starts the provider the way tofu does and reads its handshake line,
 * `<core version>|<protocol>|<network>|<address>|<transport>|`, which proves the binary runs and
 * speaks a protocol tofu accepts (5 or 6) over grpc. A provider serves until stopped, so it is
 * killed after 3 seconds (the handshake takes milliseconds); its socket goes into a private temp
 * folder that is removed afterwards.
 */
async function providerHandshake(binary: string): Promise<string> {
  // Not inside the scratch folder: a unix socket path must stay under 108 bytes.
  const tmp = await mkdtemp(join(tmpdir(), "moor-plugin-"));
  const result = await runCommand(binary, [], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: tmp,
      TMPDIR: tmp,
      TF_PLUGIN_MAGIC_COOKIE,
      // What tofu offers; old SDK providers fall back to protocol 4 (netrpc) without it.
      PLUGIN_PROTOCOL_VERSIONS: "5,6",
    },
    timeoutMs: 3000,
  }).finally(() => rm(tmp, { recursive: true, force: true }));
  const line = result.stdout.split("\n").find((l) => /^\d+\|\d+\|/.test(l.trim()));
  const [, protocol, , , transport] = (line ?? "").trim().split("|");
  if (!line || (protocol !== "5" && protocol !== "6") || transport !== "grpc") {
    const said = `${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-5).join("\n");
    throw new ToolchainError(
      `${binary} did not answer tofu's plugin handshake with protocol 5 or 6 over grpc${said ? `:\n${said}` : ""}`,
    );
  }
  return protocol;
}

async function collectAssets(
  tool: Tool,
  assets: NonNullable<Tool["assets"]>,
  scratch: string,
  go: GoRunner,
): Promise<void> {
  const module = assets.module;
  const { stdout } = await go(["mod", "download", "-json", `${module}@${tool.version}`], scratch);
  const info = JSON.parse(stdout) as ModuleInfo;
  if (!info.Dir) throw new ToolchainError(`could not locate the source of ${module}@${tool.version}`);
  const parts: string[] = [];
  for (const file of assets.files) {
    parts.push(
      `# from ${module}@${tool.version}/${file}\n${(await readFile(join(info.Dir, file), "utf8")).trim()}\n`,
    );
  }
  await mkdir(join(scratch, "share"), { recursive: true });
  await writeFile(join(scratch, "share", assets.output), parts.join("---\n"));
}

/**
 * Copies whole folders of the module source into share/<output>/. The module cache keeps its
 * files read-only; the copies are made writable so the cache folder can be replaced later.
 */
async function copyStaticDirs(
  tool: Tool,
  staticDirs: NonNullable<Tool["staticDirs"]>,
  scratch: string,
  go: GoRunner,
): Promise<void> {
  const module = staticDirs.module;
  const { stdout } = await go(["mod", "download", "-json", `${module}@${tool.version}`], scratch);
  const info = JSON.parse(stdout) as ModuleInfo;
  if (!info.Dir) throw new ToolchainError(`could not locate the source of ${module}@${tool.version}`);
  const target = join(scratch, "share", staticDirs.output);
  for (const dir of staticDirs.dirs) {
    await cp(join(info.Dir, dir), join(target, dir), { recursive: true });
  }
  await makeWritable(target);
}

async function makeWritable(path: string): Promise<void> {
  const entries = await readdir(path, { withFileTypes: true, recursive: true });
  await chmod(path, 0o755);
  for (const entry of entries) {
    await chmod(join(entry.parentPath, entry.name), entry.isDirectory() ? 0o755 : 0o644);
  }
}

/** The first line that carries a version number; tools print warnings before it at times. */
function versionLine(text: string): string {
  const lines = text.split("\n").map((l) => l.trim());
  return lines.find((l) => /\d+\.\d+\.\d+/.test(l)) ?? lines.find(Boolean) ?? "";
}

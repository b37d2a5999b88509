// How Mooring points tofu at the providers it built, with no registry and no network.
//
// tofu finds providers through the `provider_installation` block of its CLI configuration file.
// Ours lists the filesystem mirrors of the provider tools (see catalog.ts) and nothing else: there
// is no `direct` block, so a module that asks for a provider we did not build fails at `tofu init`
// with "provider ... was not found in any of the search locations" instead of reaching for the
// internet. `dev_overrides` is not used either: it skips version selection and the lock file.
//
// The machine's own configuration must never leak in: the file comes from TF_CLI_CONFIG_FILE
// (some machines point it at a file that does not exist) or ~/.terraformrc, so every tofu process
// Mooring starts gets the environment from `tofuEnv`, which names our file.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { findTool, OPENTOFU_REGISTRY, TOFU_PROVIDERS } from "./catalog.ts";
import { providerMirrorDir, toolBinary, toolchainRoot } from "./paths.ts";

/** Provider addresses served from the mirrors. `hashicorp/null` in a module means the first one. */
export const MIRRORED_PROVIDERS: readonly string[] = [`${OPENTOFU_REGISTRY}/hashicorp/*`];

/** A string literal in HCL: JSON escapes, plus `$${` and `%%{` so no template is interpreted. */
function hclString(value: string): string {
  // A function replacer: in a replacement string "$$" would itself mean one "$".
  return JSON.stringify(value).replace(/([$%])\{/g, (_, sign: string) => `${sign}${sign}{`);
}

/**
 * The text of a tofu CLI configuration file that installs providers only from the given
 * filesystem mirrors. Several mirrors are allowed (each provider tool has its own); tofu merges the
 * versions they hold.
 */
export function providerCliConfig(
  mirrors: string | readonly string[],
  include: readonly string[] = MIRRORED_PROVIDERS,
): string {
  const dirs = typeof mirrors === "string" ? [mirrors] : mirrors;
  if (dirs.length === 0) throw new Error("providerCliConfig needs at least one mirror folder");
  const patterns = include.map(hclString).join(", ");
  const lines = [
    "# Written by Mooring: providers come only from these filesystem mirrors; there is no direct",
    "# (registry) installation, so nothing is downloaded.",
    "provider_installation {",
  ];
  for (const dir of dirs) {
    lines.push(
      "  filesystem_mirror {",
      `    path    = ${hclString(dir)}`,
      `    include = [${patterns}]`,
      "  }",
    );
  }
  lines.push("}", "");
  return lines.join("\n");
}

/** Writes `providerCliConfig(mirrors)` to `file` (creating its folder) and returns the path. */
export async function writeProviderCliConfig(
  file: string,
  mirrors: string | readonly string[],
  include: readonly string[] = MIRRORED_PROVIDERS,
): Promise<string> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, providerCliConfig(mirrors, include));
  return file;
}

/** The mirror folders of every provider in the catalog (installed or not: see installToolchain). */
export function providerMirrors(env: NodeJS.ProcessEnv = process.env): string[] {
  return TOFU_PROVIDERS.map((tool) => providerMirrorDir(tool, env));
}

/** Where `moor` keeps the CLI configuration for the toolchain's own mirrors, next to them. */
export function defaultTofuCliConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(toolchainRoot(env), "tofu-providers.tfrc");
}

/** The tofu binary of the toolchain. */
export function tofuBinary(env: NodeJS.ProcessEnv = process.env): string {
  return toolBinary(findTool("opentofu"), "tofu", env);
}

export interface TofuEnvOptions {
  /** The CLI configuration file (see writeProviderCliConfig); required, never the machine's own. */
  cliConfigFile: string;
  /**
   * TF_PLUGIN_CACHE_DIR; default: unset. Providers from a filesystem mirror are symlinked into
   * `.terraform/providers`, so a cache saves nothing for them; it only helps mirrors of packed zips.
   */
  pluginCacheDir?: string;
  /** The environment to start from; default: process.env. Its TF_* and CHECKPOINT_* are dropped. */
  base?: NodeJS.ProcessEnv;
  /** Added on top (TF_VAR_*, provider credentials, TF_LOG); cannot change the settings below. */
  extra?: NodeJS.ProcessEnv;
}

/**
 * The environment for a tofu process: our CLI configuration, no prompts (TF_INPUT=0), output meant
 * for automation (TF_IN_AUTOMATION=1: no "run tofu apply next" hints), no version check against
 * the internet (CHECKPOINT_DISABLE=1). Inherited TF_* variables are dropped so that a developer's
 * TF_CLI_ARGS, TF_WORKSPACE or TF_DATA_DIR cannot change what a run does.
 */
export function tofuEnv(options: TofuEnvOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(options.base ?? process.env)) {
    if (key.startsWith("TF_") || key.startsWith("CHECKPOINT_")) continue;
    env[key] = value;
  }
  Object.assign(env, options.extra ?? {});
  env.TF_CLI_CONFIG_FILE = options.cliConfigFile;
  env.TF_IN_AUTOMATION = "1";
  env.TF_INPUT = "0";
  env.CHECKPOINT_DISABLE = "1";
  if (options.pluginCacheDir) env.TF_PLUGIN_CACHE_DIR = options.pluginCacheDir;
  else delete env.TF_PLUGIN_CACHE_DIR;
  return env;
}

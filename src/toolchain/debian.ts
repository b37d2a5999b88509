// Debian packages the toolchain and sandboxes rely on (openssl makes sandbox certificates; git is
// the engine's source adapter; openssh serves deploy-key tests; bubblewrap confines tofu and the
// renderers; PostgreSQL, gnupg and Chromium serve the audit, signed-commit and UI tests). Installed with apt-get when
// missing and we are root; otherwise the error names the packages to install.
import { runCommand } from "../util/exec.ts";
import { ToolchainError } from "./install.ts";

export const DEBIAN_PACKAGES = [
  "openssl",
  "git",
  "ca-certificates",
  "tar",
  "openssh-client",
  "openssh-server",
  // tofu, helm and kustomize run confined by bubblewrap (src/isolation).
  "bubblewrap",
  // The audit store's PostgreSQL tests start a private server from /usr/lib/postgresql/15/bin.
  "postgresql",
  // Signed-commit verification: gpg checks OpenPGP signatures (ssh-keygen, from openssh-client, SSH ones).
  "gnupg",
  // The web UI is tested in real headless Chromium, driven by playwright-core.
  "chromium",
] as const;

export async function missingDebianPackages(packages: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const pkg of packages) {
    // dpkg-query's own format syntax, not a template string.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query field reference
    const res = await runCommand("dpkg-query", ["-W", "-f=${Status}", pkg]);
    if (res.code !== 0 || !res.stdout.includes("install ok installed")) missing.push(pkg);
  }
  return missing;
}

/** Installs the missing packages; returns the ones it installed. */
export async function ensureDebianPackages(packages: readonly string[] = DEBIAN_PACKAGES): Promise<string[]> {
  const missing = await missingDebianPackages(packages);
  if (missing.length === 0) return [];
  if (process.getuid?.() !== 0) {
    throw new ToolchainError(
      `missing Debian packages: ${missing.join(" ")}; install them with: sudo apt-get install -y ${missing.join(" ")}`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  await runCommand("apt-get", ["update"], { env });
  const res = await runCommand("apt-get", ["install", "-y", "--no-install-recommends", ...missing], { env });
  if (res.code !== 0) {
    throw new ToolchainError(
      `apt-get could not install ${missing.join(" ")}:\n${res.stderr.trim().split("\n").slice(-5).join("\n")}`,
    );
  }
  return missing;
}

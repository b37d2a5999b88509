// Signature verification: whether a commit is signed by one of a project's keys, answered by the
// real git CLI (core/project/signature.ts explains the rules and reads the output).
//
// Each check builds its own trust store in a private temporary folder and removes it after:
// a GnuPG home holding the project's public keys and nothing else (each given full trust, since
// listing a key in the project is what trusts it), and an ssh allowed-signers file written from
// the project's lines. HOME points into the same folder, so neither the host's keyring, its
// ~/.ssh, nor any user or system git configuration takes part; git reads the commit from the
// repository's mirror and runs gpg or ssh-keygen on its signature as `git verify-commit` does.
// Every program gets an argument array; keys travel on standard input or in files, never argv.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  allowedFingerprints,
  allowedSignersFile,
  decideSignature,
  parseGpgListing,
  parseSignatureCheck,
  SIGNATURE_CHECK_FORMAT,
  type SignatureCheck,
  type SignatureDecision,
  type SignatureKey,
} from "../core/project/signature.ts";
import { type RunResult, runCommand } from "../util/exec.ts";

export interface VerifyCommitOptions {
  /** The repository's git directory (a bare mirror holding the commit). */
  gitDir: string;
  /** The full sha of the commit. */
  sha: string;
  /** The project's `spec.signatureKeys`, already validated (validateProject). */
  keys: readonly SignatureKey[];
  /** The environment git runs in (access.ts localGitEnv); HOME and GNUPGHOME are replaced. */
  env: NodeJS.ProcessEnv;
  /** Where the private trust store is made (and removed). */
  tmpDir: string;
  /** Limit of each program run; default 30 s. */
  timeoutMs?: number;
}

export interface CommitSignature {
  check: SignatureCheck;
  decision: SignatureDecision;
}

/**
 * A key of the project that gpg cannot use: names the field (`spec.signatureKeys[1].gpg`) and
 * what to do. The caller prefixes the project.
 */
export class SignatureKeyError extends Error {
  readonly code = "invalid-signature-key";
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field} ${message}`);
    this.name = "SignatureKeyError";
    this.field = field;
  }
}

/** gpg, ssh-keygen or git failed in a way that says nothing about the commit (missing program...). */
export class SignatureToolError extends Error {
  readonly code = "signature-tool-failed";
}

/** Checks the commit's signature against the keys; the decision says allowed (and who) or why not. */
export async function verifyCommitSignature(options: VerifyCommitOptions): Promise<CommitSignature> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (!/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(options.sha))
    throw new SignatureToolError(`"${options.sha}" is not a full commit sha`);
  const dir = await mkdtemp(join(options.tmpDir, "signature-"));
  try {
    const home = join(dir, "home");
    const gnupg = join(dir, "gnupg");
    await mkdir(home, { mode: 0o700 });
    await mkdir(gnupg, { mode: 0o700 });
    const toolEnv: NodeJS.ProcessEnv = {
      PATH: options.env.PATH ?? process.env.PATH ?? "/usr/bin:/bin",
      LC_ALL: "C",
      HOME: home,
      GNUPGHOME: gnupg,
    };
    const gpgAllowed = await importGpgKeys(options.keys, toolEnv, timeoutMs);
    const signers = join(dir, "allowed_signers");
    await writeFile(signers, allowedSignersFile(options.keys), { mode: 0o600 });
    const result = await runCommand(
      "git",
      [
        `--git-dir=${options.gitDir}`,
        "-c",
        "gpg.program=gpg",
        "-c",
        "gpg.ssh.program=ssh-keygen",
        "-c",
        `gpg.ssh.allowedSignersFile=${signers}`,
        "show",
        "-s",
        SIGNATURE_CHECK_FORMAT,
        options.sha,
        "--",
      ],
      {
        env: {
          ...options.env,
          HOME: home,
          GNUPGHOME: gnupg,
          GIT_CONFIG_NOSYSTEM: "1",
          GIT_CONFIG_GLOBAL: "/dev/null",
          LC_ALL: "C",
        },
        timeoutMs,
        maxOutputBytes: 64 * 1024,
      },
    );
    if (result.code !== 0) throw toolFailure("git show", result);
    const check = parseSignatureCheck(result.stdout);
    return { check, decision: decideSignature(check, gpgAllowed) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Imports the gpg entries into the private keyring with full trust; returns the fingerprints
 * they allow. Each entry is first read on its own (`--import-options show-only`), so a key gpg
 * cannot read, or a keyID naming no key of its block, is reported against its own entry.
 */
async function importGpgKeys(
  keys: readonly SignatureKey[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<string[]> {
  const allowed: string[] = [];
  const primaries: string[] = [];
  const blocks: string[] = [];
  for (const [i, entry] of keys.entries()) {
    if (entry.gpg === undefined) continue;
    const field = `spec.signatureKeys[${i}]`;
    const shown = await runGpg(
      ["--with-colons", "--import-options", "show-only", "--import"],
      entry.gpg,
      env,
      timeoutMs,
    );
    const listing = shown.code === 0 ? parseGpgListing(shown.stdout) : [];
    if (listing.length === 0) {
      throw new SignatureKeyError(
        `${field}.gpg`,
        `is not a public key gpg can read (${firstLine(shown.stderr) || "no key found"}); give the output of gpg --armor --export KEYID`,
      );
    }
    const fingerprints = allowedFingerprints(listing, entry.keyID);
    if (fingerprints.length === 0) {
      throw new SignatureKeyError(
        `${field}.keyID`,
        `${entry.keyID} names no key of the block in gpg, which holds ${listing.flatMap((k) => k.fingerprints).join(", ")}`,
      );
    }
    allowed.push(...fingerprints);
    primaries.push(...listing.map((k) => k.primary));
    blocks.push(entry.gpg);
  }
  if (blocks.length === 0) return allowed;
  const imported = await runGpg(["--import"], blocks.join("\n"), env, timeoutMs);
  if (imported.code !== 0) throw toolFailure("gpg --import", imported);
  // Trust is the project's to give: each listed key is trusted fully (6 = ultimate).
  const trusted = await runGpg(
    ["--import-ownertrust"],
    primaries.map((fpr) => `${fpr}:6:\n`).join(""),
    env,
    timeoutMs,
  );
  if (trusted.code !== 0) throw toolFailure("gpg --import-ownertrust", trusted);
  return allowed;
}

function runGpg(
  args: string[],
  input: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<RunResult> {
  return runCommand("gpg", ["--batch", "--no-tty", "--no-autostart", ...args], {
    env,
    input,
    timeoutMs,
    maxOutputBytes: 1024 * 1024,
  });
}

function toolFailure(what: string, result: RunResult): SignatureToolError {
  const missing =
    result.code === 127 ? " (is it installed? signed commits need git, gpg and ssh-keygen)" : "";
  return new SignatureToolError(
    `${what} failed while checking a commit signature (exit ${result.code})${missing}: ${firstLine(result.stderr) || "no message"}`,
  );
}

function firstLine(text: string): string {
  return (
    text
      .split("\n")
      .map((l) => l.replace(/^gpg: /, "").trim())
      .find((l) => l !== "" && !l.startsWith("keybox") && !/trustdb created/.test(l)) ?? ""
  );
}

// Real commit signatures for tests: a GPG key made by `gpg --batch --generate-key` (ed25519, no
// passphrase) in a private GNUPGHOME, an SSH key made by `ssh-keygen`, and commits signed with
// them by git itself (`commit -S`, with gpg.format=ssh for the SSH key), as a developer makes
// them. Nothing here touches the machine's own keyring, ~/.ssh or git configuration.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runChecked, runCommand } from "../../src/util/exec.ts";

export interface SigningKeys {
  /** The person the keys belong to; commits are authored as them. */
  name: string;
  email: string;
  gnupgHome: string;
  gpgFingerprint: string;
  /** ASCII-armored public key, as `gpg --armor --export` writes it. */
  gpgPublicKey: string;
  sshKeyFile: string;
  /** The .pub file's line: `ssh-ed25519 AAAA... email`. */
  sshPublicKey: string;
  /** Stops the gpg-agent signing started and removes the keys. */
  dispose(): Promise<void>;
}

export type SignWith = "gpg" | "ssh" | "none";

/** Makes a GPG and an SSH key for `name <email>` in a private folder. */
export async function createSigningKeys(name: string, email: string): Promise<SigningKeys> {
  const dir = await mkdtemp(join(tmpdir(), "mooring-sign-"));
  const gnupgHome = join(dir, "gnupg");
  await mkdir(gnupgHome, { mode: 0o700 });
  const env = { ...process.env, GNUPGHOME: gnupgHome, HOME: dir, LC_ALL: "C" };
  const params = [
    "%no-protection",
    "Key-Type: eddsa",
    "Key-Curve: ed25519",
    "Key-Usage: sign",
    `Name-Real: ${name}`,
    `Name-Email: ${email}`,
    "Expire-Date: 0",
    "%commit",
    "",
  ].join("\n");
  await runChecked("gpg", ["--batch", "--generate-key"], { env, input: params, timeoutMs: 60_000 });
  const listed = await runChecked("gpg", ["--batch", "--with-colons", "--list-keys", email], { env });
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(listed.stdout)?.[1];
  if (!fingerprint) throw new Error(`gpg made no key for ${email}: ${listed.stdout}`);
  const exported = await runChecked("gpg", ["--batch", "--armor", "--export", fingerprint], { env });
  const sshKeyFile = join(dir, "id_ed25519");
  await runChecked("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", email, "-f", sshKeyFile], {
    env,
    timeoutMs: 30_000,
  });
  const sshPublicKey = (await readFile(`${sshKeyFile}.pub`, "utf8")).trim();
  return {
    name,
    email,
    gnupgHome,
    gpgFingerprint: fingerprint,
    gpgPublicKey: exported.stdout,
    sshKeyFile,
    sshPublicKey,
    async dispose() {
      await runCommand("gpgconf", ["--kill", "gpg-agent"], { env, timeoutMs: 10_000 });
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The keys' GPG public key as exported after its revocation (the certificate gpg wrote when it
 * made the key), so a verifier holding it sees signatures by the key as made by a revoked key.
 * The keys' own keyring is left as it was, so they can still sign.
 */
export async function revokedGpgPublicKey(keys: SigningKeys): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), "mooring-sign-revoke-"));
  try {
    const env = { ...process.env, GNUPGHOME: home, HOME: home, LC_ALL: "C" };
    const certificate = await readFile(
      join(keys.gnupgHome, "openpgp-revocs.d", `${keys.gpgFingerprint}.rev`),
      "utf8",
    );
    // gpg puts a colon before the armor line so that the certificate is not imported by accident.
    const armored = certificate.replace(/^:-----BEGIN/m, "-----BEGIN");
    await runChecked("gpg", ["--batch", "--import"], { env, input: keys.gpgPublicKey });
    await runChecked("gpg", ["--batch", "--import"], { env, input: armored });
    return (await runChecked("gpg", ["--batch", "--armor", "--export", keys.gpgFingerprint], { env })).stdout;
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** git arguments that make `commit` sign with the keys' GPG or SSH key (none for "none"). */
export function signingArgs(keys: SigningKeys, how: SignWith): string[] {
  if (how === "gpg") return ["-c", "gpg.format=openpgp", "-c", `user.signingkey=${keys.gpgFingerprint}`];
  if (how === "ssh") return ["-c", "gpg.format=ssh", "-c", `user.signingkey=${keys.sshKeyFile}`];
  return [];
}

/**
 * A working clone of a bare repository (a GitServer's `path(name)`) that commits as the keys'
 * owner, signed or not, and pushes to main.
 */
export class SigningClone {
  private readonly dir: string;
  private readonly keys: SigningKeys;

  private constructor(dir: string, keys: SigningKeys) {
    this.dir = dir;
    this.keys = keys;
  }

  static async open(barePath: string, keys: SigningKeys): Promise<SigningClone> {
    const dir = await mkdtemp(join(tmpdir(), "mooring-sign-clone-"));
    const clone = new SigningClone(join(dir, "work"), keys);
    await clone.git(["clone", "--quiet", barePath, clone.dir]);
    return clone;
  }

  /** Writes the files (null deletes), commits signed as asked, pushes to main; returns the sha. */
  async commit(changes: Record<string, string | null>, message: string, sign: SignWith): Promise<string> {
    for (const [file, content] of Object.entries(changes)) {
      const target = join(this.dir, file);
      if (content === null) await rm(target, { force: true });
      else {
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, content);
      }
    }
    await this.git(["-C", this.dir, "add", "--all"]);
    await this.git([
      ...signingArgs(this.keys, sign),
      "-C",
      this.dir,
      "commit",
      "--quiet",
      "--allow-empty",
      "--no-verify",
      ...(sign === "none" ? ["--no-gpg-sign"] : ["-S"]),
      "-m",
      message,
    ]);
    await this.git(["-C", this.dir, "push", "--quiet", "origin", "HEAD:refs/heads/main"]);
    return (await this.git(["-C", this.dir, "rev-parse", "HEAD"])).trim();
  }

  async remove(): Promise<void> {
    await rm(dirname(this.dir), { recursive: true, force: true });
  }

  private async git(args: string[]): Promise<string> {
    const env = {
      ...process.env,
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_CONFIG_NOSYSTEM: "1",
      GNUPGHOME: this.keys.gnupgHome,
      GIT_AUTHOR_NAME: this.keys.name,
      GIT_AUTHOR_EMAIL: this.keys.email,
      GIT_COMMITTER_NAME: this.keys.name,
      GIT_COMMITTER_EMAIL: this.keys.email,
    };
    const result = await runChecked(
      "git",
      ["-c", `user.name=${this.keys.name}`, "-c", `user.email=${this.keys.email}`, ...args],
      { env, timeoutMs: 60_000 },
    );
    return result.stdout;
  }
}

/** Writes a local repository (not bare) with one unsigned commit, for tests without a server. */
export async function localRepo(): Promise<{ path: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "mooring-sign-repo-"));
  const path = join(dir, "repo.git");
  await runChecked("git", ["init", "--quiet", "--bare", "--initial-branch=main", path], {
    env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" },
  });
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}

import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  createSigningKeys,
  localRepo,
  revokedGpgPublicKey,
  SigningClone,
  type SigningKeys,
} from "../../test/harness/signing.ts";
import type { SignatureKey } from "../core/project/signature.ts";
import { SignatureKeyError, verifyCommitSignature } from "./signature.ts";

describe("verifyCommitSignature with real gpg and ssh-keygen", () => {
  let alice: SigningKeys;
  let mallory: SigningKeys;
  let repo: { path: string; remove(): Promise<void> };
  let tmp: string;
  const commits: Record<string, string> = {};

  before(async () => {
    [alice, mallory] = await Promise.all([
      createSigningKeys("Alice", "alice@example.com"),
      createSigningKeys("Mallory", "mallory@example.com"),
    ]);
    repo = await localRepo();
    tmp = await mkdtemp(join(tmpdir(), "mooring-sig-test-"));
    const byAlice = await SigningClone.open(repo.path, alice);
    commits.unsigned = await byAlice.commit({ "a.txt": "1" }, "unsigned", "none");
    commits.aliceGpg = await byAlice.commit({ "a.txt": "2" }, "gpg", "gpg");
    commits.aliceSsh = await byAlice.commit({ "a.txt": "3" }, "ssh", "ssh");
    await byAlice.remove();
    const byMallory = await SigningClone.open(repo.path, mallory);
    commits.malloryGpg = await byMallory.commit({ "a.txt": "4" }, "gpg", "gpg");
    commits.mallorySsh = await byMallory.commit({ "a.txt": "5" }, "ssh", "ssh");
    await byMallory.remove();
  });
  after(async () => {
    await Promise.all([
      alice?.dispose(),
      mallory?.dispose(),
      repo?.remove(),
      tmp && rm(tmp, { recursive: true }),
    ]);
  });

  const verify = (sha: string, keys: SignatureKey[], env: NodeJS.ProcessEnv = process.env) =>
    verifyCommitSignature({ gitDir: repo.path, sha, keys, env, tmpDir: tmp });
  const aliceKeys = (): SignatureKey[] => [{ gpg: alice.gpgPublicKey }, { ssh: alice.sshPublicKey }];

  it("allows a commit signed by a listed GPG key and names the signer", async () => {
    const { decision } = await verify(commits.aliceGpg ?? "", aliceKeys());
    assert.ok(decision.allowed);
    assert.deepEqual(decision.signer, {
      format: "gpg",
      identity: "Alice <alice@example.com>",
      key: alice.gpgFingerprint,
    });
  });

  it("allows a commit signed by a listed SSH key, as the principal its line names", async () => {
    const { decision } = await verify(commits.aliceSsh ?? "", aliceKeys());
    assert.ok(decision.allowed);
    assert.equal(decision.signer.format, "ssh");
    assert.equal(decision.signer.identity, "alice@example.com");
    assert.match(decision.signer.key, /^SHA256:/);
  });

  it("refuses an unsigned commit", async () => {
    const { decision } = await verify(commits.unsigned ?? "", aliceKeys());
    assert.deepEqual(decision, { allowed: false, reason: "UnsignedCommit", why: "is not signed" });
  });

  for (const how of ["Gpg", "Ssh"] as const) {
    it(`refuses a commit signed by a ${how.toUpperCase()} key the project does not list`, async () => {
      const { decision } = await verify(commits[`mallory${how}`] ?? "", aliceKeys());
      assert.equal(decision.allowed, false);
      assert.ok(!decision.allowed && decision.reason === "UntrustedSignature");
      assert.match(!decision.allowed ? decision.why : "", /which is not one of the project's signatureKeys/);
    });
  }

  it("never consults the caller's keyring", async () => {
    // The process's own GNUPGHOME holds Mallory's key; only the project's keys count.
    const { decision } = await verify(commits.malloryGpg ?? "", aliceKeys(), {
      ...process.env,
      GNUPGHOME: mallory.gnupgHome,
    });
    assert.equal(decision.allowed, false);
  });

  it("refuses a GPG signature when the project lists only SSH keys", async () => {
    const { decision } = await verify(commits.aliceGpg ?? "", [{ ssh: alice.sshPublicKey }]);
    assert.equal(decision.allowed, false);
  });

  it("refuses a commit signed by a key the project lists but whose owner revoked it", async () => {
    const revoked = await revokedGpgPublicKey(alice);
    const { check, decision } = await verify(commits.aliceGpg ?? "", [{ gpg: revoked }]);
    assert.equal(check.status, "revoked");
    assert.ok(!decision.allowed && decision.reason === "UntrustedSignature");
    assert.match(!decision.allowed ? decision.why : "", /a key that has been revoked/);
  });

  it("names the entry whose keyID picks no key of its block", async () => {
    await assert.rejects(
      verify(commits.aliceGpg ?? "", [{ gpg: alice.gpgPublicKey, keyID: "0123456789ABCDEF" }]),
      (err: unknown) =>
        err instanceof SignatureKeyError &&
        err.field === "spec.signatureKeys[0].keyID" &&
        err.message.includes(alice.gpgFingerprint),
    );
  });

  it("leaves no trust store behind", async () => {
    await verify(commits.aliceGpg ?? "", aliceKeys());
    assert.deepEqual(await readdir(tmp), []);
  });
});

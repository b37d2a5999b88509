import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { gpgFingerprint, sshFingerprint, summarizeKey } from "./key-fingerprints.ts";

// The keys of src/core/project/signature.test.ts: a real `gpg --armor --export` of an ed25519 key
// (its fingerprint as gpg prints it) and a real ssh-keygen .pub line (as `ssh-keygen -l` prints it).
const ALICE_GPG = `-----BEGIN PGP PUBLIC KEY BLOCK-----

mDMEaxAvYhYJKwYBBAHaRw8BAQdAWQ7oKVAiohzUAzRgqdUmI6PnPbYctZyH7Dco
yksAXc+0GUFsaWNlIDxhbGljZUBleGFtcGxlLmNvbT6IkAQTFggAOBYhBKLhn2Dl
rQqIIpHU+DTD8NjOhSi0BQJrEC9iAhsDBQsJCAcCBhUKCQgLAgQWAgMBAh4BAheA
AAoJEDTD8NjOhSi0Cm8BAPT8c0ok/0AUZ1xn3i+80c/3Ouphz1dQBGIEIDLpvxt5
AQC54xnzJNEe+fnOUx9adgQe5qTqF7Uzmgy8bJAzuYs8BA==
=iJp3
-----END PGP PUBLIC KEY BLOCK-----
`;
const BOB_SSH =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM+xyHc0uSw499jXv9xQXvVPIpcenrQ3NYPyk93WLGQD bob@example.com";

describe("signature key fingerprints", () => {
  it("computes the OpenPGP v4 fingerprint gpg prints", () => {
    assert.equal(gpgFingerprint(ALICE_GPG), "A2E19F60E5AD0A882291D4F834C3F0D8CE8528B4");
  });

  it("computes the SHA256 fingerprint ssh-keygen -l prints, from a key line or an allowed-signers line", () => {
    const expected = "SHA256:bTKnW3MsxitdACg0l2XFL46KC/mBayYYI5Jt7Cu7PyY";
    assert.equal(sshFingerprint(BOB_SSH), expected);
    assert.equal(sshFingerprint(`bob@example.com ${BOB_SSH.split(" ").slice(0, 2).join(" ")}`), expected);
  });

  it("summarises an entry without the key block, and leaves out a fingerprint it cannot compute", () => {
    assert.deepEqual(summarizeKey({ gpg: ALICE_GPG, keyID: "0x34c3f0d8ce8528b4" }), {
      type: "gpg",
      description: "GPG Alice <alice@example.com> (keyID 34C3F0D8CE8528B4)",
      fingerprint: "A2E19F60E5AD0A882291D4F834C3F0D8CE8528B4",
      keyID: "34C3F0D8CE8528B4",
    });
    assert.deepEqual(summarizeKey({ ssh: BOB_SSH }), {
      type: "ssh",
      description: "SSH bob@example.com (ssh-ed25519)",
      fingerprint: "SHA256:bTKnW3MsxitdACg0l2XFL46KC/mBayYYI5Jt7Cu7PyY",
    });
    assert.deepEqual(summarizeKey({ gpg: "not a key" }), { type: "gpg", description: "GPG key" });
    assert.equal(summarizeKey("nonsense"), undefined);
  });
});

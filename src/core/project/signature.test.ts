import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  allowedFingerprints,
  allowedSignersFile,
  crc24,
  decideSignature,
  describeSignatureKey,
  parseAllowedSigner,
  parseGpgListing,
  parseSignatureCheck,
  readArmoredPublicKey,
  refusalMessage,
  type SignatureCheck,
  signatureKeyProblems,
} from "./signature.ts";

// A real ed25519 public key exported with `gpg --armor --export` (Alice <alice@example.com>,
// fingerprint A2E19F60E5AD0A882291D4F834C3F0D8CE8528B4) and a real `ssh-keygen -t ed25519` .pub line.
const ALICE_GPG = `-----BEGIN PGP PUBLIC KEY BLOCK-----

mDMEaxAvYhYJKwYBBAHaRw8BAQdAWQ7oKVAiohzUAzRgqdUmI6PnPbYctZyH7Dco
yksAXc+0GUFsaWNlIDxhbGljZUBleGFtcGxlLmNvbT6IkAQTFggAOBYhBKLhn2Dl
rQqIIpHU+DTD8NjOhSi0BQJrEC9iAhsDBQsJCAcCBhUKCQgLAgQWAgMBAh4BAheA
AAoJEDTD8NjOhSi0Cm8BAPT8c0ok/0AUZ1xn3i+80c/3Ouphz1dQBGIEIDLpvxt5
AQC54xnzJNEe+fnOUx9adgQe5qTqF7Uzmgy8bJAzuYs8BA==
=iJp3
-----END PGP PUBLIC KEY BLOCK-----
`;
const ALICE_FPR = "A2E19F60E5AD0A882291D4F834C3F0D8CE8528B4";
const BOB_SSH =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM+xyHc0uSw499jXv9xQXvVPIpcenrQ3NYPyk93WLGQD bob@example.com";
const BOB_KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIM+xyHc0uSw499jXv9xQXvVPIpcenrQ3NYPyk93WLGQD";

describe("signatureKeyProblems", () => {
  const accepted: [string, unknown][] = [
    ["an armored gpg public key", { gpg: ALICE_GPG }],
    ["a gpg key with a long keyID", { gpg: ALICE_GPG, keyID: "34C3F0D8CE8528B4" }],
    ["a gpg key with a 0x fingerprint", { gpg: ALICE_GPG, keyID: `0x${ALICE_FPR.toLowerCase()}` }],
    ["an armored key without its checksum line", { gpg: ALICE_GPG.replace("=iJp3\n", "") }],
    ["a bare ssh public key", { ssh: BOB_SSH }],
    ["an allowed-signers line", { ssh: `bob@example.com ${BOB_SSH}` }],
    [
      "an allowed-signers line with options",
      { ssh: `bob@example.com namespaces="git,file",valid-after="20240101" ssh-ed25519 ${BOB_KEY}` },
    ],
  ];
  for (const [name, entry] of accepted) {
    it(`accepts ${name}`, () => assert.deepEqual(signatureKeyProblems(entry), []));
  }
  const refused: [string, unknown, string, string][] = [
    [
      "Argo CD's keyID alone",
      { keyID: "34C3F0D8CE8528B4" },
      "",
      "Mooring keeps no keyring: give the key itself in gpg",
    ],
    ["an empty entry", {}, "", "needs gpg"],
    ["both gpg and ssh", { gpg: ALICE_GPG, ssh: BOB_SSH }, "", "one key per entry"],
    ["an unknown field", { gpg: ALICE_GPG, fingerprint: ALICE_FPR }, ".fingerprint", "is not a field"],
    [
      "a key without armor",
      { gpg: "mDMEaxAvYhYJKwYBBAHaRw8BAQdA" },
      ".gpg",
      "is not an ASCII-armored public key",
    ],
    [
      "a key whose body was edited",
      { gpg: ALICE_GPG.replace("mDMEaxAvYhYJ", "mDMEaxAvYhYK") },
      ".gpg",
      "checksum does not match",
    ],
    [
      "a private key",
      { gpg: "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlFgE\n-----END PGP PRIVATE KEY BLOCK-----" },
      ".gpg",
      "holds a private key",
    ],
    ["two key blocks", { gpg: `${ALICE_GPG}${ALICE_GPG}` }, ".gpg", "more than one key block"],
    ["a keyID that is not hex", { gpg: ALICE_GPG, keyID: "alice" }, ".keyID", "is not a key id"],
    ["a keyID on an ssh entry", { ssh: BOB_SSH, keyID: "34C3F0D8CE8528B4" }, ".keyID", "gpg keys only"],
    ["an ssh private key", { ssh: "-----BEGIN OPENSSH PRIVATE KEY-----" }, ".ssh", "holds a private key"],
    ["an unknown ssh key type", { ssh: `bob ssh-foo ${BOB_KEY}` }, ".ssh", "key type must be one of"],
    [
      "an ssh key of another type than it says",
      { ssh: `ssh-rsa ${BOB_KEY}` },
      ".ssh",
      "not valid base64 of a ssh-rsa",
    ],
    ["two ssh lines", { ssh: `${BOB_SSH}\n${BOB_SSH}` }, ".ssh", "must be one line"],
    [
      "an unknown ssh option",
      { ssh: `bob no-touch-required ssh-ed25519 ${BOB_KEY}` },
      ".ssh",
      'option "no-touch-required"',
    ],
    [
      "namespaces without git",
      { ssh: `bob namespaces="file" ssh-ed25519 ${BOB_KEY}` },
      ".ssh",
      "namespaces must include git",
    ],
  ];
  for (const [name, entry, field, text] of refused) {
    it(`refuses ${name}`, () => {
      const problems = signatureKeyProblems(entry);
      assert.ok(
        problems.some(([f, t]) => f === field && t.includes(text)),
        JSON.stringify(problems),
      );
    });
  }
});

describe("readArmoredPublicKey", () => {
  it("reads the key's packets and checks its CRC-24", () => {
    const read = readArmoredPublicKey(ALICE_GPG);
    assert.ok(read.ok);
    // The checksum line is base64 of the CRC-24 of the decoded bytes.
    assert.equal(crc24(read.bytes), 0x889a77);
  });
});

describe("describeSignatureKey", () => {
  it("names a GPG key by the user id inside it, and an SSH key by its principal", () => {
    assert.equal(describeSignatureKey({ gpg: ALICE_GPG }), "GPG Alice <alice@example.com>");
    assert.equal(
      describeSignatureKey({ gpg: ALICE_GPG, keyID: "0x34c3f0d8ce8528b4" }),
      "GPG Alice <alice@example.com> (keyID 34C3F0D8CE8528B4)",
    );
    assert.equal(describeSignatureKey({ ssh: BOB_SSH }), "SSH bob@example.com (ssh-ed25519)");
  });
});

describe("parseAllowedSigner", () => {
  it("takes a bare key's plain comment as its principal", () => {
    const line = parseAllowedSigner(BOB_SSH);
    assert.ok(line.ok);
    assert.equal(line.principals, "bob@example.com");
  });
  it("lets a bare key without a plain comment sign as anyone", () => {
    const line = parseAllowedSigner(`ssh-ed25519 ${BOB_KEY} Bob's laptop`);
    assert.ok(line.ok);
    assert.equal(line.principals, "*");
  });
});

describe("allowedSignersFile", () => {
  it("writes one line per ssh entry, leaving gpg entries to the keyring", () => {
    assert.equal(
      allowedSignersFile([
        { gpg: ALICE_GPG },
        { ssh: BOB_SSH },
        { ssh: `ci@example.com namespaces="git" ssh-ed25519 ${BOB_KEY} ci` },
      ]),
      `bob@example.com ssh-ed25519 ${BOB_KEY}\nci@example.com namespaces="git" ssh-ed25519 ${BOB_KEY}\n`,
    );
  });
});

describe("parseGpgListing", () => {
  it("reads primary and subkey fingerprints and user ids", () => {
    const output = [
      "pub:-:255:22:34C3F0D8CE8528B4:1796222818:::-:::scSC:::::ed25519:::0:",
      `fpr:::::::::${ALICE_FPR}:`,
      "uid:-::::1796222818::AD66BA4CCE5C5EE636FAD1BE2B9A0DB88903021E::Alice <alice@example.com>::::::::::0:",
      "sub:-:255:22:1111222233334444:1796222818::::::s:::::ed25519::",
      "fpr:::::::::0000000000000000000000001111222233334444:",
      "",
    ].join("\n");
    const keys = parseGpgListing(output);
    assert.deepEqual(keys, [
      {
        primary: ALICE_FPR,
        fingerprints: [ALICE_FPR, "0000000000000000000000001111222233334444"],
        uids: ["Alice <alice@example.com>"],
      },
    ]);
    assert.deepEqual(allowedFingerprints(keys, "1111222233334444"), [
      "0000000000000000000000001111222233334444",
    ]);
    assert.deepEqual(allowedFingerprints(keys, "FFFF222233334444"), []);
  });
});

describe("parseSignatureCheck and decideSignature", () => {
  // Output of `git show -s --format=%G?%x00%GK%x00%GF%x00%GP%x00%GS` seen with git 2.39.
  const cases: [string, string, SignatureCheck["status"], boolean, string][] = [
    [
      "a good gpg signature by a listed key",
      `G\x0034C3F0D8CE8528B4\x00${ALICE_FPR}\x00${ALICE_FPR}\x00Alice <alice@example.com>\n`,
      "good",
      true,
      "",
    ],
    [
      "a good ssh signature by a listed key",
      "G\x00SHA256:bTKnW3MsxitdACg0l2XFL46KC/mBayYYI5Jt7Cu7PyY\x00SHA256:bTKnW3MsxitdACg0l2XFL46KC/mBayYYI5Jt7Cu7PyY\x00\x00bob@example.com\n",
      "good",
      true,
      "",
    ],
    ["no signature", "N\x00\x00\x00\x00\n", "unsigned", false, "is not signed"],
    [
      "a gpg key the keyring lacks",
      "E\x004B1FF7646D52105C\x00\x00\x00\n",
      "unknown-key",
      false,
      "is signed by GPG key 4B1FF7646D52105C, which is not one of the project's signatureKeys",
    ],
    [
      "an ssh key no allowed-signers line lists",
      "U\x00SHA256:bTKnW3Msx\x00SHA256:bTKnW3Msx\x00\x00\n",
      "unknown-key",
      false,
      "is signed by SSH key SHA256:bTKnW3Msx, which is not one",
    ],
    [
      "a bad signature",
      "B\x0034C3F0D8CE8528B4\x00\x00\x00Alice <alice@example.com>\n",
      "bad-signature",
      false,
      "changed after it was signed",
    ],
    [
      "a revoked key",
      `R\x0034C3F0D8CE8528B4\x00${ALICE_FPR}\x00${ALICE_FPR}\x00Alice <alice@example.com>\n`,
      "revoked",
      false,
      "has been revoked",
    ],
    [
      "an expired key",
      `Y\x0034C3F0D8CE8528B4\x00${ALICE_FPR}\x00${ALICE_FPR}\x00Alice <alice@example.com>\n`,
      "expired",
      false,
      "a key that has expired",
    ],
    [
      "an expired signature",
      `X\x0034C3F0D8CE8528B4\x00${ALICE_FPR}\x00${ALICE_FPR}\x00Alice <alice@example.com>\n`,
      "expired",
      false,
      "signature by GPG key",
    ],
    [
      "a good gpg signature by a key of the block other than its keyID",
      `G\x00FFFFFFFFFFFFFFFF\x00${"F".repeat(40)}\x00${"F".repeat(40)}\x00Carol <carol@example.com>\n`,
      "good",
      false,
      "not the keyID its entry allows",
    ],
  ];
  for (const [name, output, status, allowed, why] of cases) {
    it(`reads ${name}`, () => {
      const check = parseSignatureCheck(output);
      assert.equal(check.status, status);
      const decision = decideSignature(check, [ALICE_FPR]);
      assert.equal(decision.allowed, allowed);
      if (!decision.allowed) assert.ok(decision.why.includes(why), decision.why);
    });
  }
  it("accepts a signing subkey whose primary key is allowed", () => {
    const check = parseSignatureCheck(
      `G\x001111222233334444\x00${"1".repeat(40)}\x00${ALICE_FPR}\x00Alice\n`,
    );
    const decision = decideSignature(check, [ALICE_FPR]);
    assert.ok(decision.allowed);
    assert.deepEqual(decision.signer, {
      format: "gpg",
      identity: "Alice",
      key: "1".repeat(40),
      primaryKey: ALICE_FPR,
    });
  });
  it("names unsigned commits UnsignedCommit and the rest UntrustedSignature", () => {
    const unsigned = decideSignature(parseSignatureCheck("N\x00\x00\x00\x00"), []);
    const unknown = decideSignature(parseSignatureCheck("E\x00ABCD\x00\x00\x00"), []);
    assert.deepEqual(
      [unsigned.allowed || unsigned.reason, unknown.allowed || unknown.reason],
      ["UnsignedCommit", "UntrustedSignature"],
    );
  });
  it("refuses output it does not understand", () => {
    assert.throws(() => parseSignatureCheck("G\x00only two"), /unexpected git signature output/);
    assert.throws(() => parseSignatureCheck("Z\x00\x00\x00\x00"), /unexpected git signature status "Z"/);
  });
});

describe("refusalMessage", () => {
  it("names the object, the whole commit, why, the project and what to do", () => {
    const sha = "3ec6678cb768ad99aed40fc74d54c16fc8550e69";
    const message = refusalMessage("Application mooring/web", "team-a", sha, "is not signed");
    assert.match(
      message,
      /^Application mooring\/web: commit 3ec6678cb768ad99aed40fc74d54c16fc8550e69 is not signed; project team-a requires/,
    );
    assert.match(message, /git commit -S/);
  });
});

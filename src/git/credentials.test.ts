import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  authorizationHeader,
  configEnv,
  effectiveCredentials,
  scrubSecrets,
  secretValues,
  shellQuote,
  sshCommand,
} from "./credentials.ts";
import { parseRepoURL } from "./url.ts";

const b64 = (text: string) => Buffer.from(text).toString("base64");

describe("authorizationHeader", () => {
  it("sends a user name and password as basic authentication", () => {
    assert.equal(authorizationHeader({ username: "alice", password: "pw" }), `Basic ${b64("alice:pw")}`);
  });

  it("sends a lone token as a bearer token", () => {
    assert.equal(authorizationHeader({ token: "t0k" }), "Bearer t0k");
  });

  it("sends a token with a user name as basic authentication, as GitHub and GitLab want", () => {
    assert.equal(
      authorizationHeader({ username: "x-access-token", token: "t0k" }),
      `Basic ${b64("x-access-token:t0k")}`,
    );
  });

  it("sends nothing without a secret", () => {
    assert.equal(authorizationHeader({ username: "alice" }), undefined);
    assert.equal(authorizationHeader({}), undefined);
  });
});

describe("effectiveCredentials", () => {
  const address = parseRepoURL("https://bob:from-url@h.example/r.git", "/");

  it("uses the userinfo of the URL when no credentials are given", () => {
    assert.deepEqual(effectiveCredentials(address), { username: "bob", password: "from-url" });
  });

  it("lets given credentials win over the URL", () => {
    assert.deepEqual(effectiveCredentials(address, { username: "alice", password: "given" }), {
      username: "alice",
      password: "given",
    });
    assert.deepEqual(effectiveCredentials(address, { token: "t" }), { token: "t", username: "bob" });
  });
});

describe("secret scrubbing", () => {
  const credentials = { username: "alice", password: "s3cr/t", token: "tok", sshPrivateKey: "-----KEY-----" };

  it("knows the raw, URL-encoded and header forms of every secret", () => {
    const secrets = secretValues(credentials);
    for (const form of [
      "s3cr/t",
      "s3cr%2Ft",
      "tok",
      "-----KEY-----",
      b64("alice:s3cr/t"),
      `Basic ${b64("alice:s3cr/t")}`,
    ]) {
      assert.ok(secrets.includes(form), form);
    }
  });

  it("replaces every occurrence of every form", () => {
    const text = `auth ${b64("alice:s3cr/t")} failed for https://alice:s3cr%2Ft@h/ with s3cr/t and tok`;
    const scrubbed = scrubSecrets(text, secretValues(credentials));
    assert.equal(scrubbed, "auth *** failed for https://alice:***@h/ with *** and ***");
  });
});

describe("configEnv", () => {
  it("numbers the entries for GIT_CONFIG_KEY_n and GIT_CONFIG_VALUE_n", () => {
    assert.deepEqual(
      configEnv([
        ["http.extraHeader", ""],
        ["http.extraHeader", "Authorization: Bearer t"],
      ]),
      {
        GIT_CONFIG_COUNT: "2",
        GIT_CONFIG_KEY_0: "http.extraHeader",
        GIT_CONFIG_VALUE_0: "",
        GIT_CONFIG_KEY_1: "http.extraHeader",
        GIT_CONFIG_VALUE_1: "Authorization: Bearer t",
      },
    );
  });
});

describe("sshCommand", () => {
  it("uses only the given key and checks the host key strictly against the given file", () => {
    const command = sshCommand({
      keyFile: "/cache/tmp/ssh-1/key",
      knownHostsFile: "/cache/tmp/ssh-1/known_hosts",
      acceptNewHostKey: false,
      connectTimeoutSeconds: 60,
    });
    assert.equal(
      command,
      "ssh -o BatchMode=yes -o ConnectTimeout=60 -o ServerAliveInterval=15 -o ServerAliveCountMax=3 -o LogLevel=ERROR" +
        " -i '/cache/tmp/ssh-1/key' -o IdentitiesOnly=yes" +
        ` -o 'UserKnownHostsFile="/cache/tmp/ssh-1/known_hosts"' -o StrictHostKeyChecking=yes`,
    );
  });

  it("accepts an unknown host key only when asked to", () => {
    assert.match(
      sshCommand({ acceptNewHostKey: true, connectTimeoutSeconds: 5 }),
      /StrictHostKeyChecking=accept-new$/,
    );
    assert.doesNotMatch(sshCommand({ connectTimeoutSeconds: 5, acceptNewHostKey: false }), /accept-new/);
  });

  it("quotes paths for the shell git runs the command with", () => {
    assert.match(
      sshCommand({ keyFile: "/home/o'neil/my cache/key", acceptNewHostKey: false, connectTimeoutSeconds: 1 }),
      / -i '\/home\/o'\\''neil\/my cache\/key' /,
    );
  });
});

describe("shellQuote", () => {
  it("makes any text one shell word", () => {
    assert.equal(shellQuote("a b'c$d"), `'a b'\\''c$d'`);
  });
});

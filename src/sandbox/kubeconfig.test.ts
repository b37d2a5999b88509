import assert from "node:assert/strict";
import { it } from "node:test";
import { parse } from "yaml";
import { renderKubeconfig } from "./kubeconfig.ts";

it("embeds the CA and client credentials and selects the sandbox's context", () => {
  const text = renderKubeconfig({
    contextName: "sandbox-a",
    server: "https://127.0.0.1:1234",
    caPem: "CA",
    certPem: "CERT",
    keyPem: "KEY",
  });
  const config = parse(text);
  assert.equal(config["current-context"], "sandbox-a");
  assert.equal(config.clusters[0].cluster.server, "https://127.0.0.1:1234");
  assert.equal(
    Buffer.from(config.clusters[0].cluster["certificate-authority-data"], "base64").toString(),
    "CA",
  );
  assert.equal(Buffer.from(config.users[0].user["client-certificate-data"], "base64").toString(), "CERT");
  assert.equal(Buffer.from(config.users[0].user["client-key-data"], "base64").toString(), "KEY");
  assert.deepEqual(config.contexts[0].context, { cluster: "sandbox-a", user: "sandbox-a" });
});

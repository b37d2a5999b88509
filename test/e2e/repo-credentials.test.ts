// User story: an operator stores Git credentials as Secrets in the `mooring` namespace, in Argo
// CD's format (a `repository` Secret for one repository, a `repo-creds` template for every
// repository under a URL prefix), and the controller, with its own least-privilege identity,
// finds the right credentials for each repository and fetches private repositories with them.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { RepoCredentials } from "../../src/controller/repo-credentials.ts";
import { GitSource } from "../../src/git/source.ts";
import { KubeClient } from "../../src/kube/client.ts";
import { fromKubeconfigText } from "../../src/kube/kubeconfig.ts";
import { kubectl, kubectlOk, moor, withNamespace } from "../harness/cluster.ts";
import { runSandboxKubeconfig } from "../harness/env.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";

const TEST_LABEL = "mooring-e2e/repo-credentials-test";

function secretYaml(
  name: string,
  namespace: string,
  label: string,
  type: string,
  data: Record<string, string>,
): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace, labels: { [label]: type, [TEST_LABEL]: "true" } },
    stringData: data,
  });
}

describe("repository credentials from Secrets", () => {
  let basicServer: GitServer;
  let tokenServer: GitServer;
  let controller: KubeClient;
  let cache = "";

  before(async () => {
    const install = await moor(["install", "--kubeconfig", runSandboxKubeconfig()]);
    assert.equal(install.code, 0, install.stderr);
    basicServer = await startGitServer({ auth: { username: "deploy", password: "s3cret-basic" } });
    tokenServer = await startGitServer({ auth: { token: "s3cret-token" } });
    await basicServer.createRepo("app", { "README.md": "basic\n" });
    await tokenServer.createRepo("team/infra", { "README.md": "token\n" });
    const token = (
      await kubectlOk(["create", "token", "mooring-controller", "-n", "mooring", "--duration=10m"])
    ).trim();
    const admin = fromKubeconfigText(await readFile(runSandboxKubeconfig(), "utf8"), runSandboxKubeconfig());
    controller = new KubeClient({
      server: admin.credentials.server,
      ...(admin.credentials.caPem ? { caPem: admin.credentials.caPem } : {}),
      token,
    });
    cache = await mkdtemp(join(tmpdir(), "mooring-repo-creds-"));
  });

  after(async () => {
    controller?.close();
    await kubectl(["delete", "secret", "-n", "mooring", "-l", TEST_LABEL, "--ignore-not-found"]);
    await basicServer?.close();
    await tokenServer?.close();
    if (cache) await rm(cache, { recursive: true, force: true });
  });

  it("the controller finds a repository Secret and a credential template and fetches private repositories with them", async (t) => {
    const elsewhere = await withNamespace(t);
    const basicURL = basicServer.url("app");
    const tokenURL = tokenServer.url("team/infra");
    const tokenPrefix = tokenURL.slice(0, tokenURL.indexOf("/team/") + 1);
    await kubectlOk(["apply", "-f", "-"], {
      input: [
        // Argo CD's label and keys, unchanged.
        secretYaml("repo-app", "mooring", "argocd.argoproj.io/secret-type", "repository", {
          url: basicURL,
          username: "deploy",
          password: "s3cret-basic",
        }),
        secretYaml("creds-token-host", "mooring", "mooring.dev/secret-type", "repo-creds", {
          url: tokenPrefix,
          bearerToken: "s3cret-token",
        }),
        // A shorter template for the same host, with wrong credentials: the longer prefix wins.
        secretYaml("creds-everything", "mooring", "mooring.dev/secret-type", "repo-creds", {
          url: "http://127.0.0.1",
          username: "wrong",
          password: "wrong",
        }),
      ].join("\n---\n"),
    });
    // A labelled Secret outside Mooring's namespace is not Mooring's to use.
    await kubectlOk(["apply", "-f", "-"], {
      input: secretYaml("stray", elsewhere, "mooring.dev/secret-type", "repository", {
        url: "https://stray.example/repo.git",
        password: "stray",
      }),
    });

    const repos = new RepoCredentials(controller, "mooring");
    const basic = await repos.credentialsFor(basicURL);
    assert.deepEqual(basic, { username: "deploy", password: "s3cret-basic" });
    // The same repository spelled in upper case with a trailing slash, as Argo CD compares them.
    assert.deepEqual(await repos.credentialsFor(`${basicURL.toUpperCase()}/`), basic);
    const token = await repos.credentialsFor(tokenURL);
    assert.deepEqual(token, { token: "s3cret-token" });
    assert.equal(await repos.credentialsFor("https://stray.example/repo.git"), undefined);

    const git = new GitSource({ cacheDir: cache });
    const shaBasic = await git.resolveRevision(basicURL, "main", basic);
    assert.match(shaBasic, /^[0-9a-f]{40}$/);
    const shaToken = await git.resolveRevision(tokenURL, "main", token);
    assert.match(shaToken, /^[0-9a-f]{40}$/);
    await assert.rejects(
      git.resolveRevision(tokenURL, "main", undefined),
      "the server really wants credentials",
    );
  });
});

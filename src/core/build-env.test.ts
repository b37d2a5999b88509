// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is a build variable reference, written as users write it
import assert from "node:assert/strict";
import { it } from "node:test";
import {
  buildEnvironment,
  expandBuildVariables,
  expandBuildVariablesDeep,
  mentionsBuildVariables,
  semanticVersion,
} from "./build-env.ts";

const env = buildEnvironment({
  appName: "shop",
  destinationNamespace: "prod",
  project: "team-a",
  revision: "f913b6cbf58aa5ae5ca1f8a2b149477aebcbd9d8",
  repoURL: "https://deploy:s3cret@git.example.com/org/shop.git",
  path: "charts/shop",
  targetRevision: "main",
  kubeVersion: "v1.36.3+k3s1",
  apiVersions: ["v1", "apps/v1", "v1"],
});

it("describes the app, the commit and the destination under Argo CD's names and Mooring's twins", () => {
  const expected: [string, string][] = [
    ["ARGOCD_APP_NAME", "shop"],
    ["ARGOCD_APP_NAMESPACE", "prod"],
    ["ARGOCD_APP_PROJECT_NAME", "team-a"],
    ["ARGOCD_APP_REVISION", "f913b6cbf58aa5ae5ca1f8a2b149477aebcbd9d8"],
    ["ARGOCD_APP_REVISION_SHORT", "f913b6c"],
    ["ARGOCD_APP_REVISION_SHORT_8", "f913b6cb"],
    ["ARGOCD_APP_SOURCE_PATH", "charts/shop"],
    ["ARGOCD_APP_SOURCE_REPO_URL", "https://git.example.com/org/shop.git"],
    ["ARGOCD_APP_SOURCE_TARGET_REVISION", "main"],
    ["MOORING_APP_NAME", "shop"],
    ["MOORING_APP_REVISION_SHORT_8", "f913b6cb"],
    ["KUBE_VERSION", "1.36.3"],
    ["KUBE_API_VERSIONS", "apps/v1,v1"],
  ];
  for (const [name, value] of expected) assert.equal(env[name], value, name);
});

it("names the default project when the spec names none", () => {
  const bare = buildEnvironment({
    appName: "a",
    repoURL: "file:///r",
    kubeVersion: "v1.30.0",
    apiVersions: [],
  });
  assert.equal(bare.ARGOCD_APP_PROJECT_NAME, "default");
  assert.equal(bare.ARGOCD_APP_NAMESPACE, "");
});

it("expands $NAME and ${NAME} for known names and leaves everything else as written", () => {
  const cases: [string, string][] = [
    ["$ARGOCD_APP_NAME", "shop"],
    ["${ARGOCD_APP_NAME}-web", "shop-web"],
    ["$ARGOCD_APP_NAME-web", "shop-web"],
    ["tag-$ARGOCD_APP_REVISION_SHORT", "tag-f913b6c"],
    ["$ARGOCD_APP_REVISION_SHORT_8", "f913b6cb"],
    ["${MOORING_APP_NAMESPACE}", "prod"],
    ["k8s ${KUBE_VERSION}", "k8s 1.36.3"],
    ["$ARGOCD_APP_NAMEX", "$ARGOCD_APP_NAMEX"],
    ["$HOME and ${PATH}", "$HOME and ${PATH}"],
    ["pa$$word", "pa$$word"],
    ["cost: $5", "cost: $5"],
    ["$$ARGOCD_APP_NAME", "$ARGOCD_APP_NAME"],
    ["$${ARGOCD_APP_NAME}", "${ARGOCD_APP_NAME}"],
    ["${ARGOCD_APP_NAME", "${ARGOCD_APP_NAME"],
    ["${ARGOCD_APP_NAME:-x}", "${ARGOCD_APP_NAME:-x}"],
    ["trailing $", "trailing $"],
    ["no variables", "no variables"],
  ];
  for (const [text, expected] of cases) assert.equal(expandBuildVariables(text, env), expected, text);
});

it("never expands a value into a further reference", () => {
  const tricky = buildEnvironment({
    appName: "$ARGOCD_APP_PROJECT_NAME",
    repoURL: "file:///r",
    kubeVersion: "v1.30.0",
    apiVersions: [],
  });
  assert.equal(expandBuildVariables("$ARGOCD_APP_NAME", tricky), "$ARGOCD_APP_PROJECT_NAME");
});

it("expands every string leaf of inline values, not their keys", () => {
  const values = { $ARGOCD_APP_NAME: { tags: ["$ARGOCD_APP_REVISION_SHORT", 3, true, null] } };
  assert.deepEqual(expandBuildVariablesDeep(values, env), {
    $ARGOCD_APP_NAME: { tags: ["f913b6c", 3, true, null] },
  });
});

it("reads the semantic version out of what discovery reports", () => {
  const cases: [string, string][] = [
    ["v1.36.3", "1.36.3"],
    ["v1.36.3+k3s1", "1.36.3"],
    ["1.29.0-rc.1", "1.29.0"],
    ["weird", "weird"],
  ];
  for (const [text, expected] of cases) assert.equal(semanticVersion(text), expected, text);
});

it("tells whether a spec refers to build variables", () => {
  assert.equal(mentionsBuildVariables('{"value":"${ARGOCD_APP_REVISION}"}'), true);
  assert.equal(mentionsBuildVariables('{"value":"$KUBE_VERSION"}'), true);
  assert.equal(mentionsBuildVariables('{"value":"$HOME"}'), false);
});

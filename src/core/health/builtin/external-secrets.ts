// External Secrets Operator (external-secrets.io) copies secrets from a provider (Vault, AWS
// Secrets Manager, GCP Secret Manager...) into Kubernetes Secrets. A SecretStore (namespaced) or
// ClusterSecretStore says how to reach a provider; its Ready condition says whether the operator
// could validate it. An ExternalSecret names the keys to fetch through a store; Ready=True once
// the target Secret was written, False when fetching or writing failed. With `refreshPolicy:
// OnChange` the operator fetches again only when the spec changes, so a Ready condition older than
// the last refresh (`status.refreshTime`) is about the previous spec: wait for the new one. Same
// states and messages as Argo CD's health scripts for these kinds.
import type { BuiltinCheck } from "./check.ts";
import { CONDITIONS, conditionField, literal, readyConditionRules } from "./snippets.ts";

const REFRESH_TIME = 'cel.bind(rt, object.?status.?refreshTime.orValue(""), type(rt) == string ? rt : "")';

function currentReady(status: "True" | "False"): string {
  return `${CONDITIONS}.exists(c, c.?type.orValue("") == "Ready" && c.?status.orValue("") == "${status}" &&
    (object.?spec.?refreshPolicy.orValue("") != "OnChange" || c.?lastTransitionTime.orValue("") >= ${REFRESH_TIME}))`;
}

export const EXTERNAL_SECRETS_CHECKS: readonly BuiltinCheck[] = [
  {
    project: "External Secrets",
    groups: ["external-secrets.io"],
    kinds: ["ExternalSecret"],
    rules: [
      { when: currentReady("False"), status: "Degraded", message: conditionField("Ready", "message") },
      { when: currentReady("True"), status: "Healthy", message: conditionField("Ready", "message") },
      { when: "true", status: "Progressing", message: literal("Waiting for ExternalSecret") },
    ],
  },
  {
    project: "External Secrets",
    groups: ["external-secrets.io"],
    kinds: ["SecretStore", "ClusterSecretStore"],
    rules: readyConditionRules("Waiting for SecretStore"),
  },
];

// External Secrets Operator (external-secrets.io) copies secrets from a provider (Vault, AWS
// Secrets Manager, GCP Secret Manager...) into Kubernetes Secrets. A SecretStore (namespaced) or
// ClusterSecretStore says how to reach a provider; its Ready condition says whether the operator
// could validate it. An ExternalSecret names the keys to fetch through a store; Ready=True once
// the target Secret was written, False when fetching or writing failed. Same states and messages
// as Argo CD's health scripts for these kinds.
import type { BuiltinCheck } from "./check.ts";
import { readyConditionRules } from "./snippets.ts";

export const EXTERNAL_SECRETS_CHECKS: readonly BuiltinCheck[] = [
  {
    project: "External Secrets",
    groups: ["external-secrets.io"],
    kinds: ["ExternalSecret"],
    rules: readyConditionRules("Waiting for ExternalSecret"),
  },
  {
    project: "External Secrets",
    groups: ["external-secrets.io"],
    kinds: ["SecretStore", "ClusterSecretStore"],
    rules: readyConditionRules("Waiting for SecretStore"),
  },
];

// cert-manager (cert-manager.io) issues TLS certificates. An Issuer or ClusterIssuer is a
// certificate authority cert-manager can ask (ACME, Vault, a CA key pair); its Ready condition says
// whether cert-manager could reach and register with it. A Certificate asks an issuer for a key
// pair stored in a Secret: `Issuing=True` while a request is under way (first issue or renewal),
// then `Ready` says whether the Secret holds a valid certificate for the spec. Same states and
// messages as Argo CD's health scripts for these kinds.
import type { BuiltinCheck } from "./check.ts";
import { conditionField, conditionReason, hasCondition, literal, readyConditionRules } from "./snippets.ts";

export const CERT_MANAGER_CHECKS: readonly BuiltinCheck[] = [
  {
    project: "cert-manager",
    groups: ["cert-manager.io"],
    kinds: ["Certificate"],
    rules: [
      // A renewal sets Issuing while Ready stays True or turns False: either way, wait for it.
      {
        when: hasCondition("Issuing", "True"),
        status: "Progressing",
        message: conditionField("Issuing", "message"),
      },
      // After a failed request (Issuing=False, reason Failed) Ready only says the Secret is
      // missing; the Issuing message says why, so both are shown.
      {
        when: hasCondition("Ready", "False"),
        status: "Degraded",
        message: `${conditionField("Ready", "message")} + (${conditionReason("Issuing", "Failed")} ? "; " + ${conditionField("Issuing", "message")} : "")`,
      },
      { when: hasCondition("Ready", "True"), status: "Healthy", message: conditionField("Ready", "message") },
      { when: "true", status: "Progressing", message: literal("Waiting for certificate") },
    ],
  },
  {
    project: "cert-manager",
    groups: ["cert-manager.io"],
    kinds: ["Issuer", "ClusterIssuer"],
    rules: readyConditionRules("Initializing issuer"),
  },
];

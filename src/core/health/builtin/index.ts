// Every built-in CEL health check, in the order they are matched. A check naming an object's group
// and kind wins over one that recognises its shape (Crossplane's `detect`).
import { ARGO_ROLLOUTS_CHECKS } from "./argo-rollouts.ts";
import { CERT_MANAGER_CHECKS } from "./cert-manager.ts";
import type { BuiltinCheck } from "./check.ts";
import { CROSSPLANE_CHECKS } from "./crossplane.ts";
import { EXTERNAL_SECRETS_CHECKS } from "./external-secrets.ts";
import { FLUX_CHECKS } from "./flux.ts";
import { KEDA_CHECKS } from "./keda.ts";
import { KNATIVE_CHECKS } from "./knative.ts";

export { assessWithRules, type BuiltinCheck, findBuiltinCheck, type HealthRule } from "./check.ts";

export const BUILTIN_CHECKS: readonly BuiltinCheck[] = [
  ...CERT_MANAGER_CHECKS,
  ...EXTERNAL_SECRETS_CHECKS,
  ...ARGO_ROLLOUTS_CHECKS,
  ...CROSSPLANE_CHECKS,
  ...KNATIVE_CHECKS,
  ...KEDA_CHECKS,
  ...FLUX_CHECKS,
];

// Flux's own kinds (Kustomization, HelmRelease, GitRepository, OCIRepository, HelmRepository,
// HelmChart, Bucket, image automation) follow kstatus, the status conventions Flux codified:
// `spec.suspend` pauses reconciliation, `status.observedGeneration` below `metadata.generation`
// means the spec is not acted on yet, `Stalled=True` means the controller gave up, `Reconciling=True`
// means it is working, and `Ready` gives the outcome.
//
// Two rules differ from the generic kstatus ones, as in Argo CD's Flux scripts. Ready=False is
// Degraded even while Reconciling=True: Flux keeps retrying a failed fetch, apply or health check
// for ever (reason ProgressingWithRetry), and a person should see the failure, not a wait without
// end. And a Flux object always gets a Ready condition, so one without it has not been reconciled
// yet: Progressing, where the generic rules would say Healthy. Messages are the controller's
// reason and message.
//
// notification.toolkit.fluxcd.io is left to the generic rules: its Alerts and Providers have no
// status since Flux 2.1.
import type { BuiltinCheck } from "./check.ts";
import {
  conditionSummary,
  hasCondition,
  hasCurrentCondition,
  literal,
  UNOBSERVED_GENERATION,
  UNOBSERVED_GENERATION_MESSAGE,
} from "./snippets.ts";

function summaryOr(type: string, fallback: string): string {
  return `cel.bind(s, ${conditionSummary(type)}, s != "" ? s : ${literal(fallback)})`;
}

export const FLUX_CHECKS: readonly BuiltinCheck[] = [
  {
    project: "Flux",
    groups: [
      "kustomize.toolkit.fluxcd.io",
      "helm.toolkit.fluxcd.io",
      "source.toolkit.fluxcd.io",
      "image.toolkit.fluxcd.io",
    ],
    kinds: ["*"],
    rules: [
      {
        when: "object.?spec.?suspend.orValue(false) == true",
        status: "Suspended",
        message: literal("suspended (spec.suspend is true)"),
      },
      // A failure about the current spec shows even before status.observedGeneration catches up:
      // Flux leaves observedGeneration behind while it retries a failed reconciliation.
      {
        when: hasCurrentCondition("Stalled", "True"),
        status: "Degraded",
        message: summaryOr("Stalled", "stalled"),
      },
      {
        when: hasCurrentCondition("Ready", "False"),
        status: "Degraded",
        message: summaryOr("Ready", "not ready"),
      },
      { when: UNOBSERVED_GENERATION, status: "Progressing", message: UNOBSERVED_GENERATION_MESSAGE },
      {
        when: hasCondition("Reconciling", "True"),
        status: "Progressing",
        message: summaryOr("Reconciling", "reconciling"),
      },
      { when: hasCondition("Ready", "True"), status: "Healthy", message: conditionSummary("Ready") },
      {
        when: hasCondition("Ready", "Unknown"),
        status: "Progressing",
        message: summaryOr("Ready", "readiness not yet known"),
      },
      {
        when: "true",
        status: "Progressing",
        message: literal("waiting for the controller to report readiness"),
      },
    ],
  },
];

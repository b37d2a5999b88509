// KEDA (keda.sh) scales workloads on events (queue length, cron, Prometheus queries). A
// ScaledObject drives a HorizontalPodAutoscaler it creates: `Ready` says whether the spec is valid
// and the HPA exists, `Paused` whether scaling is paused (`autoscaling.keda.sh/paused`), and
// `Fallback` whether a trigger failed and KEDA fell back to `spec.fallback.replicas`. Same states
// and messages as Argo CD's health script: an HPA that cannot read its metrics yet
// (HPAMetricsUnavailable) is still Progressing, not Degraded.
import type { BuiltinCheck } from "./check.ts";
import { conditionField, conditionReason, hasCondition, literal } from "./snippets.ts";

const READY_MESSAGE = conditionField("Ready", "message");

export const KEDA_CHECKS: readonly BuiltinCheck[] = [
  {
    project: "KEDA",
    groups: ["keda.sh"],
    kinds: ["ScaledObject"],
    rules: [
      {
        when: hasCondition("Fallback", "True"),
        status: "Degraded",
        message: conditionField("Fallback", "message"),
      },
      {
        when: `${hasCondition("Ready", "False")} && !${conditionReason("Ready", "HPAMetricsUnavailable")}`,
        status: "Degraded",
        message: READY_MESSAGE,
      },
      {
        when: `${hasCondition("Ready", "True")} && ${hasCondition("Paused", "True")}`,
        status: "Suspended",
        message: conditionField("Paused", "message"),
      },
      { when: hasCondition("Ready", "True"), status: "Healthy", message: READY_MESSAGE },
      { when: hasCondition("Ready", "False"), status: "Progressing", message: READY_MESSAGE },
      { when: "true", status: "Progressing", message: literal("Creating HorizontalPodAutoscaler Object") },
    ],
  },
];

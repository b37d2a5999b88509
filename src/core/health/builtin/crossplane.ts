// Crossplane manages cloud infrastructure as Kubernetes objects. Providers install managed
// resources (an S3 bucket, an RDS instance) in their own groups (`s3.aws.upbound.io`,
// `database.gcp.crossplane.io`); composite resources and claims live in groups the platform team
// chooses. All of them carry two conditions written by crossplane-runtime: `Synced` (did the last
// reconcile reach the external API: ReconcileSuccess, ReconcileError, or ReconcilePaused under
// the `crossplane.io/paused` annotation) and `Ready` (is the external resource usable: Available,
// Creating, Deleting, Unavailable).
//
// Argo CD matches Crossplane by group (`*.crossplane.io`, `*.upbound.io`), which misses composite
// resources in custom groups; Mooring also recognises any object whose Synced condition carries one
// of crossplane-runtime's reasons. Rules and messages follow Argo CD's script, with two changes:
// a paused resource is Suspended (Argo CD: Degraded), and a resource without status is
// Progressing unless it is one of the kinds that never get a status (Argo CD: Healthy).
import type { BuiltinCheck } from "./check.ts";
import {
  CONDITIONS,
  conditionField,
  conditionReason,
  conditionSummary,
  hasCondition,
  literal,
} from "./snippets.ts";

/** Kinds that are configuration only: their controllers never write a status. */
const WITHOUT_STATUS = [
  "Composition",
  "CompositionRevision",
  "DeploymentRuntimeConfig",
  "ClusterProviderConfig",
  "ProviderConfig",
  "ProviderConfigUsage",
  "ControllerConfig",
];

const EMPTY_STATUS = "size(object.?status.orValue({})) == 0";
const HEALTHY_TYPES = ["Ready", "Healthy", "Offered", "Established", "ValidPipeline", "RevisionHealthy"];

export const CROSSPLANE_CHECKS: readonly BuiltinCheck[] = [
  {
    project: "Crossplane",
    groups: ["*.crossplane.io", "*.upbound.io"],
    kinds: ["*"],
    detect: `${hasCondition("Ready")} && ${CONDITIONS}.exists(c, c.?type.orValue("") == "Synced" && c.?reason.orValue("") in ["ReconcileSuccess", "ReconcileError", "ReconcilePaused"])`,
    rules: [
      {
        when: `${EMPTY_STATUS} && object.kind in ${JSON.stringify(WITHOUT_STATUS)}`,
        status: "Healthy",
        message: literal("Resource is up-to-date."),
      },
      {
        when: `${CONDITIONS}.size() == 0 && object.kind in ["ProviderConfig", "ClusterProviderConfig"] && object.?status.?users.orValue(null) != null`,
        status: "Healthy",
        message: literal("Resource is in use."),
      },
      {
        when: conditionReason("Synced", "ReconcilePaused"),
        status: "Suspended",
        message: `"reconciliation is paused: " + ${conditionField("Synced", "message")}`,
      },
      {
        when: hasCondition("LastAsyncOperation", "False"),
        status: "Degraded",
        message: conditionField("LastAsyncOperation", "message"),
      },
      {
        when: hasCondition("Synced", "False"),
        status: "Degraded",
        message: conditionField("Synced", "message"),
      },
      // A Provider, Configuration or Function package whose active revision is unhealthy.
      {
        when: conditionReason("Healthy", "UnhealthyPackageRevision"),
        status: "Degraded",
        message: conditionSummary("Healthy"),
      },
      {
        when: HEALTHY_TYPES.map((type) => hasCondition(type, "True")).join(" || "),
        status: "Healthy",
        message: literal("Resource is up-to-date."),
      },
      { when: "true", status: "Progressing", message: literal("Provisioning ...") },
    ],
  },
];

// Argo Rollouts (argoproj.io Rollout) replaces a Deployment with canary or blue-green updates.
// The controller reports progress in status: `currentPodHash` names the ReplicaSet of the current
// spec, `stableRS` the one that took all traffic last; a rollout is done when they are the same
// and every replica is updated and available. A rollout waiting at a pause step, or paused by a
// person (`spec.paused`), lists `status.pauseConditions`: Suspended, as in Argo CD, until someone
// promotes it or the pause ends. An aborted rollout, one past its progress deadline and an
// invalid spec are Degraded. Same states and messages as Argo CD's health script.
import type { BuiltinCheck } from "./check.ts";
import { conditionField, conditionReason, hasCondition, literal } from "./snippets.ts";

/** Older Rollouts wrote a spec hash into observedGeneration; only a number can be compared. */
const GENERATION_UNOBSERVED = `
  object.?status.?observedGeneration.orValue(null) == null ||
  cel.bind(og, string(object.status.observedGeneration),
    og.matches("^[0-9]+$") && og != string(object.?metadata.?generation.orValue(0)))`;

const DESIRED = "object.?spec.?replicas.orValue(1)";
const UPDATED = "object.?status.?updatedReplicas.orValue(0)";
const AVAILABLE = "object.?status.?availableReplicas.orValue(0)";
const CURRENT_HASH = 'object.?status.?currentPodHash.orValue("")';
/** Rollouts before v0.8 kept the stable ReplicaSet under status.canary. */
const STABLE_RS = 'object.?status.?stableRS.orValue(object.?status.?canary.?stableRS.orValue(""))';
const BLUE_GREEN = "(object.?spec.?strategy.?blueGreen.orValue(null) != null)";
const CANARY = "(object.?spec.?strategy.?canary.orValue(null) != null)";

const invalidSpec = hasCondition("InvalidSpec");
const aborted = conditionReason("Progressing", "RolloutAborted");
const timedOut = conditionReason("Progressing", "ProgressDeadlineExceeded");

export const ARGO_ROLLOUTS_CHECKS: readonly BuiltinCheck[] = [
  {
    project: "Argo Rollouts",
    groups: ["argoproj.io"],
    kinds: ["Rollout"],
    rules: [
      {
        when: GENERATION_UNOBSERVED,
        status: "Progressing",
        message: literal("Waiting for rollout spec update to be observed"),
      },
      { when: invalidSpec, status: "Degraded", message: conditionField("InvalidSpec", "message") },
      {
        when: `${aborted} || ${timedOut}`,
        status: "Degraded",
        message: conditionField("Progressing", "message"),
      },
      {
        when: "object.?status.?pauseConditions.orValue([]).size() > 0 || object.?spec.?paused.orValue(false) == true",
        status: "Suspended",
        message: literal("Rollout is paused"),
      },
      {
        when: `${CURRENT_HASH} == ""`,
        status: "Progressing",
        message: literal("Waiting for rollout to finish: status has not been reconciled."),
      },
      {
        when: `${UPDATED} < ${DESIRED}`,
        status: "Progressing",
        message: literal("Waiting for roll out to finish: More replicas need to be updated"),
      },
      {
        when: `${AVAILABLE} < ${UPDATED}`,
        status: "Progressing",
        message: literal("Waiting for roll out to finish: updated replicas are still becoming available"),
      },
      {
        when: `${BLUE_GREEN} && object.?status.?blueGreen.?activeSelector.orValue("") != ${CURRENT_HASH}`,
        status: "Progressing",
        message: literal("active service cutover pending"),
      },
      {
        when: `${BLUE_GREEN} && ${STABLE_RS} != "" && ${STABLE_RS} != ${CURRENT_HASH}`,
        status: "Progressing",
        message: literal("waiting for analysis to complete"),
      },
      {
        when: `!${BLUE_GREEN} && ${CANARY} && object.?status.?replicas.orValue(0) > ${UPDATED}`,
        status: "Progressing",
        message: literal("Waiting for roll out to finish: old replicas are pending termination"),
      },
      {
        when: `!${BLUE_GREEN} && ${CANARY} && ${STABLE_RS} != ${CURRENT_HASH}`,
        status: "Progressing",
        message: literal("Waiting for rollout to finish steps"),
      },
      { when: "true", status: "Healthy" },
    ],
  },
];

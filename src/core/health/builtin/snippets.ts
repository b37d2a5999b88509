// CEL fragments the built-in checks share, so that each check reads as the rules of its kind and
// not as field-access guards. Every fragment reads defensively: an absent status, condition or
// field gives the empty value, never a CEL error.
//
// Conditions are Kubernetes' common status vocabulary: `type` names the question ("Ready"),
// `status` answers it ("True", "False" or "Unknown"), `reason` is a CamelCase code and `message`
// the controller's words.

/** The object's conditions, or an empty list. */
export const CONDITIONS = "object.?status.?conditions.orValue([])";

type ConditionStatus = "True" | "False" | "Unknown";

/** True when a condition of this type exists (with this status, when given). */
export function hasCondition(type: string, status?: ConditionStatus): string {
  const statusTest = status ? ` && c.?status.orValue("") == "${status}"` : "";
  return `${CONDITIONS}.exists(c, c.?type.orValue("") == "${type}"${statusTest})`;
}

/**
 * Like `hasCondition`, but a condition stamped with an older generation (its own
 * `observedGeneration`, as Flux and most kubebuilder controllers write) does not count: it is
 * about a spec that has since changed.
 */
export function hasCurrentCondition(type: string, status: ConditionStatus): string {
  const generation = "object.?metadata.?generation.orValue(0)";
  return `${CONDITIONS}.exists(c, c.?type.orValue("") == "${type}" && c.?status.orValue("") == "${status}" && c.?observedGeneration.orValue(${generation}) == ${generation})`;
}

/** True when a condition of this type has this reason. */
export function conditionReason(type: string, reason: string): string {
  return `${CONDITIONS}.exists(c, c.?type.orValue("") == "${type}" && c.?reason.orValue("") == "${reason}")`;
}

/** A field of the first condition of this type, or "". */
export function conditionField(type: string, field: "message" | "reason"): string {
  return `${CONDITIONS}.filter(c, c.?type.orValue("") == "${type}").map(c, c.?${field}.orValue(""))[?0].orValue("")`;
}

/** "reason: message" of the first condition of this type, or whichever of the two is set. */
export function conditionSummary(type: string): string {
  return `cel.bind(r, ${conditionField(type, "reason")}, cel.bind(m, ${conditionField(type, "message")}, r != "" && m != "" ? r + ": " + m : r + m))`;
}

/** A CEL string literal. */
export function literal(text: string): string {
  return JSON.stringify(text);
}

/**
 * True when the controller has not yet acted on the latest spec: `status.observedGeneration` is
 * a number below `metadata.generation`. Without observedGeneration there is no evidence either way.
 */
export const UNOBSERVED_GENERATION =
  "cel.bind(og, object.?status.?observedGeneration.orValue(null), type(og) == int && og < object.?metadata.?generation.orValue(0))";

/** The message for UNOBSERVED_GENERATION. */
export const UNOBSERVED_GENERATION_MESSAGE =
  '"waiting for the controller to observe generation " + string(object.metadata.generation) + " (observed " + string(object.status.observedGeneration) + ")"';

/**
 * The rules of kinds whose Ready condition says it all (cert-manager's issuers, External Secrets):
 * Ready=False is a failure, Ready=True is done, anything else is still being set up. As in Argo
 * CD, the message is the controller's own.
 */
export function readyConditionRules(waiting: string) {
  return [
    { when: hasCondition("Ready", "False"), status: "Degraded", message: conditionField("Ready", "message") },
    { when: hasCondition("Ready", "True"), status: "Healthy", message: conditionField("Ready", "message") },
    { when: "true", status: "Progressing", message: literal(waiting) },
  ] as const;
}

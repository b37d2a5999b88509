// Plan ids. An approval must name one exact plan: the changes tofu will make and the inputs
// they were planned from. tofu-controller names a plan after the commit, so a plan re-made
// after a Secret or a live resource changed keeps the old name and an old approval still
// matches it — the "stale approval" users complain about. Here the id is a digest of the
// content: same content, same id (a re-plan of an unchanged Stack keeps its approval), any
// difference, a new id (an approval of the old one is refused).
//
// What is hashed: the saved plan itself as tofu wrote it — every resource change with its
// actions and before/after values (sensitive ones included, so a new password makes a new plan),
// the drift, the output changes, the variable values — minus the moment it was made, with the
// lists tofu fills in parallel put in order (src/core/stack/plan-file.ts); and the inputs —
// commit, path, workspace and plan purpose. Values are only hashed, never stored.
//
// The digest is injected: the core has no crypto. Because the id is visible to everyone who
// can read the Stack and most of what is hashed is too, a plain SHA-256 would let someone test
// guesses of a short secret against the id; the adapter therefore offers a keyed HMAC
// (src/terraform/hash.ts) and that is what the controller should pass.
import { isPlainObject } from "../json.ts";
import type { PlanPurpose } from "./spec.ts";

/** Hex digest of a text (SHA-256, or HMAC-SHA-256 with a key the installation keeps). */
export type Digest = (text: string) => string;

export interface PlanInputs {
  /** The commit SHA the module was checked out at. */
  revision: string;
  /** Module path inside the repository. */
  path: string;
  workspace: string;
  purpose: PlanPurpose;
}

export const PLAN_ID_PREFIX = "p-";
const PLAN_ID = /^p-[0-9a-f]{16}$/;
/** Bumped whenever what is hashed changes, so old ids never collide with new ones. */
const SCHEME = 2;

/** A plan id as planId() makes them: `p-` and 16 hex digits. */
export function isPlanId(text: string): boolean {
  return PLAN_ID.test(text);
}

/**
 * The id of a plan: `p-` and the first 16 hex digits of the digest of its content (the
 * `identity` of a decoded plan) and inputs.
 */
export function planId(identity: readonly string[], inputs: PlanInputs, digest: Digest): string {
  const hex = digest(canonicalJson({ scheme: SCHEME, inputs: { ...inputs }, plan: [...identity].sort() }));
  if (!/^[0-9a-f]{16,}$/.test(hex))
    throw new Error("plan id digest must return at least 16 lower-case hex digits");
  return PLAN_ID_PREFIX + hex.slice(0, 16);
}

/**
 * JSON with object keys sorted at every level and no whitespace; `undefined` members are
 * dropped as JSON.stringify does. Two values that are equal as JSON give the same text.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  if (isPlainObject(value)) {
    const members = Object.keys(value)
      .sort()
      .filter((k) => value[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`);
    return `{${members.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

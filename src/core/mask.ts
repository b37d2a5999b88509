// Secret masking. A Secret's values must never reach a diff, a log, an event, the UI or the
// audit store in clear, yet a diff still has to tell a changed password from an unchanged one.
// So within one comparison every distinct value becomes a numbered mask: the same value gets
// the same mask on both sides, a different value a different one, and the mask says nothing
// about the value itself. The keys of a Secret are not secret and stay visible.
//
// `kubectl.kubernetes.io/last-applied-configuration` on a Secret holds a full copy of it,
// values included, so it is masked the same way.
import { clone, groupOf, type KubeObject } from "./objects.ts";

export const SECRET_MASK = "++++++++";

const SECRET_VALUE_FIELDS = ["data", "stringData"] as const;
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/** A core-group Secret (other groups may have a kind named Secret with nothing secret in it). */
export function isSecret(obj: KubeObject): boolean {
  return obj.kind === "Secret" && groupOf(obj.apiVersion) === "";
}

/** A copy of `obj` with every Secret value replaced by `++++++++`; other kinds are copied as is. */
export function maskSecret(obj: KubeObject): KubeObject {
  return maskWith(obj, () => SECRET_MASK);
}

export interface MaskedPair {
  live: KubeObject | null;
  desired: KubeObject | null;
}

/**
 * Copies of both sides of a comparison with Secret values replaced by `++++++++ (1)`,
 * `++++++++ (2)`, ... numbered by first appearance (live first), so equal values still compare
 * equal and changed ones differ. A value under `data` and the same text under `stringData` are
 * different contents (one is base64) and get different numbers.
 */
export function maskSecretPair(live: KubeObject | null, desired: KubeObject | null): MaskedPair {
  const numbers = new Map<string, number>();
  const mask = (field: string, value: unknown): string => {
    const key = `${field}\u0000${typeof value === "string" ? value : JSON.stringify(value)}`;
    let n = numbers.get(key);
    if (n === undefined) {
      n = numbers.size + 1;
      numbers.set(key, n);
    }
    return `${SECRET_MASK} (${n})`;
  };
  return {
    live: live && maskWith(live, mask),
    desired: desired && maskWith(desired, mask),
  };
}

function maskWith(obj: KubeObject, mask: (field: string, value: unknown) => string): KubeObject {
  const copy = clone(obj);
  if (!isSecret(copy)) return copy;
  for (const field of SECRET_VALUE_FIELDS) {
    const values = copy[field];
    if (typeof values !== "object" || values === null) {
      // A malformed value could itself be the secret; never pass it through.
      if (values !== undefined) copy[field] = mask(field, values);
      continue;
    }
    const entries = values as Record<string, unknown>;
    for (const key of Object.keys(entries).sort()) entries[key] = mask(field, entries[key]);
  }
  const annotations = copy.metadata.annotations;
  if (annotations && LAST_APPLIED in annotations) {
    annotations[LAST_APPLIED] = mask(LAST_APPLIED, annotations[LAST_APPLIED]);
  }
  return copy;
}

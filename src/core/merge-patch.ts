// JSON merge patch (RFC 7396) that turns one document into another. A merge patch merges
// nested objects, so a key that disappeared must be sent as null or the server keeps it — the
// reason a status field like health.message would otherwise linger after it stopped applying.
// Arrays and scalars are replaced whole.
import { isPlainObject, type JsonMap } from "./json.ts";

export function mergePatchFrom(previous: unknown, next: unknown): unknown {
  if (!isPlainObject(previous) || !isPlainObject(next)) return next;
  const patch: JsonMap = {};
  for (const key of Object.keys(previous)) if (!(key in next) || next[key] === undefined) patch[key] = null;
  for (const [key, value] of Object.entries(next)) {
    if (value === undefined) continue;
    patch[key] = mergePatchFrom(previous[key], value);
  }
  return patch;
}

// Small helpers over JSON data (what Kubernetes objects are once decoded), shared by
// normalisation, ignore rules and diff. A path is a list of tokens as in a JSON pointer:
// map keys as they are, array indices as decimal strings.

export type JsonMap = Record<string, unknown>;
export type Path = readonly string[];

export function isPlainObject(value: unknown): value is JsonMap {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Structural equality of JSON values; map key order does not matter, array order does. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return false;
}

const INDEX = /^(0|[1-9][0-9]*)$/;

/** The array index a token names, or undefined when it names none (e.g. "-", "01", "x"). */
export function arrayIndex(token: string, array: readonly unknown[]): number | undefined {
  if (!INDEX.test(token)) return undefined;
  const index = Number(token);
  return index < array.length ? index : undefined;
}

/**
 * Removes every path from `root` in place; paths that lead nowhere are skipped. Maps and arrays
 * emptied by a removal are removed from their parent map too, so `metadata.annotations: {}` is
 * not left behind to show up as a difference. Elements of arrays are never removed that way:
 * dropping one would shift its neighbours and misalign an index-by-index comparison.
 */
export function removePaths(root: JsonMap, paths: readonly Path[]): void {
  // Removing a higher index first keeps the lower indices of the same array valid. Removing the
  // same path twice would take out a shifted neighbour the second time, hence the dedupe.
  const ordered = [...paths].sort(comparePaths).reverse();
  ordered.forEach((path, i) => {
    if (i === 0 || comparePaths(path, ordered[i - 1] as Path) !== 0) removePath(root, path);
  });
}

function removePath(root: JsonMap, path: Path): void {
  if (path.length === 0) return;
  const chain: unknown[] = [root];
  for (const token of path.slice(0, -1)) {
    const next = child(chain[chain.length - 1], token);
    if (next === undefined) return;
    chain.push(next);
  }
  const last = path[path.length - 1] as string;
  if (!removeChild(chain[chain.length - 1], last)) return;
  for (let depth = chain.length - 1; depth > 0; depth--) {
    const container = chain[depth];
    const parent = chain[depth - 1];
    if (!isEmptyContainer(container) || !isPlainObject(parent)) break;
    delete parent[path[depth - 1] as string];
  }
}

function child(container: unknown, token: string): unknown {
  if (Array.isArray(container)) {
    const index = arrayIndex(token, container);
    return index === undefined ? undefined : container[index];
  }
  if (isPlainObject(container) && Object.hasOwn(container, token)) return container[token];
  return undefined;
}

function removeChild(container: unknown, token: string): boolean {
  if (Array.isArray(container)) {
    const index = arrayIndex(token, container);
    if (index === undefined) return false;
    container.splice(index, 1);
    return true;
  }
  if (isPlainObject(container) && Object.hasOwn(container, token)) {
    delete container[token];
    return true;
  }
  return false;
}

function isEmptyContainer(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 0;
  return isPlainObject(value) && Object.keys(value).length === 0;
}

/** Orders paths token by token, comparing array indices as numbers; a prefix sorts first. */
export function comparePaths(a: Path, b: Path): number {
  const shared = Math.min(a.length, b.length);
  for (let i = 0; i < shared; i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x === y) continue;
    if (INDEX.test(x) && INDEX.test(y)) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

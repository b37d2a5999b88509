// Path globs as ApplicationSet git generators use them: `*` matches within one path segment,
// `**` any number of whole segments, `?` one character other than `/`. Patterns come from
// tenants, so they are matched segment by segment without regular expressions; the work is
// bounded by (pattern segments × path segments) memoised states.
import { globMatch } from "../project/glob.ts";

/** True when the repository-relative path matches the whole pattern. */
export function pathGlobMatch(pattern: string, path: string): boolean {
  const pat = pattern.split("/").filter((s) => s !== "");
  const parts = path.split("/").filter((s) => s !== "");
  const memo = new Map<number, boolean>();
  const match = (p: number, t: number): boolean => {
    const key = p * (parts.length + 1) + t;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (p === pat.length) result = t === parts.length;
    else if (pat[p] === "**") result = match(p + 1, t) || (t < parts.length && match(p, t + 1));
    else result = t < parts.length && globMatch(pat[p] as string, parts[t] as string) && match(p + 1, t + 1);
    memo.set(key, result);
    return result;
  };
  return match(0, 0);
}

/**
 * Argo CD's include/exclude lists: a path is chosen when some entry without `exclude` matches it
 * and no entry with `exclude: true` does.
 */
export function chosenByPatterns(patterns: { path: string; exclude?: boolean }[], path: string): boolean {
  const included = patterns.some((p) => p.exclude !== true && pathGlobMatch(p.path, path));
  return included && !patterns.some((p) => p.exclude === true && pathGlobMatch(p.path, path));
}

// Wildcard patterns as project authors write them: `*` stands for any run of characters (empty
// included), `?` for exactly one, everything else for itself. Patterns come from users, so they
// are never compiled to a regular expression: a backtracking regex engine can take exponential
// time on `a*a*a*a*…b`. This matcher walks the text once per remembered star position, at most
// O(pattern × text) steps whatever the input, with no recursion.

/** True when `text` matches the whole of `pattern`. */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  // Where the last `*` was seen, and the text position it was tried against.
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const c = pattern[p];
    if (c === "*") {
      starP = p;
      starT = t;
      p++;
    } else if (c !== undefined && (c === "?" || c === text[t])) {
      p++;
      t++;
    } else if (starP >= 0) {
      // Let the last star swallow one more character and retry from just after it.
      p = starP + 1;
      starT++;
      t = starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}

/** True when the pattern contains a wildcard. */
export function isGlob(pattern: string): boolean {
  return pattern.includes("*") || pattern.includes("?");
}

/**
 * Argo CD's negatable patterns: `!kube-system` matches every value but `kube-system`.
 * Returns whether the value matches, honouring a leading `!`.
 */
export function negatableMatch(pattern: string, text: string): boolean {
  return isDeny(pattern) ? !globMatch(pattern.slice(1), text) : globMatch(pattern, text);
}

/** A pattern that starts with `!` denies what the rest of it matches. */
export function isDeny(pattern: string | undefined): boolean {
  return pattern?.startsWith("!") ?? false;
}

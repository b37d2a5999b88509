// Chart versions: which published version an Application's `targetRevision` picks. Helm (and so
// Argo CD) reads a chart's targetRevision as a semantic-version constraint in the dialect of
// Masterminds/semver: an exact `1.2.3`, wildcards `1.2.*`, `1.x`, `*`, carets `^1.2.0` (same major),
// tildes `~1.2` (same minor), comparisons `>=1.0 <2.0` (AND, by blank or comma), hyphen ranges
// `1.0 - 2.0` and alternatives joined by `||`. The highest published version that satisfies it
// wins. A pre-release (1.3.0-rc.1) is chosen only when the constraint itself names a pre-release,
// as in Helm; an exact version is always taken as written.
// OCI tags cannot carry `+`, so Helm pushes 1.2.3+build as the tag 1.2.3_build: versionFromTag
// turns it back.

export interface ChartVersion {
  major: number;
  minor: number;
  patch: number;
  /** Dot-separated pre-release identifiers; empty for a release. */
  prerelease: string[];
  /** The text as published (tag or index entry), which is what is pulled. */
  text: string;
}

const VERSION = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** A published version, or undefined when the text is not a semantic version. */
export function parseChartVersion(text: string): ChartVersion | undefined {
  const m = VERSION.exec(text.trim());
  if (!m) return undefined;
  return {
    major: Number(m[1]),
    minor: Number(m[2] ?? 0),
    patch: Number(m[3] ?? 0),
    prerelease: m[4] ? m[4].split(".") : [],
    text,
  };
}

/** The chart version an OCI tag stands for (Helm writes `+` as `_` in tags). */
export function versionFromTag(tag: string): string {
  return tag.replaceAll("_", "+");
}

function compareIdentifiers(a: string, b: string): number {
  const na = /^\d+$/.test(a);
  const nb = /^\d+$/.test(b);
  if (na && nb) return Number(a) - Number(b);
  if (na) return -1;
  if (nb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Semantic-version order; build metadata does not count. */
export function compareChartVersions(a: ChartVersion, b: ChartVersion): number {
  const core = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (core !== 0) return core;
  if (a.prerelease.length === 0 || b.prerelease.length === 0)
    return b.prerelease.length - a.prerelease.length;
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const c = compareIdentifiers(x, y);
    if (c !== 0) return c;
  }
  return 0;
}

type Operator = "=" | "!=" | ">" | ">=" | "<" | "<=";

interface Comparison {
  op: Operator;
  version: ChartVersion;
}

/** A constraint: alternatives (||), each a list of comparisons that must all hold. */
export interface VersionConstraint {
  alternatives: Comparison[][];
  /** Whether the constraint names a pre-release, which lets pre-releases be chosen. */
  allowsPrerelease: boolean;
  text: string;
}

export class ConstraintError extends Error {
  readonly code = "chart-version-constraint";
  constructor(text: string, why: string) {
    super(`targetRevision ${JSON.stringify(text)} is not a version or a version range: ${why}`);
  }
}

const WILDCARD = /^[*xX]$/;
const PARTIAL =
  /^v?(\d+|[*xX])(?:\.(\d+|[*xX]))?(?:\.(\d+|[*xX]))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

interface Partial {
  parts: (number | undefined)[];
  prerelease: string[];
}

function parsePartial(text: string, whole: string): Partial {
  const m = PARTIAL.exec(text);
  if (!m) throw new ConstraintError(whole, `${JSON.stringify(text)} is not a version`);
  const parts: (number | undefined)[] = [];
  for (const p of [m[1], m[2], m[3]]) {
    if (p === undefined || WILDCARD.test(p)) break;
    parts.push(Number(p));
  }
  return { parts, prerelease: m[4] ? m[4].split(".") : [] };
}

function version(major: number, minor: number, patch: number, prerelease: string[] = []): ChartVersion {
  return { major, minor, patch, prerelease, text: `${major}.${minor}.${patch}` };
}

/** The lowest version a partial stands for (1.2 → 1.2.0). */
function floor(p: Partial): ChartVersion {
  return version(p.parts[0] ?? 0, p.parts[1] ?? 0, p.parts[2] ?? 0, p.prerelease);
}

/** The first version past a partial's range, as a pre-release floor (1.2 → 1.3.0-0). */
function ceiling(p: Partial): ChartVersion | undefined {
  const [major, minor] = p.parts;
  if (major === undefined) return undefined;
  if (minor === undefined) return version(major + 1, 0, 0, ["0"]);
  return version(major, minor + 1, 0, ["0"]);
}

function range(p: Partial): Comparison[] {
  if (p.parts.length === 3) return [{ op: "=", version: floor(p) }];
  const upper = ceiling(p);
  const lower: Comparison = { op: ">=", version: floor(p) };
  return upper ? [lower, { op: "<", version: upper }] : [lower];
}

function caret(p: Partial): Comparison[] {
  const [major = 0, minor, patch] = p.parts;
  const lower: Comparison = { op: ">=", version: floor(p) };
  if (p.parts.length === 0) return [lower];
  let upper: ChartVersion;
  if (major > 0 || minor === undefined) upper = version(major + 1, 0, 0, ["0"]);
  else if (minor > 0 || patch === undefined) upper = version(0, minor + 1, 0, ["0"]);
  else upper = version(0, 0, patch + 1, ["0"]);
  return [lower, { op: "<", version: upper }];
}

function tilde(p: Partial): Comparison[] {
  const [major, minor] = p.parts;
  if (major === undefined) return [{ op: ">=", version: floor(p) }];
  const upper = minor === undefined ? version(major + 1, 0, 0, ["0"]) : version(major, minor + 1, 0, ["0"]);
  return [
    { op: ">=", version: floor(p) },
    { op: "<", version: upper },
  ];
}

function comparison(term: string, whole: string): Comparison[] {
  const m = /^(\^|~>?|>=|<=|!=|==?|>|<)?\s*(.+)$/.exec(term);
  const op = m?.[1] ?? "";
  const p = parsePartial(m?.[2] ?? term, whole);
  switch (op) {
    case "^":
      return caret(p);
    case "~":
    case "~>":
      return tilde(p);
    case "":
    case "=":
    case "==":
      return p.parts.length === 0 ? [] : range(p);
    case "!=":
      return p.parts.length === 3 ? [{ op: "!=", version: floor(p) }] : [];
    case ">=":
      return [{ op: ">=", version: floor(p) }];
    case "<":
      return p.parts.length === 0
        ? [{ op: "<", version: version(0, 0, 0, ["0"]) }]
        : [{ op: "<", version: floor(p) }];
    case ">": {
      if (p.parts.length === 3) return [{ op: ">", version: floor(p) }];
      const upper = ceiling(p);
      return upper ? [{ op: ">=", version: upper }] : [{ op: "<", version: version(0, 0, 0, ["0"]) }];
    }
    case "<=": {
      if (p.parts.length === 3) return [{ op: "<=", version: floor(p) }];
      const upper = ceiling(p);
      return upper ? [{ op: "<", version: upper }] : [];
    }
  }
  throw new ConstraintError(whole, `unknown operator ${op}`);
}

/** Reads a targetRevision as a constraint; throws ConstraintError when it is neither. */
export function parseConstraint(text: string): VersionConstraint {
  const whole = text.trim();
  if (whole === "") throw new ConstraintError(text, "it is empty");
  const alternatives = whole.split("||").map((alternative) => {
    const hyphen = /^\s*(\S+)\s+-\s+(\S+)\s*$/.exec(alternative);
    if (hyphen) {
      const low = parsePartial(hyphen[1] ?? "", whole);
      const high = parsePartial(hyphen[2] ?? "", whole);
      const upper = high.parts.length === 3 ? undefined : ceiling(high);
      const lower: Comparison = { op: ">=", version: floor(low) };
      if (high.parts.length === 3) return [lower, { op: "<=" as const, version: floor(high) }];
      return upper ? [lower, { op: "<" as const, version: upper }] : [lower];
    }
    // Operators may be followed by a blank (`>= 1.0`): glue them to their version first.
    const terms = alternative
      .replace(/(\^|~>?|>=|<=|!=|==?|>|<)\s+/g, "$1")
      .split(/[\s,]+/)
      .filter((t) => t !== "");
    if (terms.length === 0) throw new ConstraintError(text, "an alternative between || is empty");
    return terms.flatMap((t) => comparison(t, whole));
  });
  return { alternatives, allowsPrerelease: /\d-[0-9A-Za-z]/.test(whole), text: whole };
}

function holds(c: Comparison, v: ChartVersion): boolean {
  const order = compareChartVersions(v, c.version);
  switch (c.op) {
    case "=":
      return order === 0;
    case "!=":
      return order !== 0;
    case ">":
      return order > 0;
    case ">=":
      return order >= 0;
    case "<":
      return order < 0;
    case "<=":
      return order <= 0;
  }
}

/** Whether a version satisfies a constraint (pre-releases only when the constraint names one). */
export function satisfies(v: ChartVersion, constraint: VersionConstraint): boolean {
  if (v.prerelease.length > 0 && !constraint.allowsPrerelease) return false;
  return constraint.alternatives.some((all) => all.every((c) => holds(c, v)));
}

/**
 * The version of `published` that `targetRevision` picks: the text itself when it is published
 * as written (an exact version, including a pre-release), else the highest satisfying version;
 * undefined when none does; an empty targetRevision picks the latest release. Texts that are not semantic versions are never chosen by a range.
 */
export function chooseChartVersion(targetRevision: string, published: readonly string[]): string | undefined {
  // No targetRevision means the latest release, as with `helm pull` without --version.
  const wanted = targetRevision.trim() || "*";
  if (published.includes(wanted)) return wanted;
  const constraint = parseConstraint(wanted);
  let best: ChartVersion | undefined;
  for (const text of published) {
    const v = parseChartVersion(text);
    if (v === undefined || !satisfies(v, constraint)) continue;
    if (best === undefined || compareChartVersions(v, best) > 0) best = v;
  }
  return best?.text;
}

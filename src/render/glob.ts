// The glob dialect of `directory.include` / `directory.exclude`, matched against a file's path
// relative to the source path ("web/deploy.yaml").
//
// Users port these patterns from Argo CD, which matches them with no path separator: `*` there
// matches any run of characters, "/" included. So `exclude: "*.json"` skips JSON files in
// subdirectories too, and `include: "prod/*"` takes everything below prod/. A shell-style glob
// (Node's path.matchesGlob) would stop `*` at "/", and the same Application would silently pick a
// different set of files, so we keep Argo CD's meaning:
//   *  **    any characters, "/" included
//   ?        one character
//   [abc] [a-z] [!abc]   one character from (or not from) a set
//   {a,b}    any of the comma-separated alternatives (they may nest and contain globs)
//   \x       the character x itself
//
// Helm value file globs (Argo CD 3.4) use the other dialect, that of the doublestar library
// Argo CD matches them with, where a path is a list of segments (compileGlob's `segments`):
//   *        any characters within one segment ("/" excluded); `?` and `[...]` never match "/"
//   **       a whole segment of its own: any number of segments, none included, so
//            `envs/**/prod.yaml` matches envs/prod.yaml and envs/eu/west/prod.yaml
//
// Patterns come from Applications, so from anyone who may write one; they must not be able to
// stall the controller. A backtracking RegExp takes exponential time on `*a*a*a*...b` against a
// long name (12 stars against 40 characters held the event loop, and with it the leader Lease,
// for 13 s), so a pattern is parsed into a small automaton and matched by following every state
// at once (Thompson's construction): time grows with the pattern length times the path length.
import { RenderError } from "./errors.ts";

/** One state of the automaton; `next` is filled in as the pattern is assembled. */
type State =
  /** Consumes one character for which `test` holds. */
  | { type: "char"; test: (ch: number) => boolean; next: State | null }
  /** `*`: consumes any run of characters ("/" only when `crossesSlash`), then continues at `next`. */
  | { type: "star"; crossesSlash: boolean; next: State | null }
  /** `{a,b}`: continues at any of the alternatives. */
  | { type: "split"; outs: State[] }
  /** An empty alternative: continues at `next` without consuming anything. */
  | { type: "pass"; next: State | null }
  | { type: "match" };

/** A piece of automaton with one way in and the states whose `next` is still open. */
interface Fragment {
  start: State;
  ends: Open[];
}

type Open = Extract<State, { next: State | null }>;

export interface GlobOptions {
  /** Match path segments as doublestar does (see above) instead of Argo CD's `*`-crosses-"/"; default false. */
  segments?: boolean;
}

/** Compiles a pattern; a malformed one (unclosed `[` or `{`) is an invalid-source error. */
export function compileGlob(pattern: string, options: GlobOptions = {}): (path: string) => boolean {
  const state: ParseState = { pattern, pos: 0, segments: options.segments ?? false };
  const body = parseSequence(state, false);
  if (state.pos < pattern.length) fail(pattern, `unexpected "${pattern[state.pos]}"`);
  const match: State = { type: "match" };
  if (body !== null) connect(body, match);
  const start = body?.start ?? match;
  return (path) => run(start, path);
}

/** Follows every state at once; at most (states × characters) steps, never backtracking. */
function run(start: State, path: string): boolean {
  let current = closure([start]);
  for (const char of path) {
    const ch = char.codePointAt(0) as number;
    const stepped: State[] = [];
    for (const s of current) {
      if (s.type === "star" && (s.crossesSlash || ch !== SLASH)) stepped.push(s);
      else if (s.type === "char" && s.next && s.test(ch)) stepped.push(s.next);
    }
    if (stepped.length === 0) return false;
    current = closure(stepped);
  }
  return current.some((s) => s.type === "match");
}

/** The states reachable without consuming a character; each state taken once. */
function closure(states: State[]): State[] {
  const seen = new Set<State>();
  const out: State[] = [];
  const stack = [...states];
  while (stack.length > 0) {
    const s = stack.pop() as State;
    if (seen.has(s)) continue;
    seen.add(s);
    out.push(s);
    if (s.type === "split") stack.push(...s.outs);
    else if ((s.type === "star" || s.type === "pass") && s.next) stack.push(s.next);
  }
  return out;
}

function connect(fragment: Fragment, to: State): void {
  for (const end of fragment.ends) end.next = to;
}

function single(s: Open): Fragment {
  return { start: s, ends: [s] };
}

interface ParseState {
  pattern: string;
  pos: number;
  /** The doublestar dialect: "/" separates segments. */
  segments: boolean;
}

const SLASH = 0x2f;

/**
 * Parses until the end, or (inside braces) until the "," or "}" that ends one alternative.
 * Null stands for the empty sequence.
 */
function parseSequence(state: ParseState, inBraces: boolean): Fragment | null {
  let sequence: Fragment | null = null;
  const append = (piece: Fragment | null) => {
    if (piece === null) return;
    if (sequence === null) sequence = piece;
    else {
      connect(sequence, piece.start);
      sequence = { start: sequence.start, ends: piece.ends };
    }
  };
  const { pattern } = state;
  while (state.pos < pattern.length) {
    const ch = pattern[state.pos] as string;
    if (inBraces && (ch === "," || ch === "}")) return sequence;
    state.pos++;
    switch (ch) {
      case "*":
        append(parseStars(state));
        break;
      case "?":
        append(single({ type: "char", test: state.segments ? (c) => c !== SLASH : () => true, next: null }));
        break;
      case "[": {
        const inClass = parseClass(state);
        const test = state.segments ? (c: number) => c !== SLASH && inClass(c) : inClass;
        append(single({ type: "char", test, next: null }));
        break;
      }
      case "{":
        append(parseAlternatives(state));
        break;
      case "\\":
        if (state.pos >= pattern.length) fail(pattern, "trailing backslash");
        append(literal(pattern.codePointAt(state.pos) as number));
        state.pos += String.fromCodePoint(pattern.codePointAt(state.pos) as number).length;
        break;
      default: {
        const code = pattern.codePointAt(state.pos - 1) as number;
        // A character outside the Basic Multilingual Plane takes two positions.
        if (code > 0xffff) state.pos++;
        append(literal(code));
      }
    }
  }
  if (inBraces) fail(pattern, 'missing "}"');
  return sequence;
}

/** A run of stars, its first one already read. */
function parseStars(state: ParseState): Fragment {
  const { pattern } = state;
  const first = state.pos - 1;
  while (pattern[state.pos] === "*") state.pos++;
  // Argo CD's dialect: `**` and `*` mean the same; consecutive stars add nothing but states.
  if (!state.segments) return single({ type: "star", crossesSlash: true, next: null });
  const double = state.pos - first >= 2;
  const segmentStart = first === 0 || pattern[first - 1] === "/";
  const segmentEnd = state.pos === pattern.length || pattern[state.pos] === "/";
  if (!double || !segmentStart || !segmentEnd)
    return single({ type: "star", crossesSlash: false, next: null });
  if (state.pos === pattern.length) return single({ type: "star", crossesSlash: true, next: null });
  // `**/`: nothing at all, or any run of characters that ends with "/" (whole segments).
  state.pos++;
  const none: Open = { type: "pass", next: null };
  const some: Open = { type: "star", crossesSlash: true, next: null };
  const slash = literal(SLASH);
  some.next = slash.start;
  return { start: { type: "split", outs: [none, some] }, ends: [none, ...slash.ends] };
}

function literal(code: number): Fragment {
  return single({ type: "char", test: (ch) => ch === code, next: null });
}

function parseAlternatives(state: ParseState): Fragment {
  const outs: State[] = [];
  const ends: Fragment["ends"] = [];
  for (;;) {
    // An empty alternative ({a,}) goes straight on.
    const alternative = parseSequence(state, true) ?? single({ type: "pass", next: null });
    outs.push(alternative.start);
    ends.push(...alternative.ends);
    const ch = state.pattern[state.pos++];
    if (ch === "}") return { start: { type: "split", outs }, ends };
  }
}

/** `[abc]`, `[a-z]`, `[!abc]` (or `[^abc]`): one character from, or not from, a set. */
function parseClass(state: ParseState): (ch: number) => boolean {
  const { pattern } = state;
  const close = pattern.indexOf("]", state.pos + 1);
  if (close < 0) fail(pattern, 'missing "]"');
  let inner = Array.from(pattern.slice(state.pos, close), (c) => c.codePointAt(0) as number);
  state.pos = close + 1;
  let negate = false;
  if (inner[0] === 0x21 /* ! */ || inner[0] === 0x5e /* ^ */) {
    negate = true;
    inner = inner.slice(1);
  }
  const ranges: [number, number][] = [];
  for (let i = 0; i < inner.length; i++) {
    const from = inner[i] as number;
    const to = inner[i + 2];
    if (inner[i + 1] === 0x2d /* - */ && to !== undefined) {
      if (to < from)
        fail(pattern, `range ${String.fromCodePoint(from)}-${String.fromCodePoint(to)} is out of order`);
      ranges.push([from, to]);
      i += 2;
    } else ranges.push([from, from]);
  }
  return (ch) => ranges.some(([from, to]) => ch >= from && ch <= to) !== negate;
}

function fail(pattern: string, problem: string): never {
  throw new RenderError("invalid-source", `glob "${pattern}" is malformed: ${problem}`);
}

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
import { RenderError } from "./errors.ts";

/** Compiles a pattern; a malformed one (unclosed `[` or `{`) is an invalid-source error. */
export function compileGlob(pattern: string): (path: string) => boolean {
  const state = { pattern, pos: 0 };
  const body = parseSequence(state, false);
  if (state.pos < pattern.length) fail(pattern, `unexpected "${pattern[state.pos]}"`);
  const regex = new RegExp(`^${body}$`, "s");
  return (path) => regex.test(path);
}

interface ParseState {
  pattern: string;
  pos: number;
}

/** Parses until the end, or (inside braces) until the "," or "}" that ends one alternative. */
function parseSequence(state: ParseState, inBraces: boolean): string {
  let out = "";
  const { pattern } = state;
  while (state.pos < pattern.length) {
    const ch = pattern[state.pos] as string;
    if (inBraces && (ch === "," || ch === "}")) return out;
    state.pos++;
    switch (ch) {
      case "*":
        out += ".*";
        break;
      case "?":
        out += ".";
        break;
      case "[":
        out += parseClass(state);
        break;
      case "{":
        out += parseAlternatives(state);
        break;
      case "\\":
        if (state.pos >= pattern.length) fail(pattern, "trailing backslash");
        out += escapeRegex(pattern[state.pos++] as string);
        break;
      default:
        out += escapeRegex(ch);
    }
  }
  if (inBraces) fail(pattern, 'missing "}"');
  return out;
}

function parseAlternatives(state: ParseState): string {
  const alternatives: string[] = [];
  for (;;) {
    alternatives.push(parseSequence(state, true));
    const ch = state.pattern[state.pos++];
    if (ch === "}") return `(?:${alternatives.join("|")})`;
  }
}

function parseClass(state: ParseState): string {
  const { pattern } = state;
  const close = pattern.indexOf("]", state.pos + 1);
  if (close < 0) fail(pattern, 'missing "]"');
  let inner = pattern.slice(state.pos, close);
  state.pos = close + 1;
  let negate = false;
  if (inner.startsWith("!") || inner.startsWith("^")) {
    negate = true;
    inner = inner.slice(1);
  }
  // Inside a character class only these are special to RegExp; "-" keeps its range meaning.
  const escaped = inner.replace(/[\\\]^[]/g, "\\$&");
  return `[${negate ? "^" : ""}${escaped}]`;
}

function escapeRegex(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

function fail(pattern: string, problem: string): never {
  throw new RenderError("invalid-source", `glob "${pattern}" is malformed: ${problem}`);
}

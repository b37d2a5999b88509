// Reading the changed attributes out of a plan's text. The server keeps a Stack's plan as
// `tofu show` prints it (secret values already scrubbed to `***`, attributes a provider marks
// sensitive printed by tofu as `(sensitive value)`); the Stack's status lists what each resource
// does, but not which attributes change. This turns the text's resource blocks into rows of
// "attribute: before -> after", so the plan table can say what an update touches and which
// change forces a replacement, without ever holding the binary plan (which has values in clear).
//
// The shape read, per resource (tofu's human plan renderer):
//
//     # terraform_data.db must be replaced
//   -/+ resource "terraform_data" "db" {
//         ~ input  = "hello" -> "hello-v2" # forces replacement
//         ~ tags   = {
//             + "team" = "infra"
//           }
//           id     = "c5d1"                  <- unchanged: shown by tofu for context, skipped here
//           # (1 unchanged attribute hidden)
//       }
//
// Top-level attributes begin at column 8 (a sign at column 6 when they change); a value that
// opens `{` or `[` runs until its closing bracket back at column 8, and is kept as nested lines.

/** How an attribute changes: + added, - removed, ~ changed, -/+ or +/- replaced. */
export type AttributeSign = "+" | "-" | "~" | "-/+" | "+/-";

export interface AttributeChange {
  name: string;
  sign: AttributeSign;
  /** The value before, as tofu prints it; absent for an added attribute. */
  before?: string;
  /** The value after; absent for a removed attribute. */
  after?: string;
  /** tofu's `# forces replacement`: this change is why the resource is replaced. */
  forcesReplacement: boolean;
  /** The value is sensitive: never shown, only "(sensitive)". */
  sensitive: boolean;
  /** The lines inside a map, list or block value, as tofu prints them (indentation kept). */
  nested: string[];
}

export interface ResourceText {
  address: string;
  /** tofu's sentence: "will be created", "must be replaced", "will be updated in-place"... */
  sentence: string;
  /** Why, when tofu says: "(because terraform_data.old is not in configuration)". */
  because?: string;
  attributes: AttributeChange[];
}

export interface PlanText {
  resources: Map<string, ResourceText>;
  /** The "Changes to Outputs" section, one change per output. */
  outputs: AttributeChange[];
}

const SENSITIVE_VALUE = "(sensitive value)";
export const SENSITIVE_SHOWN = "(sensitive)";

const HEADER = /^ {2}# (.+?) ((?:will|must|has|is|would|cannot)\b.*)$/;
const BECAUSE = /^ {2}# (\(.*\))\s*$/;
const BLOCK_START = /^\s*(?:[-+~]|-\/\+|\+\/-|<=)?\s*(?:resource|data) "[^"]*" "[^"]*" \{$/;
const ATTRIBUTE = /^ {6}(-\/\+|\+\/-|[-+~]) (.*)$/;
const OUTPUT = /^ {2}(-\/\+|\+\/-|[-+~]) (.*)$/;

/** The resources and output changes of a `tofu show` text; unknown lines are skipped. */
export function parsePlanText(text: string): PlanText {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const resources = new Map<string, ResourceText>();
  const outputs: AttributeChange[] = [];
  let i = 0;
  let inOutputs = false;
  while (i < lines.length) {
    const line = lines[i] ?? "";
    if (/^Changes to Outputs:/.test(line)) {
      inOutputs = true;
      i++;
      continue;
    }
    if (inOutputs) {
      const match = OUTPUT.exec(line);
      if (match === null) {
        if (line.trim() !== "" && !line.startsWith(" ")) inOutputs = false;
        i++;
        continue;
      }
      const read = readAttribute(lines, i, match[1] as AttributeSign, match[2] ?? "", 4);
      if (read.change !== undefined) outputs.push(read.change);
      i = read.next;
      continue;
    }
    const header = HEADER.exec(line);
    if (header === null) {
      i++;
      continue;
    }
    const resource: ResourceText = { address: header[1] ?? "", sentence: header[2] ?? "", attributes: [] };
    i++;
    while (i < lines.length && BECAUSE.test(lines[i] ?? "")) {
      resource.because = BECAUSE.exec(lines[i] ?? "")?.[1];
      i++;
    }
    if (!BLOCK_START.test(lines[i] ?? "")) {
      // A header without a body ("has moved to ..."): the sentence is all there is.
      resources.set(resource.address, resource);
      continue;
    }
    i++;
    while (i < lines.length && !/^ {4}\}\s*$/.test(lines[i] ?? "")) {
      const match = ATTRIBUTE.exec(lines[i] ?? "");
      if (match === null) {
        i = skipValue(lines, i, 8);
        continue;
      }
      const read = readAttribute(lines, i, match[1] as AttributeSign, match[2] ?? "", 8);
      if (read.change !== undefined) resource.attributes.push(read.change);
      i = read.next;
    }
    resources.set(resource.address, resource);
    i++;
  }
  return { resources, outputs };
}

/**
 * Reads the attribute whose text after the sign is `rest`, at line `at`; `column` is where its
 * name starts, so where the closing bracket of a multi-line value sits.
 */
function readAttribute(
  lines: readonly string[],
  at: number,
  sign: AttributeSign,
  rest: string,
  column: number,
): { change?: AttributeChange; next: number } {
  const { text: body, forces } = withoutComment(rest);
  const eq = body.indexOf(" = ");
  const opensBlock = /\{$/.test(body) && (eq < 0 || body.slice(eq + 3).trim() === "{");
  const name = (eq < 0 ? body.replace(/\s*\{$/, "") : body.slice(0, eq)).trim().replace(/^"(.*)"$/, "$1");
  const value = eq < 0 ? (opensBlock ? "{" : "") : body.slice(eq + 3).trim();
  const change: AttributeChange = { name, sign, forcesReplacement: forces, sensitive: false, nested: [] };
  let next = at + 1;
  let closing = "";
  if (value === "{" || value === "[") {
    // A map, list or block: its lines up to the closing bracket at the name's column.
    const close = value === "{" ? "}" : "]";
    const end = new RegExp(`^ {${column}}\\${close}(.*)$`);
    while (next < lines.length) {
      const line = lines[next] ?? "";
      const ended = end.exec(line);
      if (ended !== null) {
        closing = ended[1] ?? "";
        next++;
        break;
      }
      change.nested.push(line.slice(Math.min(column, line.search(/\S|$/))));
      next++;
    }
    const tail = withoutComment(closing);
    if (tail.forces) change.forcesReplacement = true;
    // `} -> null`: the whole value goes away.
    if (/->\s*null\s*$/.test(tail.text)) change.after = "null";
    const shown = eq < 0 ? "(block)" : `${value}…${close}`;
    if (sign === "+") change.after = shown;
    else if (sign === "-") change.before = shown;
    else change.after ??= shown;
  } else {
    const [before, after] = splitArrow(value);
    if (after === undefined) {
      if (sign === "-") change.before = before;
      else change.after = before;
    } else {
      change.before = before;
      change.after = after;
    }
  }
  if (
    change.before?.includes(SENSITIVE_VALUE) ||
    change.after?.includes(SENSITIVE_VALUE) ||
    change.nested.some((line) => line.includes(SENSITIVE_VALUE))
  ) {
    change.sensitive = true;
    if (change.before !== undefined) change.before = SENSITIVE_SHOWN;
    if (change.after !== undefined && change.after !== "null") change.after = SENSITIVE_SHOWN;
    change.nested = [];
  }
  return { change, next };
}

/** Skips an unchanged attribute, a comment, or an unchanged multi-line value. */
function skipValue(lines: readonly string[], at: number, column: number): number {
  const line = lines[at] ?? "";
  const opens = /[{[]\s*$/.exec(line);
  if (opens === null || !line.startsWith(" ".repeat(column))) return at + 1;
  const close = opens[0].trim() === "{" ? "}" : "]";
  const end = new RegExp(`^ {${column}}\\${close}`);
  let i = at + 1;
  while (i < lines.length && !end.test(lines[i] ?? "")) i++;
  return i + 1;
}

/** The text without tofu's trailing `# forces replacement` note (quotes respected). */
function withoutComment(text: string): { text: string; forces: boolean } {
  const at = outsideQuotes(text, " # ");
  if (at < 0) return { text: text.trimEnd(), forces: false };
  return { text: text.slice(0, at).trimEnd(), forces: /forces replacement/.test(text.slice(at)) };
}

/** `"a" -> "b"` into its two sides; one side when there is no arrow outside quotes. */
function splitArrow(value: string): [string, string | undefined] {
  const at = outsideQuotes(value, " -> ");
  if (at < 0) return [value, undefined];
  return [value.slice(0, at).trim(), value.slice(at + 4).trim()];
}

/** Where `needle` first occurs outside double-quoted strings (escapes respected); -1 if not. */
function outsideQuotes(text: string, needle: string): number {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
      continue;
    }
    if (c === '"') {
      quoted = true;
      continue;
    }
    if (text.startsWith(needle, i)) return i;
  }
  return -1;
}

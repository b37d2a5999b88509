// The parser of Mooring's Go-template subset (ApplicationSet `goTemplate: true`). It reads text
// and `{{ … }}` actions (with `{{-` / `-}}` trimming and `{{/* comments */}}`), pipelines of
// commands joined by `|`, arguments that are fields (`.a.b` from the current value, `$.a` from
// the parameters), literals, function names or parenthesised pipelines, `if` / `else if` / `else`,
// and `with` and `range` (each with an optional `else`) which move `.` to a value or to each
// element in turn. Anything else (define, template, block, variables) is refused with a message,
// never half-understood.

export type Arg =
  /** `root`: read from the parameters (`$`), not from the current value (`.`). */
  | { kind: "field"; path: string[]; root: boolean }
  | { kind: "literal"; value: unknown }
  | { kind: "function"; name: string }
  | { kind: "pipeline"; pipeline: Pipeline };
export type Command = Arg[];
export type Pipeline = Command[];
export type TemplateNode =
  | { kind: "text"; text: string }
  | { kind: "action"; pipeline: Pipeline }
  | { kind: "if"; branches: { condition: Pipeline; body: TemplateNode[] }[]; otherwise: TemplateNode[] }
  /** `with`: the body with `.` set to the value when it is truthy; `range`: once per element. */
  | { kind: "with" | "range"; pipeline: Pipeline; body: TemplateNode[]; otherwise: TemplateNode[] };

export class TemplateSyntaxError extends Error {}

/** How deep blocks and parentheses may nest; a tenant's template cannot exhaust the stack. */
export const MAX_NESTING = 32;

interface Segment {
  text?: string;
  action?: string;
}

/** The template's tree, or a TemplateSyntaxError saying what is wrong. */
export function parseGoTemplate(source: string): TemplateNode[] {
  const segments = splitSegments(source);
  let position = 0;
  let depth = 0;
  const parseBlock = (inside: boolean): { nodes: TemplateNode[]; end: string } => {
    const nodes: TemplateNode[] = [];
    while (position < segments.length) {
      const segment = segments[position++] as Segment;
      if (segment.text !== undefined) {
        if (segment.text !== "") nodes.push({ kind: "text", text: segment.text });
        continue;
      }
      const action = (segment.action ?? "").trim();
      if (action.startsWith("/*")) continue;
      const keyword = /^(if|else|end|range|with|define|template|block)\b/.exec(action)?.[1];
      if (keyword === "end" || keyword === "else") {
        if (!inside) throw new TemplateSyntaxError(`unexpected {{${keyword}}}`);
        return { nodes, end: action };
      }
      if (keyword === "if" || keyword === "with" || keyword === "range") {
        if (++depth > MAX_NESTING)
          throw new TemplateSyntaxError(`{{${keyword}}} blocks nest deeper than ${MAX_NESTING}`);
        const rest = action.slice(keyword.length);
        nodes.push(keyword === "if" ? parseIf(rest) : parseScope(keyword, rest));
        depth--;
      } else if (keyword !== undefined)
        throw new TemplateSyntaxError(
          `{{${keyword}}} is not supported; use if/else, with, range, fields and functions`,
        );
      else if (/^\$\w*\s*:?=/.test(action))
        throw new TemplateSyntaxError("template variables are not supported");
      else nodes.push({ kind: "action", pipeline: parsePipeline(action) });
    }
    if (inside) throw new TemplateSyntaxError("an {{if}}, {{with}} or {{range}} has no {{end}}");
    return { nodes, end: "" };
  };
  const parseIf = (conditionText: string): TemplateNode => {
    const branches: { condition: Pipeline; body: TemplateNode[] }[] = [];
    let condition = parsePipeline(conditionText);
    for (;;) {
      const block = parseBlock(true);
      branches.push({ condition, body: block.nodes });
      if (block.end === "end") return { kind: "if", branches, otherwise: [] };
      const elseIf = /^else\s+if\b(.*)$/s.exec(block.end);
      if (elseIf) {
        condition = parsePipeline(elseIf[1] as string);
        continue;
      }
      if (block.end.trim() !== "else") throw new TemplateSyntaxError(`unexpected {{${block.end}}}`);
      const rest = parseBlock(true);
      if (rest.end !== "end") throw new TemplateSyntaxError("an {{else}} must be followed by {{end}}");
      return { kind: "if", branches, otherwise: rest.nodes };
    }
  };
  const parseScope = (keyword: "with" | "range", pipelineText: string): TemplateNode => {
    if (/^\s*\$\w*\s*(,\s*\$\w*\s*)?:?=/.test(pipelineText))
      throw new TemplateSyntaxError("template variables are not supported");
    const pipeline = parsePipeline(pipelineText);
    const block = parseBlock(true);
    if (block.end === "end") return { kind: keyword, pipeline, body: block.nodes, otherwise: [] };
    if (block.end.trim() !== "else") throw new TemplateSyntaxError(`unexpected {{${block.end}}}`);
    const rest = parseBlock(true);
    if (rest.end !== "end") throw new TemplateSyntaxError("an {{else}} must be followed by {{end}}");
    return { kind: keyword, pipeline, body: block.nodes, otherwise: rest.nodes };
  };
  return parseBlock(false).nodes;
}

/** Text and action segments, with `{{-` and `-}}` trimming applied to the text beside them. */
function splitSegments(source: string): Segment[] {
  const segments: Segment[] = [];
  let at = 0;
  let trimNext = false;
  while (at < source.length) {
    const open = source.indexOf("{{", at);
    let text = source.slice(at, open < 0 ? source.length : open);
    if (trimNext) text = text.trimStart();
    if (open < 0) {
      segments.push({ text });
      break;
    }
    let start = open + 2;
    if (source[start] === "-" && /\s/.test(source[start + 1] ?? "")) {
      text = text.trimEnd();
      start++;
    }
    segments.push({ text });
    const close = findClose(source, start);
    let end = close;
    trimNext = false;
    if (source[close - 1] === "-" && /\s/.test(source[close - 2] ?? "")) {
      trimNext = true;
      end = close - 1;
    }
    segments.push({ action: source.slice(start, end) });
    at = close + 2;
  }
  return segments;
}

function findClose(source: string, from: number): number {
  let at = from;
  while (at < source.length) {
    const c = source[at];
    if (c === '"' || c === "`") {
      const end = c === "`" ? source.indexOf("`", at + 1) : findStringEnd(source, at);
      if (end < 0) throw new TemplateSyntaxError("a string in an action is not closed");
      at = end + 1;
    } else if (c === "}" && source[at + 1] === "}") return at;
    else at++;
  }
  throw new TemplateSyntaxError("an action {{ is not closed with }}");
}

function findStringEnd(source: string, quote: number): number {
  for (let at = quote + 1; at < source.length; at++) {
    if (source[at] === "\\") at++;
    else if (source[at] === '"') return at;
  }
  return -1;
}

type Token = { kind: "arg"; arg: Arg } | { kind: "|" } | { kind: "(" } | { kind: ")" };

const TOKEN =
  /\s*(?:("(?:[^"\\]|\\.)*")|(`[^`]*`)|(\$?(?:\.[A-Za-z_]\w*)+|\$|\.)|(-?\d+(?:\.\d+)?)|([A-Za-z_]\w*)|([|()]))/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (match === null)
      throw new TemplateSyntaxError(`cannot read "${text.slice(at).trim().slice(0, 20)}" in an action`);
    const [, quoted, raw, field, number, ident, punct] = match;
    if (quoted !== undefined)
      tokens.push({ kind: "arg", arg: { kind: "literal", value: parseQuoted(quoted) } });
    else if (raw !== undefined)
      tokens.push({ kind: "arg", arg: { kind: "literal", value: raw.slice(1, -1) } });
    else if (field !== undefined) {
      const path = field
        .replace(/^\$/, "")
        .split(".")
        .filter((p) => p !== "");
      tokens.push({ kind: "arg", arg: { kind: "field", path, root: field.startsWith("$") } });
    } else if (number !== undefined)
      tokens.push({ kind: "arg", arg: { kind: "literal", value: Number(number) } });
    else if (ident !== undefined) {
      const literal = { true: true, false: false, nil: null }[ident];
      tokens.push({
        kind: "arg",
        arg:
          literal === undefined && ident !== "nil"
            ? { kind: "function", name: ident }
            : { kind: "literal", value: literal ?? null },
      });
    } else tokens.push({ kind: punct } as Token);
  }
  return tokens;
}

function parsePipeline(text: string): Pipeline {
  const tokens = tokenize(text);
  let at = 0;
  let depth = 0;
  const pipeline = (): Pipeline => {
    const commands: Pipeline = [[]];
    while (at < tokens.length) {
      const token = tokens[at] as Token;
      if (token.kind === ")") break;
      at++;
      if (token.kind === "|") commands.push([]);
      else if (token.kind === "(") {
        if (++depth > MAX_NESTING)
          throw new TemplateSyntaxError(`parentheses nest deeper than ${MAX_NESTING}`);
        const inner = pipeline();
        depth--;
        if (tokens[at]?.kind !== ")") throw new TemplateSyntaxError("a ( is not closed with )");
        at++;
        commands.at(-1)?.push({ kind: "pipeline", pipeline: inner });
      } else commands.at(-1)?.push(token.arg);
    }
    if (commands.some((command) => command.length === 0))
      throw new TemplateSyntaxError(`an empty command in "${text.trim()}"`);
    return commands;
  };
  const result = pipeline();
  if (at < tokens.length) throw new TemplateSyntaxError(`unexpected ) in "${text.trim()}"`);
  return result;
}

function parseQuoted(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    throw new TemplateSyntaxError(`cannot read the string ${quoted.slice(0, 30)}`);
  }
}

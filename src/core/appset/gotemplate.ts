// Argo CD's `goTemplate: true` form, as a small interpreter of a Go-template subset: fields
// (`.name`, `.metadata.labels.env`), `index`, the functions in gotemplate-funcs.ts, pipelines,
// if/else, and `with` / `range` as Go runs them (`.` becomes the value, or each element of a list
// or each value of a map in key order; `$` stays the parameters; an empty one runs its `else`).
// It runs no code a tenant writes, loops only over the parameters' own values, and bounds both
// its output and the steps it takes (nested ranges over long lists stop, they never spin). Mooring
// always behaves as Argo CD's `missingkey=error`: a field no generator gave is a problem naming
// it — except as `default`'s value, which exists to give the fallback.
import { FUNCTIONS, MAX_OUTPUT, Missing, printValue, TemplateError, truthy } from "./gotemplate-funcs.ts";
import {
  type Arg,
  type Pipeline,
  parseGoTemplate,
  type TemplateNode,
  TemplateSyntaxError,
} from "./gotemplate-parse.ts";
import { isRecord, type ParamSet } from "./params.ts";

export type GoRendered = { ok: true; text: string } | { ok: false; message: string };

/** The text with every action evaluated against the parameters, or what went wrong. */
export function renderGoTemplate(text: string, params: ParamSet): GoRendered {
  if (!text.includes("{{")) return { ok: true, text };
  try {
    const out: string[] = [];
    let length = 0;
    const emit = (piece: string) => {
      length += piece.length;
      if (length > MAX_OUTPUT) throw new TemplateError(`the output is longer than ${MAX_OUTPUT} characters`);
      out.push(piece);
    };
    const budget = { steps: MAX_STEPS };
    run(parseGoTemplate(text), { dot: params, root: params, budget }, emit);
    return { ok: true, text: out.join("") };
  } catch (error) {
    if (error instanceof TemplateSyntaxError)
      return { ok: false, message: `the template cannot be read: ${error.message}` };
    if (error instanceof TemplateError) return { ok: false, message: error.message };
    throw error;
  }
}

/** How many template nodes one rendering may run, loops included. */
export const MAX_STEPS = 100_000;

/** Where fields are read: `.` (dot) and `$` (root, the parameters), and the steps left. */
interface Scope {
  dot: unknown;
  root: ParamSet;
  budget: { steps: number };
}

function run(nodes: TemplateNode[], scope: Scope, emit: (piece: string) => void): void {
  for (const node of nodes) {
    step(scope);
    if (node.kind === "text") emit(node.text);
    else if (node.kind === "action") emit(printValue(present(evaluate(node.pipeline, scope))));
    else if (node.kind === "if") {
      const branch = node.branches.find((b) => truthy(present(evaluate(b.condition, scope))));
      run(branch?.body ?? node.otherwise, scope, emit);
    } else if (node.kind === "with") {
      const value = present(evaluate(node.pipeline, scope));
      if (truthy(value)) run(node.body, { ...scope, dot: value }, emit);
      else run(node.otherwise, scope, emit);
    } else {
      const elements = rangeOver(present(evaluate(node.pipeline, scope)));
      for (const element of elements) {
        step(scope);
        run(node.body, { ...scope, dot: element }, emit);
      }
      if (elements.length === 0) run(node.otherwise, scope, emit);
    }
  }
}

function step(scope: Scope): void {
  if (--scope.budget.steps < 0)
    throw new TemplateError(`the template takes more than ${MAX_STEPS} steps; loop over fewer values`);
}

/** A list's elements, or a map's values in key order, as Go's range visits them. */
function rangeOver(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (isRecord(value))
    return Object.keys(value)
      .sort()
      .map((key) => value[key]);
  if (value === null || value === undefined) return [];
  throw new TemplateError(`range needs a list or a map, not ${typeof value} ${printValue(value)}`);
}

function missingMessage(name: string): string {
  return `the template uses parameter "${name}", which no generator gave`;
}

/** A value about to be used: a Missing one stops rendering with the parameter's name. */
function present(value: unknown): unknown {
  if (value instanceof Missing) throw new TemplateError(missingMessage(value.name));
  return value;
}

function evaluate(pipeline: Pipeline, scope: Scope): unknown {
  let piped: unknown;
  for (const [position, command] of pipeline.entries()) {
    const [head, ...rest] = command as [Arg, ...Arg[]];
    const fromPipe = position === 0 ? [] : [piped];
    if (head.kind === "function") {
      const fn = FUNCTIONS[head.name];
      if (fn === undefined)
        throw new TemplateError(`the template calls "${head.name}", which is not a function Mooring offers`);
      const args = [...rest.map((arg) => argValue(arg, scope)), ...fromPipe];
      const tolerant = head.name === "default" || head.name === "empty" || head.name === "index";
      piped = fn(...(tolerant ? args : args.map(present)));
    } else {
      if (rest.length > 0 || fromPipe.length > 0)
        throw new TemplateError(`${describeArg(head)} is not a function and takes no arguments`);
      piped = argValue(head, scope);
    }
  }
  return piped;
}

function argValue(arg: Arg, scope: Scope): unknown {
  switch (arg.kind) {
    case "literal":
      return arg.value;
    case "pipeline":
      return evaluate(arg.pipeline, scope);
    case "function":
      return evaluate([[arg]], scope);
    case "field": {
      let value: unknown = arg.root ? scope.root : scope.dot;
      for (const [at, key] of arg.path.entries()) {
        if (!isRecord(value) || !Object.hasOwn(value, key))
          return new Missing(arg.path.slice(0, at + 1).join("."));
        value = value[key];
      }
      return value;
    }
  }
}

function describeArg(arg: Arg): string {
  return arg.kind === "field" ? `.${arg.path.join(".")}` : "a value";
}

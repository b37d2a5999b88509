// Argo CD's `goTemplate: true` form, as a small interpreter of a Go-template subset: fields
// (`.name`, `.metadata.labels.env`), `index`, the functions in gotemplate-funcs.ts, pipelines and
// if/else. It runs no code a tenant writes, loops over nothing, and bounds its output. Mooring
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
    run(parseGoTemplate(text), params, emit);
    return { ok: true, text: out.join("") };
  } catch (error) {
    if (error instanceof TemplateSyntaxError)
      return { ok: false, message: `the template cannot be read: ${error.message}` };
    if (error instanceof TemplateError) return { ok: false, message: error.message };
    throw error;
  }
}

function run(nodes: TemplateNode[], params: ParamSet, emit: (piece: string) => void): void {
  for (const node of nodes) {
    if (node.kind === "text") emit(node.text);
    else if (node.kind === "action") emit(printValue(present(evaluate(node.pipeline, params))));
    else {
      const branch = node.branches.find((b) => truthy(present(evaluate(b.condition, params))));
      run(branch?.body ?? node.otherwise, params, emit);
    }
  }
}

function missingMessage(name: string): string {
  return `the template uses parameter "${name}", which no generator gave`;
}

/** A value about to be used: a Missing one stops rendering with the parameter's name. */
function present(value: unknown): unknown {
  if (value instanceof Missing) throw new TemplateError(missingMessage(value.name));
  return value;
}

function evaluate(pipeline: Pipeline, params: ParamSet): unknown {
  let piped: unknown;
  for (const [position, command] of pipeline.entries()) {
    const [head, ...rest] = command as [Arg, ...Arg[]];
    const fromPipe = position === 0 ? [] : [piped];
    if (head.kind === "function") {
      const fn = FUNCTIONS[head.name];
      if (fn === undefined)
        throw new TemplateError(`the template calls "${head.name}", which is not a function Mooring offers`);
      const args = [...rest.map((arg) => argValue(arg, params)), ...fromPipe];
      const tolerant = head.name === "default" || head.name === "empty" || head.name === "index";
      piped = fn(...(tolerant ? args : args.map(present)));
    } else {
      if (rest.length > 0 || fromPipe.length > 0)
        throw new TemplateError(`${describeArg(head)} is not a function and takes no arguments`);
      piped = argValue(head, params);
    }
  }
  return piped;
}

function argValue(arg: Arg, params: ParamSet): unknown {
  switch (arg.kind) {
    case "literal":
      return arg.value;
    case "pipeline":
      return evaluate(arg.pipeline, params);
    case "function":
      return evaluate([[arg]], params);
    case "field": {
      let value: unknown = params;
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

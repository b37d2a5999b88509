// Putting parameters into a template: every string of it, map keys included (Argo CD renders the
// template's JSON text, so keys are templated too). The string form is chosen by the set:
// `{{param}}` by default, Go templates with `goTemplate: true`. A missing parameter is a problem
// naming it and the field where it was used.
import { renderFastTemplate } from "./fasttemplate.ts";
import { renderGoTemplate } from "./gotemplate.ts";
import { flattenParams, type GenerationProblem, isRecord, type ParamSet } from "./params.ts";

export type StringRenderer = (
  text: string,
  field: string,
) => { ok: true; text: string } | { ok: false; problem: GenerationProblem };

/** The renderer for one parameter set in the set's template form. */
export function stringRenderer(params: ParamSet, goTemplate: boolean): StringRenderer {
  if (goTemplate) {
    return (text, field) => {
      const result = renderGoTemplate(text, params);
      return result.ok ? result : { ok: false, problem: { field, message: result.message } };
    };
  }
  const flat = flattenParams(params);
  return (text, field) => {
    if (!text.includes("{{")) return { ok: true, text };
    const result = renderFastTemplate(text, flat);
    if (result.ok) return result;
    return {
      ok: false,
      problem: { field, message: `the template uses parameter "${result.missing}", which no generator gave` },
    };
  };
}

/** A deep copy of `value` with every string rendered; the first problem stops it. */
export function renderValue(
  value: unknown,
  render: StringRenderer,
  field: string,
): { ok: true; value: unknown } | { ok: false; problem: GenerationProblem } {
  if (typeof value === "string") {
    const result = render(value, field);
    return result.ok ? { ok: true, value: result.text } : result;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const [index, item] of value.entries()) {
      const result = renderValue(item, render, `${field}[${index}]`);
      if (!result.ok) return result;
      out.push(result.value);
    }
    return { ok: true, value: out };
  }
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const renderedKey = render(key, `${field}.${key}`);
      if (!renderedKey.ok) return renderedKey;
      const result = renderValue(item, render, `${field}.${renderedKey.text}`);
      if (!result.ok) return result;
      out[renderedKey.text] = result.value;
    }
    return { ok: true, value: out };
  }
  return { ok: true, value };
}

/**
 * `override` laid over `base`: objects merge key by key, anything else in `override` replaces
 * what `base` had (a generator's `template` over the set's).
 */
export function overlay(base: unknown, override: unknown): unknown {
  if (!isRecord(base) || !isRecord(override)) return override === undefined ? base : override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) out[key] = overlay(base[key], value);
  return out;
}

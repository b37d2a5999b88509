// Argo CD's default template form: `{{param}}` (spaces inside the braces allowed) in any string
// of the template — values and map keys alike — is replaced by the parameter's text. Argo CD
// leaves an unknown `{{name}}` in place; Mooring refuses it, since an Application built from a
// half-filled template deploys somewhere nobody asked for.

const TAG = /\{\{\s*([^{}]*?)\s*\}\}/g;

export type Rendered = { ok: true; text: string } | { ok: false; missing: string };

/** The text with every `{{param}}` replaced, or the first parameter that has no value. */
export function renderFastTemplate(text: string, params: Record<string, string>): Rendered {
  let missing: string | undefined;
  const out = text.replace(TAG, (tag, name: string) => {
    if (Object.hasOwn(params, name)) return params[name] as string;
    missing ??= name === "" ? tag : name;
    return tag;
  });
  return missing === undefined ? { ok: true, text: out } : { ok: false, missing };
}

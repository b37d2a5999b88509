// A module's override files may not move its state. OpenTofu merges every file named
// `override.tf`, `*_override.tf` (and their `.tf.json` forms) over the rest of the module, in
// the lexical order of their names, a later file winning. Mooring keeps each Stack's state in the
// cluster by writing its own `_mooring_backend_override.tf`; a user override file named to sort
// after it, declaring a `backend` or `cloud` block, would send the state (and the token that
// reaches it) wherever the module author likes. So a module whose override files declare either
// block is refused before tofu runs. The check fails closed: a JSON override file that does not
// parse is refused too, and the HCL check looks at the text with comments and strings removed,
// so a `backend "…" {` anywhere in an override file counts.

/** Mooring's own override file: it is written after the check and never refused. */
export const MOORING_OVERRIDE_FILE = "_mooring_backend_override.tf";

/** Whether OpenTofu reads `name` as an override file. */
export function isOverrideFile(name: string): boolean {
  return /(^|_)override\.tf(\.json)?$/.test(name);
}

/**
 * The override files among `files` (names and contents of the module's own folder) that
 * declare a backend or cloud block, each with the reason; empty when none does.
 */
export function backendOverrides(files: readonly { name: string; text: string }[]): string[] {
  const problems: string[] = [];
  for (const { name, text } of files) {
    if (name === MOORING_OVERRIDE_FILE || !isOverrideFile(name)) continue;
    const found = name.endsWith(".json") ? jsonBlocks(text) : hclBlocks(text);
    if (found === "unparsable") problems.push(`${name} is not valid JSON`);
    else if (found.length > 0) problems.push(`${name} declares a ${found.join(" and a ")} block`);
  }
  return problems;
}

function hclBlocks(text: string): string[] {
  const code = stripCommentsAndStrings(text);
  const found: string[] = [];
  // `backend "kubernetes" {` (the label is a string, blanked to ""), or `cloud {`.
  if (/(^|[^\w-])backend\s*""\s*\{/.test(code)) found.push("backend");
  if (/(^|[^\w-])cloud\s*\{/.test(code)) found.push("cloud");
  return found;
}

/**
 * The text with comments removed and every string literal's content blanked (its quotes kept),
 * so that words inside strings or comments are not taken for blocks. Heredocs are left as they
 * are: a `backend "x" {` line in one is refused too (failing closed).
 */
export function stripCommentsAndStrings(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === "#" || (c === "/" && next === "/")) {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && next === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 2;
      out += " ";
      continue;
    }
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"' && text[i] !== "\n") i += text[i] === "\\" ? 2 : 1;
      i++;
      out += '""';
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

function jsonBlocks(text: string): string[] | "unparsable" {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return "unparsable";
  }
  const found = new Set<string>();
  const terraform = (parsed as { terraform?: unknown } | null)?.terraform;
  // `terraform` is an object or, as OpenTofu's JSON syntax also allows, a list of objects.
  for (const block of Array.isArray(terraform) ? terraform : [terraform]) {
    if (!block || typeof block !== "object") continue;
    if ("backend" in block) found.add("backend");
    if ("cloud" in block) found.add("cloud");
  }
  return [...found];
}

// kwok's Stage definitions for a sandbox: kwokctl's defaults (built into the toolchain as one
// file) with Mooring's own Stages (stages/*.yaml in this folder) laid over them. A Stage is matched
// by its selector alone, and when several match one object kwok picks one of them at random, so an
// override cannot sit beside the default it changes (which is why the files are merged here rather
// than handed to kwok as several --config flags): a Stage of ours replaces the default Stage of the
// same name, and the others are kept. Pure: from texts to a text.
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

/** Mooring's Stage files, in the order they are laid over the defaults. */
export const MOORING_STAGE_FILES: readonly string[] = [
  fileURLToPath(new URL("./stages/pods.yaml", import.meta.url)),
];

interface StageDoc {
  name: string;
  text: string;
}

function stageDocs(text: string, source: string): StageDoc[] {
  const out: StageDoc[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${source}: invalid YAML: ${doc.errors[0]?.message}`);
    const value = doc.toJS() as { kind?: unknown; metadata?: { name?: unknown } } | null;
    if (value === null || value === undefined) continue;
    const name = value.metadata?.name;
    if (value.kind !== "Stage" || typeof name !== "string" || name === "") {
      throw new Error(`${source}: every document must be a kwok Stage with metadata.name`);
    }
    out.push({ name, text: doc.toString({ directives: false }) });
  }
  return out;
}

/**
 * The Stages kwok runs with: every default whose name no override uses, then the overrides.
 * `defaults` and each override are multi-document YAML texts; names must be unique among the
 * overrides.
 */
export function mergeStages(
  defaults: string,
  overrides: readonly { source: string; text: string }[],
): string {
  const ours = overrides.flatMap((o) => stageDocs(o.text, o.source));
  const names = new Set<string>();
  for (const stage of ours) {
    if (names.has(stage.name))
      throw new Error(`kwok Stage "${stage.name}" is defined twice in Mooring's stages`);
    names.add(stage.name);
  }
  const kept = stageDocs(defaults, "kwok's default stages").filter((s) => !names.has(s.name));
  return [...kept, ...ours].map((s) => s.text).join("---\n");
}

// Which revisions of an Application may be previewed: those it deployed (its history) and the one
// it follows (its target revision, or the commit that resolved to). Any other commit of the
// repository could hold anything — a branch nobody reviewed — so a preview of it is refused, as
// a rollback to it would be. A history commit may be named by a prefix of at least 7 characters.
import { targetRevisions } from "../app-sources.ts";
import type { Application } from "../application.ts";

const MIN_PREFIX = 7;

export type PreviewRevision =
  | { ok: true; revision: string; target: boolean }
  | { ok: false; message: string };

/** The revision to render for a preview request, or why it is refused. Absent: the target. */
export function previewRevision(app: Application, requested: string | undefined): PreviewRevision {
  // A multi-source app follows each source's target, joined in source order (core/app-sources.ts).
  const target = targetRevisions(app.spec);
  const status = (app.status ?? {}) as {
    history?: { revision?: unknown }[];
    sync?: { revision?: unknown };
  };
  if (!requested || requested === target) return { ok: true, revision: target, target: true };
  const known = (status.history ?? [])
    .map((h) => h.revision)
    .concat(status.sync?.revision)
    .filter((r): r is string => typeof r === "string" && r !== "");
  const match = known.find(
    (sha) => sha === requested || (requested.length >= MIN_PREFIX && sha.startsWith(requested)),
  );
  if (match) return { ok: true, revision: match, target: false };
  return {
    ok: false,
    message: `revision ${requested} is neither in the history of application ${app.metadata.namespace}/${app.metadata.name} nor its target revision ${target}; pick one that \`GET .../history\` lists`,
  };
}

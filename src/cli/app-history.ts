// How `moor app history` shows an Application's deploys, and the note a rollback's pin adds
// (src/core/app-status.ts HistoryEntry). A multi-source app's deploy shows every source's
// revision, in source order: each commit short, each chart as name@version. Pure: built from
// the status the controller writes.
import { revisionText, statusOf } from "../actions/status-text.ts";
import { primarySource } from "../core/app-sources.ts";
import type { HistoryEntry } from "../core/app-status.ts";
import type { Application } from "../core/application.ts";
import { firstLine, timestamp } from "./app-view.ts";
import { renderTable } from "./output.ts";

export function renderHistory(app: Application): string {
  const status = statusOf(app);
  const history: HistoryEntry[] = status.history ?? [];
  if (history.length === 0) return `application ${app.metadata.name} has no deploy history yet`;
  const pinned = status.pin?.historyId;
  const columns: { header: string; value: (h: HistoryEntry) => string }[] = [
    { header: "ID", value: (h) => (h.id === pinned ? `${h.id}*` : String(h.id)) },
    { header: "DEPLOYED", value: (h) => timestamp(h.deployedAt) },
    { header: "REVISION", value: (h) => revisionText(h.revision) },
    { header: "AUTHOR", value: (h) => h.author },
    { header: "MESSAGE", value: (h) => firstLine(h.message) },
    { header: "TRIGGER", value: (h) => h.trigger },
  ];
  // Projects that require signed commits record who signed each deployed commit.
  if (history.some((h) => h.signer))
    columns.push({
      header: "SIGNER",
      value: (h) => (h.signer ? `${h.signer.format} ${h.signer.identity || h.signer.key}` : "unsigned"),
    });
  const table = renderTable(history, columns);
  if (!status.pin) return table;
  return `${table}\n${pinNote(app)}`;
}

export function pinNote(app: Application): string {
  const pin = statusOf(app).pin;
  if (!pin) return "";
  return `* pinned at ${revisionText(pin.revision)} (history ${pin.historyId}) until a new commit arrives on ${primarySource(app.spec).targetRevision || "HEAD"} or \`moor app unpin ${app.metadata.name}\``;
}

// What the previews' unit tests share: a logger that keeps its lines, to check what a person
// reading the controller's log would see (and that no token is in it), and a plan summary of
// given resources as tofu would summarise it.
import { Writable } from "node:stream";
import type { PlanSummary } from "../core/stack/plan.ts";
import type { PlanCounts, PlannedResource } from "../core/stack/spec.ts";
import { createLogger, type Logger } from "../util/log.ts";

export function capturedLog(level: "info" | "error" = "info"): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, log: createLogger({ level, format: "json", stream }) };
}

/** A plan changing these resources (each `type.name`, with one action). */
export function planOf(resources: Pick<PlannedResource, "type" | "name" | "action">[]): PlanSummary {
  const counts: PlanCounts = { add: 0, change: 0, destroy: 0, replace: 0, forget: 0, import: 0, read: 0 };
  for (const r of resources) {
    if (r.action === "create") counts.add += 1;
    if (r.action === "update") counts.change += 1;
    if (r.action === "delete") counts.destroy += 1;
  }
  return {
    formatVersion: "1.2",
    tofuVersion: "1.12.6",
    counts,
    resources: resources.map((r) => ({ ...r, address: `${r.type}.${r.name}`, actions: [r.action] })),
    drifted: [],
    outputs: [],
    declaredVariables: [],
    changes: resources.length > 0,
    errored: false,
  };
}

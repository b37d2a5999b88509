// Project changes into the audit trail. The leader watches Projects anyway (./projects.ts); each
// change of a Project's spec seen by that watch becomes `project-changed` / `role-changed`
// records (src/core/project/changes.ts) naming the field manager that made it (kubectl, moor-cli,
// a GitOps tool...), since Kubernetes keeps no other trace of who edited an object.
//
// The first list of a leadership term reports every Project as added; those are not changes and
// leave no record. A change made while no controller was leading is seen only if a watch was
// running: the records carry the Project's generation, so a jump in it shows such a gap.
import type { KubeObject } from "../core/objects.ts";
import { projectChanges } from "../core/project/changes.ts";
import type { ControllerAudit } from "./audit.ts";
import { driftManager } from "./drift.ts";
import type { InformerEvent } from "./informer.ts";

type Spec = Record<string, unknown>;

function specOf(object: KubeObject | undefined): Spec {
  const spec = (object as { spec?: unknown } | undefined)?.spec;
  return spec !== null && typeof spec === "object" ? (spec as Spec) : {};
}

export function recordProjectEvent(audit: ControllerAudit, event: InformerEvent, synced: boolean): void {
  if (event.type === "added" && !synced) return;
  const current = event.object;
  const before = event.type === "added" ? undefined : specOf(event.type === "deleted" ? current : event.old);
  const after = event.type === "deleted" ? undefined : specOf(current);
  const manager = event.type === "deleted" ? null : driftManager(event.old, current);
  for (const change of projectChanges(before, after)) {
    audit.recordProject(change.kind, current, {
      ...change.details,
      ...(current.metadata.generation === undefined ? {} : { generation: current.metadata.generation }),
      ...(manager === null ? {} : { manager }),
    });
  }
}

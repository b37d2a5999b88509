// What the controller writes to the audit trail, and how. The reconcilers call
// `deps.audit.record(kind, subject, details)` where they already emit the matching Kubernetes
// Event (Synced, DriftCorrected, PlanCreated, Applied, StateLockReleased...): the Event is for
// whoever watches the cluster now, the audit record for whoever asks years later. Recording
// returns at once and never throws; the AuditWriter batches and logs failures (src/audit/writer.ts).
//
// The actor is whoever made it happen: the person behind a sync they asked for (the operation's
// initiatedBy), the approver of a Stack plan, otherwise the controller replica itself. Details
// are plain JSON built here from data the controller already has; Secret values never get in:
// the diffs come from the comparison, where they are masked (src/core/mask.ts), and for a
// Secret only the names of the fields that changed are kept.

import { type AuditRecorder, NO_AUDIT } from "../audit/writer.ts";
import type { DriftRecord, ResourceOutcome } from "../core/app-status.ts";
import type { AuditActor, AuditEntry, AuditKind } from "../core/audit/record.ts";
import type { FieldChange, ObjectDiff } from "../core/diff.ts";
import type { JsonMap } from "../core/json.ts";
import { formatRef, type KubeObject, type ObjectRef, refOf } from "../core/objects.ts";
import { projectNameOf } from "../core/project/project.ts";

/** Told of every entry once stored, with its `seq` (the id `moor audit show` takes). */
export type RecordedListener = (entry: AuditEntry, seq: number) => void;

/** The controller's handle on the audit trail, shared by the Application and Stack reconcilers. */
export class ControllerAudit {
  readonly #recorder: AuditRecorder;
  readonly #identity: string;
  readonly #listeners: RecordedListener[] = [];

  constructor(recorder: AuditRecorder = NO_AUDIT, identity = "mooring-controller") {
    this.#recorder = recorder;
    this.#identity = identity;
  }

  /** This replica, as an actor. */
  get controller(): AuditActor {
    return { type: "controller", name: this.#identity };
  }

  /**
   * Records that `kind` happened to `subject` (an Application or a Stack: its project and
   * identity are taken from it). `details` must hold no secret. Returns at once; never throws.
   */
  record(kind: AuditKind, subject: KubeObject, details: JsonMap, actor?: AuditActor): void {
    this.#store({
      time: new Date().toISOString(),
      kind,
      actor: actor ?? this.controller,
      project: projectNameOf(subject),
      object: refOf(subject),
      details,
    });
  }

  /**
   * Records something that belongs to a project but to no one object of it, such as a
   * pull request's preview. Returns at once; never throws.
   */
  recordInProject(kind: AuditKind, project: string, details: JsonMap, actor?: AuditActor): void {
    this.#store({ time: new Date().toISOString(), kind, actor: actor ?? this.controller, project, details });
  }

  /**
   * Calls `listener` with every entry this replica records, once stored, with its seq (entries
   * dropped or lost are not announced). A listener that throws is not the recorder's problem.
   */
  onRecorded(listener: RecordedListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }

  #store(entry: AuditEntry): void {
    void this.#recorder.record(entry).then((seq) => {
      if (seq === undefined) return;
      for (const listener of [...this.#listeners]) {
        try {
          listener(entry, seq);
        } catch {
          // A listener's failure is its own; recording goes on.
        }
      }
    });
  }

  /**
   * Records a change of a Project itself: the record's project is the Project's own name.
   * The actor is this replica, which saw the change; who made it goes in the details.
   */
  recordProject(kind: AuditKind, project: KubeObject, details: JsonMap): void {
    this.#store({
      time: new Date().toISOString(),
      kind,
      actor: this.controller,
      project: project.metadata.name ?? "",
      object: refOf(project),
      details,
    });
  }

  /** The actor of something a person asked for by name, else this replica. */
  actorFor(username: string | undefined): AuditActor {
    return username ? { type: "user", name: username } : this.controller;
  }
}

/** At most this many objects per list and field changes per object go into one record. */
export const AUDIT_MAX_OBJECTS = 200;
export const AUDIT_MAX_FIELDS = 50;
/** Longest value (as JSON text) kept in a field change; longer ones are cut, saying so. */
export const AUDIT_MAX_VALUE = 200;

const refText = (r: Pick<ObjectRef, "kind" | "namespace" | "name">) =>
  formatRef({ group: "", kind: r.kind, namespace: r.namespace, name: r.name });

function auditValue(value: unknown): unknown {
  const text = JSON.stringify(value) ?? "null";
  if (text.length <= AUDIT_MAX_VALUE) return value;
  return `${text.slice(0, AUDIT_MAX_VALUE)}… (${text.length} characters)`;
}

function fieldChange(change: FieldChange, secret: boolean): JsonMap {
  const out: JsonMap = { path: change.path };
  // A Secret's values are masked in the comparison already; its paths alone say enough.
  if (secret) return out;
  if ("live" in change && change.live !== undefined) out.from = auditValue(change.live);
  if ("desired" in change && change.desired !== undefined) out.to = auditValue(change.desired);
  return out;
}

function capped<T>(items: readonly T[], max: number): { items: T[]; omitted: number } {
  return { items: items.slice(0, max), omitted: Math.max(0, items.length - max) };
}

/** The objects a sync created, changed (with the fields, values masked) and pruned. */
export function syncObjects(outcomes: readonly ResourceOutcome[], diffs: readonly ObjectDiff[]): JsonMap {
  const diffOf = new Map(
    diffs.map((d) => [`${d.ref.group}|${d.ref.kind}|${d.ref.namespace}|${d.ref.name}`, d]),
  );
  const pick = (result: ResourceOutcome["result"]) => outcomes.filter((o) => o.result === result);
  const created = capped(pick("created"), AUDIT_MAX_OBJECTS);
  const changed = capped(pick("configured"), AUDIT_MAX_OBJECTS);
  const pruned = capped(pick("deleted"), AUDIT_MAX_OBJECTS);
  const details: JsonMap = {
    created: created.items.map(refText),
    changed: changed.items.map((o) => {
      const diff = diffOf.get(`${o.group}|${o.kind}|${o.namespace}|${o.name}`);
      const secret = o.kind === "Secret" && o.group === "";
      const fields = capped(diff?.changes ?? [], AUDIT_MAX_FIELDS);
      const entry: JsonMap = {
        object: refText(o),
        fields: fields.items.map((c) => fieldChange(c, secret)),
      };
      if (fields.omitted > 0) entry.fieldsOmitted = fields.omitted;
      return entry;
    }),
    pruned: pruned.items.map(refText),
  };
  const omitted = created.omitted + changed.omitted + pruned.omitted;
  if (omitted > 0) details.objectsOmitted = omitted;
  return details;
}

/** One drifted object, for drift-detected and drift-healed records. */
export function driftDetails(d: DriftRecord, healedAt?: string): JsonMap {
  const details: JsonMap = {
    object: refText(d),
    change: d.change,
    manager: d.manager,
    detectedAt: d.detectedAt,
    fields: [...(d.fields ?? [])].slice(0, AUDIT_MAX_FIELDS),
  };
  if (healedAt) {
    details.healedAt = healedAt;
    const ms = Date.parse(healedAt) - Date.parse(d.detectedAt);
    if (Number.isFinite(ms)) details.timeToHealMs = Math.max(0, ms);
  }
  return details;
}

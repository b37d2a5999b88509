// Reading a saved tofu plan directly. `tofu plan -out` writes a zip whose `tfplan` entry is a
// Protocol Buffers message (OpenTofu's internal/plans/internal/planproto/planfile.proto, format
// version 3): every resource instance change with its action and before/after values, the drift
// found while refreshing, the output changes, the variable values the plan was made with, and
// a timestamp. Reading it here instead of asking `tofu show -json` spares a second tofu process —
// which starts every provider to load its schema — on every plan.
//
// Two things come out of it:
// - the facts a summary needs: addresses, actions, reasons, output names, variable names. No
//   value is decoded: they are msgpack blobs that may hold secrets;
// - the plan's identity: its fields with the timestamp left out and the lists tofu fills in
//   parallel (so in any order) sorted, for the plan id to hash. Same content, same identity.
import { first, int, message, type ProtoField, readFields, text } from "./protobuf.ts";

export const SUPPORTED_PLAN_FORMAT = 3;

export type PlanMode = "normal" | "destroy" | "refresh-only";

export interface DecodedChange {
  address: string;
  /** Where the object was before a `moved` block moved it, when it moved. */
  previousAddress?: string;
  /** Set for a deposed object (left by a create-before-destroy replacement). */
  deposed?: string;
  /** tofu's action list, as `tofu show -json` spells it: ["delete","create"], ["no-op"]... */
  actions: string[];
  /** Why tofu chose the action, e.g. "replace_because_cannot_update". */
  reason?: string;
  importing: boolean;
}

export interface DecodedOutput {
  name: string;
  actions: string[];
  sensitive: boolean;
}

export interface DecodedPlan {
  formatVersion: number;
  mode: PlanMode;
  /** tofu stopped with an error while planning; such a plan can never be applied. */
  errored: boolean;
  tofuVersion: string;
  /** Names of the root variables the plan was given values for: only declared ones are kept. */
  variables: string[];
  changes: DecodedChange[];
  drift: DecodedChange[];
  outputs: DecodedOutput[];
  /** The plan's content as sorted hex strings, for the plan id. Holds values: hash, never show. */
  identity: string[];
}

export class PlanFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanFileError";
  }
}

// Field numbers of planfile.proto.
const PLAN = {
  version: 1,
  variables: 2,
  resourceChanges: 3,
  outputChanges: 4,
  terraformVersion: 14,
  uiMode: 17,
  resourceDrift: 18,
  errored: 20,
  timestamp: 21,
  ephemeralVariables: 22,
  tempExecutionGraph: 500000000,
} as const;
const CHANGE = { action: 1, beforeSensitivePaths: 3, afterSensitivePaths: 4, importing: 5 } as const;
const INSTANCE = { deposedKey: 7, change: 9, actionReason: 12, addr: 13, prevRunAddr: 14 } as const;
const OUTPUT = { name: 1, change: 2, sensitive: 3 } as const;

const MODES: Record<number, PlanMode> = { 0: "normal", 1: "destroy", 2: "refresh-only" };

const ACTIONS: Record<number, string[]> = {
  0: ["no-op"],
  1: ["create"],
  2: ["read"],
  3: ["update"],
  5: ["delete"],
  6: ["delete", "create"],
  7: ["create", "delete"],
  8: ["forget"],
  10: ["forget", "create"],
};

const REASONS: Record<number, string> = {
  1: "replace_because_tainted",
  2: "replace_by_request",
  3: "replace_because_cannot_update",
  4: "delete_because_no_resource_config",
  5: "delete_because_wrong_repetition",
  6: "delete_because_count_index",
  7: "delete_because_each_key",
  8: "delete_because_no_module",
  9: "replace_by_triggers",
  10: "read_because_config_unknown",
  11: "read_because_dependency_pending",
  12: "delete_because_no_move_target",
  13: "read_because_check_nested",
  14: "delete_because_enabled_false",
  15: "forgot_because_lifecycle_destroy_in_state",
  16: "forgot_because_lifecycle_destroy_in_config",
};

/** Decodes the `tfplan` entry of a saved plan. */
export function decodePlan(tfplan: Uint8Array): DecodedPlan {
  let fields: ProtoField[];
  try {
    fields = readFields(tfplan);
  } catch (err) {
    throw new PlanFileError(`not a tofu plan: ${(err as Error).message}`);
  }
  const versionField = first(fields, PLAN.version);
  const formatVersion = versionField ? int(versionField) : 0;
  if (formatVersion !== SUPPORTED_PLAN_FORMAT) {
    throw new PlanFileError(
      `plan format ${formatVersion} is not supported (expected ${SUPPORTED_PLAN_FORMAT}); is this the tofu Mooring was built with?`,
    );
  }
  const modeField = first(fields, PLAN.uiMode);
  const modeNumber = modeField ? int(modeField) : 0;
  const mode = MODES[modeNumber];
  if (!mode) throw new PlanFileError(`unknown plan mode ${modeNumber}`);
  const erroredField = first(fields, PLAN.errored);
  const versionText = first(fields, PLAN.terraformVersion);
  const variables = new Set<string>();
  const changes: DecodedChange[] = [];
  const drift: DecodedChange[] = [];
  const outputs: DecodedOutput[] = [];
  const identity: string[] = [];
  for (const f of fields) {
    switch (f.field) {
      case PLAN.variables: {
        const key = first(message(f), 1);
        if (key) variables.add(text(key));
        break;
      }
      case PLAN.ephemeralVariables:
        variables.add(text(f));
        break;
      case PLAN.resourceChanges:
        changes.push(decodeInstanceChange(f));
        break;
      case PLAN.resourceDrift:
        drift.push(decodeInstanceChange(f));
        break;
      case PLAN.outputChanges:
        outputs.push(decodeOutputChange(f));
        break;
    }
    if (f.field === PLAN.timestamp || f.field === PLAN.tempExecutionGraph) continue;
    identity.push(
      f.field === PLAN.resourceChanges || f.field === PLAN.resourceDrift
        ? canonicalInstanceChange(f)
        : hex(f.raw),
    );
  }
  return {
    formatVersion,
    mode,
    errored: erroredField ? int(erroredField) !== 0 : false,
    tofuVersion: versionText ? text(versionText) : "",
    variables: [...variables].sort(),
    // tofu writes changes in the order its parallel walk finished them: sort for stable status.
    changes: changes.sort(byAddress),
    drift: drift.sort(byAddress),
    outputs: outputs.sort((a, b) => compare(a.name, b.name)),
    identity: identity.sort(),
  };
}

function decodeInstanceChange(f: ProtoField): DecodedChange {
  const fields = message(f);
  const addr = first(fields, INSTANCE.addr);
  const address = addr ? text(addr) : "";
  if (!address) throw new PlanFileError("a resource change has no address");
  const change = first(fields, INSTANCE.change);
  const changeFields = change ? message(change) : [];
  const decoded: DecodedChange = {
    address,
    actions: actionsOf(changeFields, address),
    importing: first(changeFields, CHANGE.importing) !== undefined,
  };
  const previous = first(fields, INSTANCE.prevRunAddr);
  const previousAddress = previous ? text(previous) : "";
  if (previousAddress && previousAddress !== address) decoded.previousAddress = previousAddress;
  const deposed = first(fields, INSTANCE.deposedKey);
  if (deposed && text(deposed)) decoded.deposed = text(deposed);
  const reason = first(fields, INSTANCE.actionReason);
  if (reason && int(reason) !== 0) {
    decoded.reason = REASONS[int(reason)] ?? `reason_${int(reason)}`;
  }
  return decoded;
}

function decodeOutputChange(f: ProtoField): DecodedOutput {
  const fields = message(f);
  const nameField = first(fields, OUTPUT.name);
  const name = nameField ? text(nameField) : "";
  const change = first(fields, OUTPUT.change);
  const sensitive = first(fields, OUTPUT.sensitive);
  return {
    name,
    actions: actionsOf(change ? message(change) : [], `output ${name}`),
    sensitive: sensitive ? int(sensitive) !== 0 : false,
  };
}

function actionsOf(changeFields: readonly ProtoField[], where: string): string[] {
  const action = first(changeFields, CHANGE.action);
  const number = action ? int(action) : 0;
  const actions = ACTIONS[number];
  if (!actions) throw new PlanFileError(`${where}: unknown plan action ${number} (a newer tofu?)`);
  return [...actions];
}

/**
 * A resource change as hex, with the sets tofu may write in any order (the sensitive paths)
 * sorted. The before/after values keep their order: swapping them is a different plan.
 */
function canonicalInstanceChange(f: ProtoField): string {
  const parts = message(f).map((field) => {
    if (field.field !== INSTANCE.change) return hex(field.raw);
    const inner = message(field);
    const sets = inner
      .filter((c) => c.field === CHANGE.beforeSensitivePaths || c.field === CHANGE.afterSensitivePaths)
      .map((c) => hex(c.raw))
      .sort();
    const rest = inner
      .filter((c) => c.field !== CHANGE.beforeSensitivePaths && c.field !== CHANGE.afterSensitivePaths)
      .map((c) => hex(c.raw));
    return `${INSTANCE.change}{${[...rest, ...sets].join(",")}}`;
  });
  return `${f.field}{${parts.join(",")}}`;
}

function byAddress(a: DecodedChange, b: DecodedChange): number {
  return compare(a.address, b.address) || compare(a.deposed ?? "", b.deposed ?? "");
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function hex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

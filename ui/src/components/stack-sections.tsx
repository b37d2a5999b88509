// The sections of a Stack's page below its plan, one small view each: the outputs (sensitive
// ones arrive from the server as "(sensitive)" and are shown as hidden), the state lock and its
// holder, the apply history, the drift report, the conditions and the Kubernetes Events.

import {
  type ApplyEntry,
  SENSITIVE,
  type StackEvent,
  type StackLock,
  type StackObject,
  type StackOutputs,
} from "../stack-api.ts";
import { Ago } from "./time.tsx";

export function OutputsView({ outputs }: { outputs: StackOutputs | undefined }) {
  if (outputs === undefined) return <p class="muted">The outputs could not be read.</p>;
  if (outputs.withheld) return <p class="muted">{outputs.withheld}</p>;
  if (outputs.secret === null)
    return <p class="muted">No outputs yet: they are written to a Secret after the first apply.</p>;
  if (!outputs.found) return <p class="muted">Secret {outputs.secret} does not exist (yet).</p>;
  const entries = Object.entries(outputs.outputs).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <p class="muted">The module has no outputs.</p>;
  return (
    <>
      <table class="data outputs" aria-label="outputs">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Value</th>
          </tr>
        </thead>
        <tbody>
          {entries.map(([key, value]) => (
            <tr key={key} data-output={key}>
              <th scope="row">
                <code>{key}</code>
              </th>
              <td>
                {value === SENSITIVE ? (
                  <span class="badge tone-quiet" data-testid="sensitive">
                    sensitive: hidden
                  </span>
                ) : (
                  <code class="output-value">{value}</code>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted small">
        In Secret <code>{outputs.secret}</code>.{" "}
        {outputs.sensitiveListed
          ? "Sensitive values are never served; `moor stack outputs --show-sensitive` with a kubeconfig reads them."
          : "The Secret does not say which outputs are sensitive, so all are hidden."}
      </p>
    </>
  );
}

export function LockView({
  lock,
  now,
  mayUnlock,
  onUnlock,
}: {
  lock: StackLock | undefined;
  now: number;
  mayUnlock: boolean;
  onUnlock: (lockId: string) => void;
}) {
  if (lock === undefined) return <p class="muted">The lock could not be read.</p>;
  if (lock.withheld) return <p class="muted">{lock.withheld}</p>;
  const held = lock.lock;
  if (held === null)
    return (
      <p data-testid="lock">
        <span class="badge tone-good">unlocked</span> No run holds the state now.
      </p>
    );
  return (
    <>
      <dl class="facts" data-testid="lock">
        <dt>Lock id</dt>
        <dd>
          <code>{held.id}</code>
        </dd>
        <dt>Held by</dt>
        <dd>{held.who || "unknown"}</dd>
        <dt>For</dt>
        <dd>{held.operation || "unknown"}</dd>
        <dt>Since</dt>
        <dd>{held.createdAt ? <Ago at={held.createdAt} now={now} /> : "unknown"}</dd>
      </dl>
      <p class="muted small">
        A run of Mooring's holds the lock while it plans or applies; it is released when the run ends.
      </p>
      {mayUnlock ? (
        <button type="button" class="danger secondary" onClick={() => onUnlock(held.id)}>
          Unlock…
        </button>
      ) : null}
    </>
  );
}

export function AppliesView({ applies, now }: { applies: ApplyEntry[] | undefined; now: number }) {
  if (applies === undefined) return <p class="muted">The history could not be read.</p>;
  if (applies.length === 0) return <p class="muted">Nothing applied yet.</p>;
  return (
    <div class="table-scroll">
      <table class="data applies" aria-label="apply history">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Plan</th>
            <th scope="col">Commit</th>
            <th scope="col">Approved by</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {applies.map((a) => (
            <tr key={`${a.planId}-${a.appliedAt}`} data-apply={a.planId}>
              <td>
                <Ago at={a.appliedAt} now={now} />
              </td>
              <td>
                <code>{a.planId}</code>
              </td>
              <td>
                <code>{a.revision ? a.revision.slice(0, 12) : "—"}</code>
              </td>
              <td data-testid="approver">{a.approvedBy}</td>
              <td>
                <span class={`badge tone-${a.result === "succeeded" ? "good" : "bad"}`} data-testid="result">
                  {a.result}
                </span>
                {a.result !== "succeeded" ? <span class="small">{a.message}</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function DriftView({ stack, now }: { stack: StackObject; now: number }) {
  const drift = stack.status?.drift;
  if (drift === undefined) return <p class="muted">No drift check yet.</p>;
  return (
    <div data-testid="drift">
      <p>
        {drift.drifted ? (
          <span class="badge tone-warn">drifted</span>
        ) : (
          <span class="badge tone-good">no drift</span>
        )}{" "}
        checked <Ago at={drift.checkedAt} now={now} />
      </p>
      {drift.resources.length > 0 ? (
        <table class="data" aria-label="drifted resources">
          <thead>
            <tr>
              <th scope="col">Resource changed outside OpenTofu</th>
              <th scope="col">What applying Git again would do</th>
            </tr>
          </thead>
          <tbody>
            {drift.resources.map((r) => (
              <tr key={r.address}>
                <th scope="row">
                  <code>{r.address}</code>
                </th>
                <td>{r.actions.join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

export function ConditionsView({ stack }: { stack: StackObject }) {
  const conditions = stack.status?.conditions ?? [];
  if (conditions.length === 0)
    return <p class="muted">No conditions yet: the controller has not reported.</p>;
  return (
    <table class="data conditions" aria-label="conditions">
      <thead>
        <tr>
          <th scope="col">Type</th>
          <th scope="col">Status</th>
          <th scope="col">Reason and message</th>
        </tr>
      </thead>
      <tbody>
        {conditions.map((c) => (
          <tr key={c.type}>
            <th scope="row">{c.type}</th>
            <td>{c.status}</td>
            <td>
              <strong>{c.reason}</strong>
              <span class="small">{c.message}</span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function EventsView({ events, now }: { events: StackEvent[] | undefined; now: number }) {
  if (events === undefined) return <p class="muted">The events could not be read.</p>;
  if (events.length === 0) return <p class="muted">No events.</p>;
  return (
    <ul class="events">
      {[...events].reverse().map((e) => (
        <li
          key={`${e.reason}-${e.lastTimestamp}-${e.message}`}
          class={e.type === "Warning" ? "warning" : undefined}
        >
          <span class={`badge tone-${e.type === "Warning" ? "warn" : "quiet"}`}>{e.reason}</span>{" "}
          <Ago at={e.lastTimestamp ?? e.firstTimestamp} now={now} />
          {e.count > 1 ? <span class="muted"> ×{e.count}</span> : null}
          <span class="small">{e.message}</span>
        </li>
      ))}
    </ul>
  );
}

// One Stack: what state it is in and what to do about it, the current plan as a table of resources
// and actions, approval by plan id behind a confirmation that repeats the id and the counts,
// the apply history, the drift report, the outputs (sensitive ones hidden by the server), the
// state lock with its holder and an unlock, the conditions and the Kubernetes Events.
//
// Approving is the four-eyes gate of Terraform changes: the approver names the exact plan they
// reviewed (POST .../approve {planId}); should a new commit have made a new plan meanwhile, the
// server refuses with the current id, and nothing is applied that nobody saw. Once approved the
// controller applies that plan file and nothing else — there is no separate apply step.
// Buttons are offered by the caller's verbs in the Stack's project (permissions.ts); the server
// checks every request again. The page follows the live stream and reads again on each change.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiRequestError, type WhoAmI } from "../api.ts";
import { PlanCounts } from "../components/stack-counts.tsx";
import { ConfirmDialog } from "../components/stack-dialog.tsx";
import { StackPlanView } from "../components/stack-plan.tsx";
import { Ago } from "../components/time.tsx";
import { may } from "../permissions.ts";
import {
  type ApplyEntry,
  approveStackPlan,
  getStack,
  getStackApplies,
  getStackEvents,
  getStackLock,
  getStackOutputs,
  getStackPlan,
  planStack,
  SENSITIVE,
  type StackEvent,
  type StackLock,
  type StackObject,
  type StackOutputs,
  type StackPlanAnswer,
  type StackRow,
  unlockStack,
} from "../stack-api.ts";
import { nextStep, stackState } from "../stack-view.ts";
import { subscribe } from "../stream.ts";
import "./stacks.css";

interface Loaded {
  stack: StackObject;
  summary: StackRow;
  plan: StackPlanAnswer | undefined;
  outputs: StackOutputs | undefined;
  lock: StackLock | undefined;
  applies: ApplyEntry[] | undefined;
  events: StackEvent[] | undefined;
  /** Parts that could not be read, with the server's reason. */
  problems: string[];
}

type Load = { state: "loading" } | { state: "failed"; message: string } | { state: "loaded"; data: Loaded };

type Dialog = { kind: "approve"; planId: string } | { kind: "unlock"; lockId: string } | undefined;

const reason = (err: unknown) =>
  err instanceof ApiRequestError ? err.message : `could not reach the server: ${String(err)}`;

async function loadAll(namespace: string, name: string): Promise<Loaded> {
  const { stack, summary } = await getStack(namespace, name);
  const problems: string[] = [];
  const part = <T,>(what: string, read: Promise<T>): Promise<T | undefined> =>
    read.catch((err: unknown) => {
      problems.push(`${what}: ${reason(err)}`);
      return undefined;
    });
  const [plan, outputs, lock, applies, events] = await Promise.all([
    part("plan", getStackPlan(namespace, name)),
    part("outputs", getStackOutputs(namespace, name)),
    part("state lock", getStackLock(namespace, name)),
    part("apply history", getStackApplies(namespace, name)),
    part("events", getStackEvents(namespace, name)),
  ]);
  return {
    stack,
    summary,
    plan,
    outputs,
    lock,
    applies: applies?.items,
    events: events?.items,
    problems,
  };
}

export function StackPage({
  who,
  namespace,
  name,
}: {
  who: WhoAmI;
  query: URLSearchParams;
  namespace: string;
  name: string;
}) {
  const [load, setLoad] = useState<Load>({ state: "loading" });
  const [version, setVersion] = useState(0);
  const [now, setNow] = useState(Date.now());
  const [dialog, setDialog] = useState<Dialog>(undefined);
  const [busy, setBusy] = useState(false);
  const [dialogError, setDialogError] = useState<string | undefined>(undefined);
  const [notice, setNotice] = useState<{ text: string; error: boolean } | undefined>(undefined);

  useEffect(() => {
    let cancelled = false;
    loadAll(namespace, name)
      .then((data) => {
        if (cancelled) return;
        setLoad({ state: "loaded", data });
        setNow(Date.now());
      })
      .catch((err: unknown) => {
        if (!cancelled) setLoad({ state: "failed", message: reason(err) });
      });
    return () => {
      cancelled = true;
    };
  }, [namespace, name, version]);

  // Live: any change to this Stack, or an Event about it, reads the page again (a burst of
  // changes is read once, a moment after it settles).
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => {
    const again = () => {
      clearTimeout(timer.current);
      timer.current = setTimeout(() => setVersion((n) => n + 1), 300);
    };
    const unsubscribe = subscribe({
      stack: (change) => {
        if (change.namespace === namespace && change.name === name) again();
      },
      event: (change) => {
        const involved = change.event.involvedObject;
        if (involved?.kind === "Stack" && involved.namespace === namespace && involved.name === name) again();
      },
      reconnect: again,
    });
    return () => {
      clearTimeout(timer.current);
      unsubscribe();
    };
  }, [namespace, name]);

  if (load.state === "loading")
    return (
      <main class="page">
        <h1>{name}</h1>
        <p class="muted">Loading…</p>
      </main>
    );
  if (load.state === "failed")
    return (
      <main class="page">
        <h1>{name}</h1>
        <p class="error" role="alert">
          {load.message}
        </p>
        <p>
          <a href="/stacks">Back to the stacks</a>
        </p>
      </main>
    );

  const { stack, summary, plan, outputs, lock, applies, events, problems } = load.data;
  const project = summary.project;
  const mayApprove = may(who, project, "approve");
  const mayPlan = may(who, project, "plan");
  const mayUnlock = may(who, project, "unlock");
  const state = stackState(summary);
  const step = nextStep(stack, mayApprove);
  const pending = plan?.plan?.pending ? plan.plan : undefined;

  const act = async (run: () => Promise<{ message: string }>) => {
    setBusy(true);
    setDialogError(undefined);
    try {
      const answer = await run();
      setDialog(undefined);
      setNotice({ text: answer.message, error: false });
      setVersion((n) => n + 1);
    } catch (err) {
      setDialogError(reason(err));
    } finally {
      setBusy(false);
    }
  };

  const requestPlan = async () => {
    setBusy(true);
    try {
      const answer = await planStack(namespace, name);
      setNotice({ text: answer.message, error: false });
    } catch (err) {
      setNotice({ text: reason(err), error: true });
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="page stack-page" data-stack={name}>
      <p class="crumbs">
        <a href="/stacks">Stacks</a> / {namespace}
      </p>
      <header class="stack-head">
        <h1>{name}</h1>
        <span class={`badge tone-${state.tone}`} data-testid="state">
          {state.word}
        </span>
        <div class="actions">
          {pending && mayApprove ? (
            <button
              type="button"
              class="primary"
              onClick={() => {
                setDialogError(undefined);
                setDialog({ kind: "approve", planId: pending.id });
              }}
            >
              Approve plan…
            </button>
          ) : null}
          {mayPlan ? (
            <button type="button" class="secondary" disabled={busy} onClick={requestPlan}>
              Plan again
            </button>
          ) : null}
        </div>
      </header>
      {step ? (
        <p class="notice next-step" data-testid="next-step">
          {step}
        </p>
      ) : null}
      {notice ? (
        <p class={notice.error ? "notice error" : "notice"} role="status">
          {notice.text}
        </p>
      ) : null}
      {problems.length > 0 ? (
        <ul class="error" role="alert">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      ) : null}

      <section class="panel" aria-labelledby="stack-about">
        <h2 id="stack-about">Source and settings</h2>
        <dl class="facts">
          <dt>Project</dt>
          <dd>{project}</dd>
          <dt>Repository</dt>
          <dd>
            <code>{stack.spec.source.repoURL}</code>
          </dd>
          <dt>Path @ revision</dt>
          <dd>
            <code>
              {stack.spec.source.path || "."} @ {stack.spec.source.targetRevision || "HEAD"}
            </code>
          </dd>
          <dt>Workspace</dt>
          <dd>{stack.spec.workspace ?? "default"}</dd>
          <dt>Approval</dt>
          <dd>{approvalText(stack.spec.approvePlan)}</dd>
          <dt>Drift checks</dt>
          <dd>
            every {stack.spec.driftDetection?.interval ?? "1h"}, {stack.spec.driftDetection?.mode ?? "report"}
          </dd>
          {stack.status?.lastError ? (
            <>
              <dt>Last error</dt>
              <dd class="error">{stack.status.lastError}</dd>
            </>
          ) : null}
        </dl>
      </section>

      <section class="panel" aria-labelledby="stack-plan">
        <header>
          <h2 id="stack-plan">{plan?.plan?.pending === false ? "Last plan" : "Current plan"}</h2>
          {plan?.plan && stack.status?.lastApply?.planId === plan.plan.id ? (
            <span class={`badge tone-${stack.status.lastApply.result === "succeeded" ? "good" : "bad"}`}>
              {stack.status.lastApply.result === "succeeded" ? "applied" : "apply failed"}
            </span>
          ) : null}
        </header>
        {plan === undefined ? (
          <p class="muted">The plan could not be read.</p>
        ) : (
          <StackPlanView answer={plan} now={now} />
        )}
      </section>

      <div class="grid-2">
        <section class="panel" aria-labelledby="stack-outputs">
          <h2 id="stack-outputs">Outputs</h2>
          <OutputsView outputs={outputs} />
        </section>
        <section class="panel" aria-labelledby="stack-lock">
          <h2 id="stack-lock">State lock</h2>
          <LockView
            lock={lock}
            now={now}
            mayUnlock={mayUnlock}
            onUnlock={(lockId) => {
              setDialogError(undefined);
              setDialog({ kind: "unlock", lockId });
            }}
          />
        </section>
      </div>

      <section class="panel" aria-labelledby="stack-applies">
        <h2 id="stack-applies">Apply history</h2>
        <AppliesView applies={applies} now={now} />
      </section>

      <section class="panel" aria-labelledby="stack-drift">
        <h2 id="stack-drift">Drift report</h2>
        <DriftView stack={stack} now={now} />
      </section>

      <div class="grid-2">
        <section class="panel" aria-labelledby="stack-conditions">
          <h2 id="stack-conditions">Conditions</h2>
          <ConditionsView stack={stack} />
        </section>
        <section class="panel" aria-labelledby="stack-events">
          <h2 id="stack-events">Events</h2>
          <EventsView events={events} now={now} />
        </section>
      </div>

      {dialog?.kind === "approve" && pending ? (
        <ConfirmDialog
          title={`Approve plan ${dialog.planId}`}
          confirm={`Approve ${dialog.planId}`}
          danger={pending.summary.destroy > 0}
          busy={busy}
          error={dialogError}
          onCancel={() => setDialog(undefined)}
          onConfirm={() => act(() => approveStackPlan(namespace, name, dialog.planId))}
        >
          <p>
            Approving applies exactly plan <code data-testid="dialog-plan-id">{dialog.planId}</code> to stack{" "}
            <strong>
              {namespace}/{name}
            </strong>
            , made from commit <code>{pending.revision.slice(0, 12) || "—"}</code>:
          </p>
          <p class="dialog-counts">
            <PlanCounts
              add={pending.summary.add}
              change={pending.summary.change}
              destroy={pending.summary.destroy}
            />{" "}
            <span data-testid="dialog-counts">
              {pending.summary.add} to add, {pending.summary.change} to change, {pending.summary.destroy} to
              destroy
            </span>
          </p>
          {pending.summary.destroy > 0 ? (
            <p class="destroy-callout">
              <strong>It destroys {pending.summary.destroy}:</strong>{" "}
              {pending.resources
                .filter((r) => r.action === "delete" || r.action === "replace")
                .map((r) => r.address)
                .join(", ")}
            </p>
          ) : null}
          <p class="muted small">
            If a newer plan replaced this one meanwhile, the approval is refused and nothing is applied.
          </p>
        </ConfirmDialog>
      ) : null}
      {dialog?.kind === "unlock" && lock?.lock ? (
        <ConfirmDialog
          title="Release the state lock"
          confirm={`Unlock ${dialog.lockId.slice(0, 8)}`}
          danger
          busy={busy}
          error={dialogError}
          onCancel={() => setDialog(undefined)}
          onConfirm={() => act(() => unlockStack(namespace, name, dialog.lockId))}
        >
          <p>
            Release lock <code>{dialog.lockId}</code>, held by {lock.lock.who || "an unknown process"} for{" "}
            {lock.lock.operation || "an unknown operation"}?
          </p>
          <p>
            Only do so once that process is gone: two runs writing the same state corrupt it. The controller
            releases this lock only while it is still the one held.
          </p>
        </ConfirmDialog>
      ) : null}
    </main>
  );
}

function approvalText(approvePlan: string | undefined): string {
  if (approvePlan === undefined || approvePlan === "manual")
    return "manual: each plan waits for approval by its id";
  if (approvePlan === "auto") return "auto: plans are applied as soon as they are made";
  return `plan ${approvePlan} approved in Git`;
}

function OutputsView({ outputs }: { outputs: StackOutputs | undefined }) {
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

function LockView({
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

function AppliesView({ applies, now }: { applies: ApplyEntry[] | undefined; now: number }) {
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

function DriftView({ stack, now }: { stack: StackObject; now: number }) {
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

function ConditionsView({ stack }: { stack: StackObject }) {
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

function EventsView({ events, now }: { events: StackEvent[] | undefined; now: number }) {
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

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
import type { WhoAmI } from "../api.ts";
import { readFailure, useApiRead } from "../api-read.ts";
import { LoadStatus } from "../components/load-status.tsx";
import { PlanCounts } from "../components/stack-counts.tsx";
import { ConfirmDialog } from "../components/stack-dialog.tsx";
import { StackPlanView } from "../components/stack-plan.tsx";
import {
  AppliesView,
  ConditionsView,
  DriftView,
  EventsView,
  LockView,
  OutputsView,
} from "../components/stack-sections.tsx";
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
  /** When the page was read: the "now" its times are shown against. */
  at: number;
}

type Dialog = { kind: "approve"; planId: string } | { kind: "unlock"; lockId: string } | undefined;

async function loadAll(namespace: string, name: string): Promise<Loaded> {
  const { stack, summary } = await getStack(namespace, name);
  const problems: string[] = [];
  const part = <T,>(what: string, read: Promise<T>): Promise<T | undefined> =>
    read.catch((err: unknown) => {
      problems.push(`${what}: ${readFailure(err)}`);
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
    at: Date.now(),
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
  const { load, reload } = useApiRead(() => loadAll(namespace, name), [namespace, name]);
  const [dialog, setDialog] = useState<Dialog>(undefined);
  const [busy, setBusy] = useState(false);
  const [dialogError, setDialogError] = useState<string | undefined>(undefined);
  const [notice, setNotice] = useState<{ text: string; error: boolean } | undefined>(undefined);

  // Live: any change to this Stack, or an Event about it, reads the page again (a burst of
  // changes is read once, a moment after it settles).
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => {
    const again = () => {
      clearTimeout(timer.current);
      timer.current = setTimeout(reload, 300);
    };
    const unsubscribe = subscribe({
      stack: (change) => {
        if (change.namespace === namespace && change.name === name) again();
      },
      event: (change) => {
        const involved = change.event.involved;
        if (involved.kind === "Stack" && involved.namespace === namespace && involved.name === name) again();
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
        <LoadStatus load={load} />
      </main>
    );
  if (load.state === "failed")
    return (
      <main class="page">
        <h1>{name}</h1>
        <LoadStatus load={load} />
        <p>
          <a href="/stacks">Back to the stacks</a>
        </p>
      </main>
    );

  const { stack, summary, plan, outputs, lock, applies, events, problems, at: now } = load.value;
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
      reload();
    } catch (err) {
      setDialogError(readFailure(err));
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
      setNotice({ text: readFailure(err), error: true });
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
            {stack.spec.driftDetection?.interval === "0"
              ? "off (on request only)"
              : `every ${stack.spec.driftDetection?.interval ?? "1h"}`}
            , {stack.spec.driftDetection?.mode ?? "report"}
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

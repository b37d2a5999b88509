// A Stack's current plan as a table: one row per resource that changes, its action as a word and
// a colour (create, update, replace, delete), and the attributes that change, before -> after.
// Which resources change and how comes from the Stack's status (always there); the attributes
// come from the plan's text (src/terraform/plan-store.ts: `tofu show`, secrets scrubbed), which a
// least-privilege server may withhold — then the table says why and shows the actions alone.
// Sensitive values are never shown: tofu prints them as "(sensitive value)", shown "(sensitive)".
import type { StackPlan, StackPlanAnswer } from "../stack-api.ts";
import { type AttributeChange, type PlanText, parsePlanText } from "../stack-plan-text.ts";
import { actionWord, destroys } from "../stack-view.ts";
import { PlanCounts } from "./stack-counts.tsx";
import { Ago } from "./time.tsx";

const PURPOSES: Record<string, string> = {
  apply: "brings the infrastructure to the commit",
  destroy: "destroys the Stack's infrastructure",
  drift: "undoes changes made outside OpenTofu",
};

export function StackPlanView({ answer, now }: { answer: StackPlanAnswer; now: number }) {
  const plan = answer.plan;
  if (plan === null)
    return <p class="muted">No plan yet: the controller plans once it has read the source.</p>;
  const text: PlanText | undefined = answer.text === undefined ? undefined : parsePlanText(answer.text);
  const destroying = plan.resources.filter((r) => destroys(r.action));
  return (
    <div class="stack-plan" data-plan-id={plan.id}>
      <dl class="facts">
        <dt>Plan id</dt>
        <dd>
          <code data-testid="plan-id">{plan.id}</code>{" "}
          {plan.pending ? (
            <span class="badge tone-warn">waiting for approval</span>
          ) : (
            <span class="badge tone-quiet">not pending</span>
          )}
        </dd>
        <dt>Changes</dt>
        <dd>
          <PlanCounts add={plan.summary.add} change={plan.summary.change} destroy={plan.summary.destroy} />
          {plan.summary.replace > 0 ? <span class="muted"> ({plan.summary.replace} replaced)</span> : null}
        </dd>
        <dt>Purpose</dt>
        <dd>
          {plan.purpose}: {PURPOSES[plan.purpose] ?? ""}
        </dd>
        <dt>Commit</dt>
        <dd>
          <code>{plan.revision ? plan.revision.slice(0, 12) : "—"}</code>
        </dd>
        <dt>Planned</dt>
        <dd>
          <Ago at={plan.createdAt} now={now} />
        </dd>
      </dl>
      {destroying.length > 0 ? (
        <p class="destroy-callout" role="note" data-testid="destroys">
          <strong>
            This plan destroys {destroying.length} {destroying.length === 1 ? "resource" : "resources"}:
          </strong>{" "}
          {destroying.map((r) => r.address).join(", ")}
        </p>
      ) : null}
      {answer.textWithheld ? (
        <p class="muted small">Changed attributes unavailable: {answer.textWithheld}</p>
      ) : null}
      <ResourceTable plan={plan} text={text} withheld={answer.textWithheld !== undefined} />
      {plan.resourcesOmitted ? (
        <p class="muted">
          {plan.resourcesOmitted} more changed resources are not listed here; the plan's text has them all.
        </p>
      ) : null}
      {text !== undefined && text.outputs.length > 0 ? (
        <>
          <h3>Output changes</h3>
          <ul class="attributes">
            {text.outputs.map((o) => (
              <Attribute key={o.name} change={o} />
            ))}
          </ul>
        </>
      ) : null}
      {answer.text !== undefined ? (
        <details class="plan-text">
          <summary>Plan text (tofu show, secrets hidden)</summary>
          <pre>{answer.text}</pre>
        </details>
      ) : null}
    </div>
  );
}

function ResourceTable({
  plan,
  text,
  withheld,
}: {
  plan: StackPlan;
  text: PlanText | undefined;
  withheld: boolean;
}) {
  if (plan.resources.length === 0)
    return <p class="muted">No resource changes: the infrastructure matches.</p>;
  return (
    <div class="table-scroll">
      <table class="data plan-table" aria-label={`resources changed by plan ${plan.id}`}>
        <thead>
          <tr>
            <th scope="col">Resource</th>
            <th scope="col">Action</th>
            <th scope="col">Changed attributes</th>
          </tr>
        </thead>
        <tbody>
          {plan.resources.map((resource) => {
            const action = actionWord(resource.action);
            const block = text?.resources.get(resource.address);
            return (
              <tr
                key={resource.address}
                data-resource={resource.address}
                class={destroys(resource.action) ? "destroys" : undefined}
              >
                <th scope="row">
                  <code>{resource.address}</code>
                  {resource.previousAddress ? (
                    <span class="muted small">moved from {resource.previousAddress}</span>
                  ) : null}
                </th>
                <td>
                  <span class={`badge tone-${action.tone}`} data-testid="action">
                    {action.word}
                  </span>
                  {resource.reason ? (
                    <span class="muted small">{resource.reason.replaceAll("_", " ")}</span>
                  ) : null}
                  {block?.because ? <span class="muted small">{block.because}</span> : null}
                </td>
                <td>
                  {block === undefined ? (
                    <span class="muted">
                      {text !== undefined
                        ? "not in the plan text"
                        : withheld
                          ? "—"
                          : "no longer stored (plans are pruned once applied)"}
                    </span>
                  ) : block.attributes.length === 0 ? (
                    <span class="muted">none shown</span>
                  ) : (
                    <ul class="attributes">
                      {block.attributes.map((a) => (
                        <Attribute key={a.name} change={a} />
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Attribute({ change }: { change: AttributeChange }) {
  return (
    <li data-attribute={change.name}>
      <code class="attr-name">{change.name}</code>{" "}
      {change.before !== undefined ? <code class="before">{change.before}</code> : null}
      {change.before !== undefined && change.after !== undefined ? <span class="arrow"> → </span> : null}
      {change.after !== undefined ? <code class="after">{change.after}</code> : null}
      {change.sensitive ? <span class="badge tone-quiet">hidden</span> : null}
      {change.forcesReplacement ? <span class="badge tone-bad">forces replacement</span> : null}
      {change.nested.length > 0 ? <pre class="nested">{change.nested.join("\n")}</pre> : null}
    </li>
  );
}

// The last sync's result (status.operationState): its phase, who or what started it, the revision,
// whether it pruned or only dry-ran, what it waits for while it runs, and per object what it did
// (created, configured, unchanged, deleted, failed) with the server's message when it failed.
import type { OperationState } from "../app-api.ts";
import { formatRef, shortSha } from "../app-detail.ts";
import { Ago } from "./time.tsx";

const PHASE_TONES: Record<string, string> = {
  Running: "busy",
  Terminating: "busy",
  Succeeded: "good",
  Failed: "bad",
};

const RESULT_TONES: Record<string, string> = {
  failed: "bad",
  "hook-failed": "bad",
  created: "good",
  configured: "good",
  deleted: "warn",
};

export function AppOperation({ op, now }: { op: OperationState | undefined; now: number }) {
  return (
    <section class="panel" aria-labelledby="operation-title">
      <h2 id="operation-title">Last sync</h2>
      {op === undefined ? (
        <p class="muted">No sync has run yet.</p>
      ) : (
        <>
          <p data-testid="operation">
            <span class={`badge tone-${PHASE_TONES[op.phase] ?? "quiet"}`} data-testid="operation-phase">
              {op.phase}
            </span>
            {op.dryRun ? <span class="badge tone-quiet">dry run</span> : null}
            {op.prune ? <span class="badge tone-quiet">prune</span> : null} {op.trigger}
            {op.initiatedBy?.username ? ` by ${op.initiatedBy.username}` : ""} at{" "}
            <code title={op.revision}>{shortSha(op.revision)}</code>, started{" "}
            <Ago at={op.startedAt} now={now} />
            {op.finishedAt ? (
              <>
                , finished <Ago at={op.finishedAt} now={now} />
              </>
            ) : null}
          </p>
          {op.message ? (
            <p class={op.phase === "Failed" ? "error" : "muted"} data-testid="operation-message">
              {op.message}
            </p>
          ) : null}
          {op.waitingFor ? <p class="muted">Waiting for {op.waitingFor.message}</p> : null}
          {op.resources && op.resources.length > 0 ? (
            <div class="table-scroll">
              <table class="data" data-testid="operation-resources">
                <thead>
                  <tr>
                    <th scope="col">Object</th>
                    <th scope="col">Result</th>
                    <th scope="col">Phase / wave</th>
                    <th scope="col">Message</th>
                  </tr>
                </thead>
                <tbody>
                  {op.resources.map((r) => (
                    <tr key={`${formatRef(r)}/${r.phase}`}>
                      <td>{formatRef(r)}</td>
                      <td>
                        <span class={`tone-${RESULT_TONES[r.result] ?? "quiet"}`}>{r.result}</span>
                      </td>
                      <td>
                        {r.phase} / {r.wave}
                      </td>
                      <td class="app-message">{r.message ?? ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </>
      )}
    </section>
  );
}

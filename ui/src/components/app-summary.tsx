// The top of the application page: what the app is (project, where its manifests come from —
// every source of a multi-source app with the revision it runs —, where they go), how it is (health, sync — "Syncing" while a sync runs), which commit it runs and
// since when, how it is driven (auto-sync, self-heal, suspended, pinned after a rollback), and the
// conditions a person must read when it is not Ready (Stalled: the message says what to fix).
import type { AppRow } from "../api.ts";
import type { Application } from "../app-api.ts";
import { destinationText, problemConditions, shortSha } from "../app-detail.ts";
import { revisionsText, rowSources, sourceText } from "../app-sources.ts";
import { HealthBadge, SyncBadge } from "./badge.tsx";
import { Ago } from "./time.tsx";

export function AppSummary({ app, summary, now }: { app: Application; summary: AppRow; now: number }) {
  const status = app.status ?? {};
  const automated = app.spec.syncPolicy?.automated;
  const problems = problemConditions(status.conditions);
  const commit = status.commit;
  const sources = rowSources(summary);
  return (
    <section class="app-summary" aria-label="summary">
      <div class="app-badges">
        <HealthBadge health={summary.health} />
        <SyncBadge sync={summary.sync} operation={summary.operation} />
        {summary.suspended ? (
          <span class="badge tone-quiet" data-testid="suspended">
            suspended
          </span>
        ) : null}
        {status.pin ? (
          <span class="badge tone-warn" data-testid="pinned" title={status.pin.revision}>
            pinned to {shortSha(status.pin.revision)}
          </span>
        ) : null}
      </div>
      {status.health?.message && summary.health !== "Healthy" ? (
        <p class="muted">{status.health.message}</p>
      ) : null}
      <dl class="facts">
        <dt>Project</dt>
        <dd data-testid="project">{summary.project}</dd>
        {sources.length > 1 ? (
          <>
            <dt>Sources</dt>
            <dd>
              <ol class="app-sources" data-testid="sources">
                {sources.map(({ source, revision }, i) => (
                  <li key={`${i}:${source.repoURL}`} data-testid="source">
                    <span class="app-repo" title={source.repoURL}>
                      {source.repoURL}
                    </span>{" "}
                    <span class="muted">{sourceText(source)}</span>
                    {revision ? (
                      <>
                        {" "}
                        <code title={revision}>{shortSha(revision)}</code>
                      </>
                    ) : null}
                  </li>
                ))}
              </ol>
            </dd>
          </>
        ) : (
          <>
            <dt>Repository</dt>
            <dd class="app-repo" title={summary.source.repoURL}>
              {summary.source.repoURL}
            </dd>
            <dt>{summary.source.chart ? "Chart and version" : "Path and target"}</dt>
            <dd>
              {summary.source.chart ?? (summary.source.path || ".")} @{" "}
              {summary.source.targetRevision || "HEAD"}
            </dd>
          </>
        )}
        <dt>Destination</dt>
        <dd>{destinationText(app)}</dd>
        <dt>Revision</dt>
        <dd data-testid="revision">
          {summary.revision ? <code title={summary.revision}>{revisionsText(summary)}</code> : "—"}
          {commit?.message && sources.some((s) => s.revision === commit.revision) ? (
            <span class="muted"> {commit.message.split("\n", 1)[0]}</span>
          ) : null}
        </dd>
        <dt>Last sync</dt>
        <dd>
          <Ago at={summary.lastSyncedAt} now={now} />
        </dd>
        <dt>Sync policy</dt>
        <dd data-testid="policy">
          {automated
            ? `auto-sync${automated.prune ? ", prune" : ""}${automated.selfHeal ? ", self-heal" : ""}`
            : "manual"}
        </dd>
      </dl>
      {problems.map((c) => (
        <p
          key={c.type}
          class={`app-condition ${c.type === "Stalled" ? "stalled" : ""}`}
          data-testid="condition"
        >
          <strong>
            {c.type === "Stalled" ? "Stalled" : "Not ready"} ({c.reason}):
          </strong>{" "}
          {c.message}
        </p>
      ))}
    </section>
  );
}

// The deploy history: every revision the app deployed (status.history, kept up to
// spec.revisionHistoryLimit; a multi-source deploy lists each source's revision), newest first, with the commit's author, message and signature (when
// the project requires signed commits), when it was deployed and what started it (automated,
// manual, self-heal, rollback). A row other than the running revision offers Rollback to people
// who may roll back.
import type { HistoryEntry } from "../app-api.ts";
import { historyNewestFirst, shortSha, signerText } from "../app-detail.ts";
import { entryRevisions, sourceText } from "../app-sources.ts";
import { Ago } from "./time.tsx";

export function AppHistory(props: {
  history: readonly HistoryEntry[] | undefined;
  /** The revision running now: rolling back to it would change nothing. */
  current: string | undefined;
  now: number;
  /** Offered only when the user may roll back. */
  onRollback?: ((entry: HistoryEntry) => void) | undefined;
}) {
  const rows = historyNewestFirst(props.history);
  return (
    <section class="panel" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {rows.length === 0 ? (
        <p class="muted">No revision deployed yet.</p>
      ) : (
        <div class="table-scroll">
          <table class="data" data-testid="history">
            <thead>
              <tr>
                <th scope="col">ID</th>
                <th scope="col">Revision</th>
                <th scope="col">Author</th>
                <th scope="col">Message</th>
                <th scope="col">Signature</th>
                <th scope="col">Deployed</th>
                <th scope="col">Trigger</th>
                {props.onRollback ? (
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {rows.map((entry) => {
                const signer = signerText(entry.signer);
                const running = entry.revision === props.current;
                return (
                  <tr
                    key={entry.id}
                    data-testid="history-row"
                    data-id={entry.id}
                    data-revision={entry.revision}
                  >
                    <td>{entry.id}</td>
                    <td data-testid="history-revisions">
                      {entryRevisions(entry).map((deployed, i) => (
                        <span
                          key={`${i}:${deployed.revision}`}
                          class="app-revision"
                          data-testid="history-revision"
                          title={
                            deployed.source
                              ? `${deployed.source.repoURL} ${sourceText(deployed.source)}`
                              : deployed.revision
                          }
                        >
                          <code>{shortSha(deployed.revision)}</code>
                          {deployed.source && (entry.revisions?.length ?? 0) > 1 ? (
                            <span class="muted small">
                              {" "}
                              {deployed.source.chart ?? deployed.source.ref ?? (deployed.source.path || ".")}
                            </span>
                          ) : null}
                        </span>
                      ))}
                      {running ? <span class="badge tone-good app-running">running</span> : null}
                    </td>
                    <td data-testid="history-author">{entry.author ?? "—"}</td>
                    <td class="app-message" data-testid="history-message">
                      {entry.message ? entry.message.split("\n", 1)[0] : "—"}
                    </td>
                    <td>
                      {signer ? (
                        <span title={entry.signer?.key}>{signer}</span>
                      ) : (
                        <span class="muted">—</span>
                      )}
                    </td>
                    <td>
                      <Ago at={entry.deployedAt} now={props.now} />
                    </td>
                    <td>{entry.trigger}</td>
                    {props.onRollback ? (
                      <td>
                        {running ? null : (
                          <button
                            type="button"
                            class="secondary"
                            aria-label={`Roll back to ${entryRevisions(entry)
                              .map((d) => shortSha(d.revision))
                              .join(", ")} (history ${entry.id})`}
                            onClick={() => props.onRollback?.(entry)}
                          >
                            Roll back
                          </button>
                        )}
                      </td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

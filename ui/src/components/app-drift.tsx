// Drift corrections: changes made to the app's objects by someone other than Mooring (a
// `kubectl scale`, an operator, a person in a hurry), from status.drift. The field manager names
// who made each change (server-side apply records it per field); with self-heal on, Mooring puts
// the object back and the row says when. Newest first.
import type { DriftRecord } from "../app-api.ts";
import { formatRef } from "../app-detail.ts";
import { Ago } from "./time.tsx";

export function AppDrift({ drift, now }: { drift: readonly DriftRecord[] | undefined; now: number }) {
  const rows = [...(drift ?? [])].sort((a, b) => (a.detectedAt < b.detectedAt ? 1 : -1));
  return (
    <section class="panel" aria-labelledby="drift-title">
      <h2 id="drift-title">Drift corrections</h2>
      {rows.length === 0 ? (
        <p class="muted">No change made outside Git has been seen.</p>
      ) : (
        <div class="table-scroll">
          <table class="data" data-testid="drift">
            <thead>
              <tr>
                <th scope="col">Object</th>
                <th scope="col">Changed by (field manager)</th>
                <th scope="col">Seen</th>
                <th scope="col">What changed</th>
                <th scope="col">Healed</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={`${formatRef(d)}@${d.detectedAt}`} data-testid="drift-row">
                  <td>{formatRef(d)}</td>
                  <td data-testid="drift-manager">
                    <code>{d.manager}</code>
                  </td>
                  <td>
                    <Ago at={d.detectedAt} now={now} />
                  </td>
                  <td>
                    {d.change === "deleted" ? "deleted" : d.fields?.length ? d.fields.join(", ") : "modified"}
                  </td>
                  <td data-testid="drift-healed">
                    {d.correctedAt ? (
                      <span class="tone-good">
                        healed <Ago at={d.correctedAt} now={now} />
                      </span>
                    ) : (
                      <span class="tone-warn">not healed (self-heal off, or in progress)</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

// The Kubernetes Events about the app (what `kubectl describe application` shows: sync started
// and finished, drift healed, a render failed), newest first. The page keeps the list live from
// the server's stream; a Warning reads as one by word and colour.
import type { AppEvent } from "../app-api.ts";
import { eventKey } from "../app-detail.ts";
import { Ago } from "./time.tsx";

export function AppEvents({ events, now }: { events: readonly AppEvent[]; now: number }) {
  return (
    <section class="panel" aria-labelledby="events-title">
      <h2 id="events-title">Events</h2>
      {events.length === 0 ? (
        <p class="muted">No events.</p>
      ) : (
        <div class="table-scroll">
          <table class="data" data-testid="events">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Type</th>
                <th scope="col">Reason</th>
                <th scope="col">Message</th>
                <th scope="col">Count</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={eventKey(e)} data-testid="event-row" data-reason={e.reason}>
                  <td>
                    <Ago at={e.lastTimestamp ?? e.firstTimestamp} now={now} />
                  </td>
                  <td>
                    <span class={e.type === "Warning" ? "tone-bad" : "muted"}>{e.type}</span>
                  </td>
                  <td>{e.reason}</td>
                  <td class="app-message">{e.message}</td>
                  <td>{e.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

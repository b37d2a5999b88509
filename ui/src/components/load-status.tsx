// How a read from the server is going, in the words every page uses: "Loading…" while it runs,
// the server's message (an alert) when it failed, nothing once the answer is shown.
import type { Load } from "../api-read.ts";

export function LoadStatus({ load }: { load: Load<unknown> }) {
  if (load.state === "loading") return <p class="muted">Loading…</p>;
  if (load.state === "failed")
    return (
      <p class="error" role="alert">
        {load.message}
      </p>
    );
  return null;
}

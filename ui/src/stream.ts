// The server's live stream (GET /api/v1/stream, server-sent events): a change to an Application
// arrives as `event: application` with its new list row (`summary`), or `type: "deleted"`. The
// browser's EventSource sends the session cookie and reconnects by itself when the server drops
// a slow client; `onReconnect` tells the page to list again, since changes during the gap are lost.
import { API_ROOT, type AppRow } from "./api.ts";

export interface AppChange {
  type: "added" | "modified" | "deleted";
  namespace: string;
  name: string;
  summary?: AppRow;
}

export function subscribeApplications(
  onChange: (change: AppChange) => void,
  onReconnect: () => void,
): () => void {
  const source = new EventSource(`${API_ROOT}/stream`);
  let opened = false;
  source.addEventListener("open", () => {
    if (opened) onReconnect();
    opened = true;
  });
  source.addEventListener("application", (message) => {
    try {
      onChange(JSON.parse((message as MessageEvent<string>).data) as AppChange);
    } catch {
      // A message the UI cannot read is skipped; the next list shows the truth.
    }
  });
  return () => source.close();
}

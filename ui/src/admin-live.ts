// Keeping the projects and clusters pages current without a reload: their counts change when an
// Application or a Stack is created or deleted, which the server's live stream announces. Status
// changes (most of the stream) leave the counts as they are and are ignored. A burst of changes (a fleet being deployed) leads to one read a
// moment after it ends, not one per change; a reconnect reads again, since changes in the gap
// were missed.
import { useEffect, useRef } from "preact/hooks";
import { subscribe } from "./stream.ts";

const SETTLE_MS = 1000;

export function useReloadOnFleetChanges(reload: () => void): void {
  const latest = useRef(reload);
  latest.current = reload;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const soon = () => {
      clearTimeout(timer);
      timer = setTimeout(() => latest.current(), SETTLE_MS);
    };
    const counted = (change: { type: string }) => {
      if (change.type !== "modified") soon();
    };
    const unsubscribe = subscribe({ application: counted, stack: counted, reconnect: soon });
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, []);
}

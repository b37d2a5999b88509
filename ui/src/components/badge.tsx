// Health and sync badges: a word and a colour, never colour alone (readable for colour-blind
// users and in both colour schemes). The tone names map to CSS classes in style.css.

const HEALTH_TONES: Record<string, string> = {
  Healthy: "good",
  Progressing: "busy",
  Degraded: "bad",
  Suspended: "quiet",
  Missing: "warn",
  Unknown: "quiet",
};

const SYNC_TONES: Record<string, string> = {
  Synced: "good",
  OutOfSync: "warn",
  Unknown: "quiet",
};

export function HealthBadge({ health }: { health: string }) {
  return (
    <span class={`badge tone-${HEALTH_TONES[health] ?? "quiet"}`} data-testid="health">
      {health}
    </span>
  );
}

export function SyncBadge({ sync, operation }: { sync: string; operation?: string | undefined }) {
  const syncing = operation === "Running" || operation === "Terminating";
  return (
    <span class={`badge tone-${syncing ? "busy" : (SYNC_TONES[sync] ?? "quiet")}`} data-testid="sync">
      {syncing ? "Syncing" : sync}
    </span>
  );
}

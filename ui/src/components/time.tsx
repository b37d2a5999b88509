// "3 min ago" with the exact time on hover, for last-sync columns.

export function Ago({ at, now }: { at: string | undefined; now: number }) {
  if (at === undefined) return <span class="muted">never</span>;
  const then = Date.parse(at);
  if (Number.isNaN(then)) return <span>{at}</span>;
  return (
    <time dateTime={at} title={new Date(then).toLocaleString()}>
      {ago(now - then)}
    </time>
  );
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} d ago`;
}

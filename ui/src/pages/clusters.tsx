// Placeholder until this page is built (issue 10).
import type { WhoAmI } from "../api.ts";

export function ClustersPage(_props: { who: WhoAmI; query: URLSearchParams }) {
  return (
    <main class="page">
      <h1>Clusters</h1>
    </main>
  );
}

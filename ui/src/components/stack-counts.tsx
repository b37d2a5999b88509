// A plan's counts as `tofu plan` sums them up, compact: "+2 ~1 -0", the destroy count in the
// danger colour when it is not zero. The full sentence is the label screen readers read.
import { countsText } from "../stack-view.ts";

export function PlanCounts({ add, change, destroy }: { add: number; change: number; destroy: number }) {
  const sentence = countsText({ add, change, destroy });
  return (
    <span class="plan-counts" title={sentence} role="img" aria-label={sentence} data-testid="counts">
      <span class="count-add">+{add}</span> <span class="count-change">~{change}</span>{" "}
      <span class={destroy > 0 ? "count-destroy" : "count-none"}>-{destroy}</span>
    </span>
  );
}

// An Application's resource tree as a graph: the Application on the left, the objects it manages
// next to it, and what Kubernetes made for them further right (Deployment -> ReplicaSet -> Pods).
// Each box shows the kind, the name, the health as a word and a colour and, for managed objects,
// whether they match Git. Boxes are buttons: Tab reaches them, Enter selects one, the arrow keys
// walk the tree (up and down a column, left to the owner, right to the first child). The tree is
// read again whenever `reload` changes (the page bumps it at each live change of the app) and
// every POLL_MS while shown, since Pods come and go without the app's status changing.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { useApiRead } from "../api-read.ts";
import { fetchTree, type TreeNode } from "../tree-api.ts";
import { type LaidOutNode, layoutTree, ROOT_ID } from "../tree-layout.ts";
import { HealthBadge, SyncBadge } from "./badge.tsx";
import "./resource-tree.css";

const POLL_MS = 15_000;
/** Live changes come in bursts (a sync touches several objects): read once they settle. */
const SETTLE_MS = 300;

const KIND_SHORT: Record<string, string> = {
  Application: "app",
  ConfigMap: "cm",
  CronJob: "cj",
  DaemonSet: "ds",
  Deployment: "deploy",
  HorizontalPodAutoscaler: "hpa",
  Ingress: "ing",
  Job: "job",
  Namespace: "ns",
  PersistentVolumeClaim: "pvc",
  Pod: "pod",
  ReplicaSet: "rs",
  Role: "role",
  RoleBinding: "rb",
  Secret: "secret",
  Service: "svc",
  ServiceAccount: "sa",
  StatefulSet: "sts",
};

/** kubectl's short name where it has one, else the kind's capitals: "CustomWidget" -> "cw". */
const shortKind = (kind: string) =>
  KIND_SHORT[kind] ?? (kind.replace(/[^A-Z]/g, "").toLowerCase() || kind.slice(0, 3).toLowerCase());

export function ResourceTree(props: {
  namespace: string;
  name: string;
  appHealth: string;
  reload: number;
  selected?: string;
  onSelect: (node: TreeNode) => void;
}) {
  const { namespace, name, reload } = props;
  const [polls, setPolls] = useState(0);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const canvas = useRef<HTMLDivElement>(null);

  // Another app starts afresh: never the previous one's tree under this one's name. A failed
  // re-read keeps the last tree on screen and says it may be stale.
  const { load } = useApiRead((signal) => fetchTree(namespace, name, signal), [reload, polls], {
    subject: `${namespace}/${name}`,
    keepOnFailure: true,
    settleMs: SETTLE_MS,
  });
  useEffect(() => setExpanded(new Set()), [namespace, name]);

  useEffect(() => {
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") setPolls((n) => n + 1);
    }, POLL_MS);
    return () => clearInterval(timer);
  }, []);

  const tree = load.state === "loaded" ? load.value : undefined;
  const layout = useMemo(() => layoutTree(tree?.nodes ?? [], { expanded }), [tree, expanded]);

  const focusNode = (id: string | undefined) => {
    if (id === undefined) return;
    canvas.current?.querySelector<HTMLElement>(`[data-node-id="${CSS.escape(id)}"]`)?.focus();
  };

  const onKeyDown = (event: KeyboardEvent) => {
    const id = (event.target as HTMLElement).closest<HTMLElement>("[data-node-id]")?.dataset.nodeId;
    const here = layout.nodes.find((n) => n.id === id);
    if (here === undefined) return;
    const column = layout.nodes.filter((n) => n.depth === here.depth).sort((a, b) => a.y - b.y);
    const at = column.indexOf(here);
    let next: LaidOutNode | undefined;
    if (event.key === "ArrowDown") next = column[at + 1];
    else if (event.key === "ArrowUp") next = column[at - 1];
    else if (event.key === "ArrowLeft") {
      const from = layout.edges.find((e) => e.to === here.id)?.from;
      next = layout.nodes.find((n) => n.id === from);
    } else if (event.key === "ArrowRight") {
      const to = layout.edges.find((e) => e.from === here.id)?.to;
      next = layout.nodes.find((n) => n.id === to);
    } else return;
    event.preventDefault();
    focusNode(next?.id);
  };

  return (
    <section class="resource-tree" aria-label="resource tree" data-testid="resource-tree">
      {load.state === "loading" ? <p class="muted">Loading the resource tree…</p> : null}
      {load.state === "failed" ? (
        <p class="error" role="alert">
          The resource tree could not be read: {load.message}
        </p>
      ) : null}
      {load.state === "loaded" && load.failed ? (
        <p class="notice" role="status">
          The tree may be out of date: {load.failed}
        </p>
      ) : null}
      {tree?.childrenError ? (
        <p class="notice" role="note" data-testid="tree-children-error">
          Only the managed objects are shown: {tree.childrenError.message}
        </p>
      ) : null}
      {tree?.truncated ? (
        <p class="notice" role="note">
          Not every owned object is shown: the controller stopped at its limit.
        </p>
      ) : null}
      {tree ? (
        <div class="tree-scroll">
          {/* Key presses bubble up from the node buttons; the canvas itself is not a control. */}
          {/* biome-ignore lint/a11y/noStaticElementInteractions: arrow keys move between the buttons inside */}
          <div
            class="tree-canvas"
            ref={canvas}
            style={{ width: `${layout.width}px`, height: `${layout.height}px` }}
            onKeyDown={onKeyDown}
          >
            <svg class="tree-edges" width={layout.width} height={layout.height} aria-hidden="true">
              {layout.edges.map((edge) => (
                <polyline
                  key={`${edge.from}>${edge.to}`}
                  points={edge.points.map(([x, y]) => `${x},${y}`).join(" ")}
                />
              ))}
            </svg>
            {layout.nodes.map((box) => (
              <TreeBox
                key={box.id}
                box={box}
                app={{ name, health: props.appHealth }}
                selected={props.selected}
                onSelect={props.onSelect}
                onExpand={(parent) => setExpanded((old) => new Set([...old, parent]))}
              />
            ))}
          </div>
        </div>
      ) : null}
    </section>
  );
}

function TreeBox({
  box,
  app,
  selected,
  onSelect,
  onExpand,
}: {
  box: LaidOutNode;
  app: { name: string; health: string };
  selected: string | undefined;
  onSelect: (node: TreeNode) => void;
  onExpand: (parent: string) => void;
}) {
  const style = { left: `${box.x}px`, top: `${box.y}px`, width: `${box.width}px`, height: `${box.height}px` };
  if (box.type === "app") {
    return (
      <div
        class="tree-node tree-app"
        style={style}
        data-testid="tree-root"
        data-node-id={ROOT_ID}
        tabIndex={-1}
      >
        <span class="tree-line">
          <span class="tree-kind" title="Application">
            app
          </span>
          <span class="tree-name" title={app.name}>
            {app.name}
          </span>
        </span>
        <span class="tree-line">
          <HealthBadge health={app.health} />
        </span>
      </div>
    );
  }
  if (box.type === "more") {
    return (
      <button
        type="button"
        class="tree-node tree-more secondary"
        style={style}
        data-node-id={box.id}
        data-testid="tree-more"
        onClick={() => onExpand(box.parent)}
      >
        Show {box.hidden} more
      </button>
    );
  }
  const { node } = box;
  const health = node.health?.status ?? "Unknown";
  const facts = [...(node.info ?? []), ...(box.orphan ? ["owner not shown"] : [])];
  const isSelected = selected === node.id;
  return (
    <button
      type="button"
      class={`tree-node${isSelected ? " selected" : ""}${node.managed ? "" : " owned"}`}
      style={style}
      data-testid="tree-node"
      data-node-id={node.id}
      data-kind={node.kind}
      data-name={node.name}
      data-parent={node.parent ?? ROOT_ID}
      aria-pressed={isSelected}
      aria-label={`${node.kind} ${node.name}, ${health}${node.managed && node.sync ? `, ${node.sync}` : ""}`}
      title={[`${node.kind} ${node.namespace ? `${node.namespace}/` : ""}${node.name}`, node.health?.message]
        .filter(Boolean)
        .join("\n")}
      onClick={() => onSelect(node)}
    >
      <span class="tree-line">
        <span class="tree-kind">{shortKind(node.kind)}</span>
        <span class="tree-name">{node.name}</span>
      </span>
      <span class="tree-line">
        <HealthBadge health={health} />
        {node.managed && node.sync ? <SyncBadge sync={node.sync} /> : null}
      </span>
      {facts.length > 0 ? <span class="tree-info">{facts.join(" · ")}</span> : null}
    </button>
  );
}

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiRequestError, type WhoAmI } from "./api.ts";
import type { AppEvent, Application, ObjectRef } from "./app-api.ts";
import {
  describeError,
  destinationText,
  formatChange,
  formatRef,
  historyNewestFirst,
  mergeEvent,
  offeredActions,
  problemConditions,
  shortSha,
  signerText,
  syncRequest,
} from "./app-detail.ts";

const who = (over: Partial<WhoAmI>): WhoAmI => ({
  username: "ana",
  kind: "user",
  groups: [],
  globalAdmin: false,
  projects: [],
  ...over,
});
const viewer = who({ projects: [{ project: "team-a", roles: ["viewer"], verbs: ["get", "list"] }] });
const deployer = who({
  projects: [
    {
      project: "team-a",
      roles: ["deployer"],
      verbs: ["get", "list", "sync", "refresh", "rollback", "terminate", "suspend"],
    },
  ],
});

const app = (
  over: { spec?: Partial<Application["spec"]>; status?: Application["status"] } = {},
): Application => ({
  apiVersion: "mooring.dev/v1alpha1",
  kind: "Application",
  metadata: { name: "web", namespace: "mooring" },
  spec: {
    project: "team-a",
    source: { repoURL: "https://git.example.com/shop.git", path: "web", targetRevision: "main" },
    destination: { namespace: "shop" },
    ...over.spec,
  },
  ...(over.status ? { status: over.status } : {}),
});

describe("offeredActions", () => {
  it("offers a viewer no action at all", () => {
    const offered = offeredActions(viewer, app({ status: { pin: { revision: "a", historyId: 1 } } }));
    assert.deepEqual(Object.values(offered), [false, false, false, false, false, false, false]);
  });

  it("offers a deployer sync, refresh, rollback and suspend; unpin only when pinned; terminate only while running", () => {
    const idle = offeredActions(deployer, app());
    assert.equal(idle.sync && idle.refresh && idle.rollback && idle.suspend, true);
    assert.equal(idle.unpin, false);
    assert.equal(idle.terminate, false);
    assert.equal(idle.resume, false);
    const running = offeredActions(
      deployer,
      app({
        status: {
          pin: { revision: "a", historyId: 1 },
          operationState: { phase: "Running", trigger: "manual", revision: "a", message: "", startedAt: "" },
        },
      }),
    );
    assert.equal(running.unpin, true);
    assert.equal(running.terminate, true);
  });

  it("offers only Resume on a suspended app, whose controller ignores every other request", () => {
    const offered = offeredActions(deployer, app({ spec: { suspend: true } }));
    assert.deepEqual(offered, {
      sync: false,
      refresh: false,
      rollback: false,
      unpin: false,
      terminate: false,
      suspend: false,
      resume: true,
    });
  });

  it("reads the project `default` when the app names none", () => {
    const defaultDeployer = who({ projects: [{ project: "default", roles: ["deployer"], verbs: ["sync"] }] });
    assert.equal(offeredActions(defaultDeployer, app({ spec: { project: "" } })).sync, true);
  });
});

describe("problemConditions", () => {
  it("shows Ready when not True and Stalled when True, nothing when all is well", () => {
    const ready = { type: "Ready", status: "True" as const, reason: "Synced", message: "ok" };
    assert.deepEqual(problemConditions([ready, { ...ready, type: "Reconciling" }]), []);
    const stalled = {
      type: "Stalled",
      status: "True" as const,
      reason: "RenderFailed",
      message: "web/x.yaml: bad; fix the file",
    };
    const notReady = { ...ready, status: "False" as const, reason: "RenderFailed", message: "cannot render" };
    assert.deepEqual(problemConditions([notReady, stalled]), [notReady, stalled]);
    assert.deepEqual(problemConditions(undefined), []);
  });
});

describe("syncRequest", () => {
  const listed: ObjectRef[] = [
    { group: "", kind: "ConfigMap", namespace: "shop", name: "one" },
    { group: "apps", kind: "Deployment", namespace: "shop", name: "web" },
    { group: "rbac.authorization.k8s.io", kind: "ClusterRole", namespace: "", name: "reader" },
  ];
  const all = new Set([
    "/ConfigMap/shop/one",
    "apps/Deployment/shop/web",
    "rbac.authorization.k8s.io/ClusterRole//reader",
  ]);

  it("syncs the whole app when every listed object is chosen", () => {
    assert.deepEqual(syncRequest(listed, all, { prune: false, dryRun: false }), {});
    assert.deepEqual(syncRequest(listed, all, { prune: true, dryRun: true }), { prune: true, dryRun: true });
  });

  it("names the chosen objects of a subset, without a namespace for cluster-scoped ones", () => {
    const chosen = new Set(["apps/Deployment/shop/web", "rbac.authorization.k8s.io/ClusterRole//reader"]);
    assert.deepEqual(syncRequest(listed, chosen, { prune: false, dryRun: false }), {
      resources: [
        { group: "apps", kind: "Deployment", namespace: "shop", name: "web" },
        { group: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "reader" },
      ],
    });
  });

  it("refuses a choice of nothing, but an app with nothing listed syncs whole", () => {
    assert.equal(syncRequest(listed, new Set(), { prune: false, dryRun: false }), undefined);
    assert.deepEqual(syncRequest([], new Set(), { prune: false, dryRun: false }), {});
  });
});

describe("formatting", () => {
  it("abbreviates commit SHAs and leaves other revisions alone", () => {
    assert.equal(shortSha("0123456789abcdef0123456789abcdef01234567"), "0123456");
    assert.equal(shortSha("v1.2.0"), "v1.2.0");
    assert.equal(shortSha(undefined), "");
    assert.equal(shortSha("web@1.2.0,0123456789abcdef0123456789abcdef01234567"), "web@1.2.0, 0123456");
  });

  it("names objects Kind/namespace/name, with the group when not core", () => {
    assert.equal(
      formatRef({ group: "", kind: "Service", namespace: "shop", name: "web" }),
      "Service/shop/web",
    );
    assert.equal(
      formatRef({ group: "apps", kind: "Deployment", namespace: "shop", name: "web" }),
      "apps/Deployment/shop/web",
    );
    assert.equal(formatRef({ group: "", kind: "Namespace", namespace: "", name: "shop" }), "Namespace/shop");
  });

  it("writes a change as live → desired and says when a side is absent", () => {
    assert.equal(formatChange({ path: "spec.replicas", live: 5, desired: 2 }), "spec.replicas: 5 → 2");
    assert.equal(formatChange({ path: "data.key", desired: "v" }), "data.key: (absent) → v");
  });

  it("describes a signer by format, identity and the end of the key", () => {
    assert.equal(
      signerText({
        format: "gpg",
        identity: "Alice <alice@example.com>",
        key: "0123456789ABCDEF0123456789ABCDEF",
      }),
      "GPG Alice <alice@example.com> (…0123456789ABCDEF)",
    );
    assert.equal(signerText(undefined), undefined);
  });

  it("lists history newest first", () => {
    const entry = (id: number) => ({ id, revision: `r${id}`, deployedAt: "", trigger: "manual" });
    assert.deepEqual(
      historyNewestFirst([entry(1), entry(3), entry(2)]).map((e) => e.id),
      [3, 2, 1],
    );
  });

  it("names the destination, in-cluster by default", () => {
    assert.equal(destinationText(app()), "in-cluster / shop");
    assert.equal(
      destinationText(app({ spec: { destination: { cluster: "prod", namespace: "x" } } })),
      "prod / x",
    );
  });
});

describe("mergeEvent", () => {
  const event = (reason: string, first: string, last = first, count = 1): AppEvent => ({
    type: "Normal",
    reason,
    message: `${reason} happened`,
    count,
    firstTimestamp: first,
    lastTimestamp: last,
    involved: { kind: "Application", namespace: "mooring", name: "web" },
  });

  it("puts a new Event first and replaces the one a repeat counts", () => {
    const older = event("Synced", "2026-01-01T10:00:00Z");
    const drift = event("DriftHealed", "2026-01-01T10:05:00Z");
    let list = mergeEvent([], older);
    list = mergeEvent(list, drift);
    assert.deepEqual(
      list.map((e) => e.reason),
      ["DriftHealed", "Synced"],
    );
    list = mergeEvent(list, event("Synced", "2026-01-01T10:00:00Z", "2026-01-01T10:09:00Z", 2));
    assert.deepEqual(
      list.map((e) => [e.reason, e.count]),
      [
        ["Synced", 2],
        ["DriftHealed", 1],
      ],
    );
  });

  it("keeps at most the limit", () => {
    let list: AppEvent[] = [];
    for (let i = 0; i < 5; i++) list = mergeEvent(list, event(`R${i}`, `2026-01-01T10:0${i}:00Z`), 3);
    assert.deepEqual(
      list.map((e) => e.reason),
      ["R4", "R3", "R2"],
    );
  });
});

describe("describeError", () => {
  it("shows the server's message with its code, and says when the server could not be reached", () => {
    const refused = new ApiRequestError(
      403,
      "forbidden",
      "ana may not sync application web (role viewer)",
      false,
    );
    assert.equal(describeError(refused), "ana may not sync application web (role viewer) (forbidden)");
    assert.match(describeError(new TypeError("Failed to fetch")), /^could not reach the server: TypeError/);
  });
});

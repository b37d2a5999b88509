// The Application controller process: leader election, an informer on Applications feeding a
// keyed work queue, drift watches on managed objects, and /metrics and /healthz over HTTP, with
// the read-only /inspect/v1 endpoints the API server asks for trees, manifests and previews.
// The leader also previews pull requests (src/preview/service.ts): forges configured by Secrets,
// webhooks forwarded by the API server, a poll every previewPollMs. Only the leader reconciles; a standby keeps campaigning and takes over when the leader's Lease
// expires or is released on shutdown. Shutdown (SIGTERM) stops taking work and lets running
// reconciles finish — Stack runs for up to a minute, still holding the Lease, since a new leader
// would take their state locks for leftovers of dead runs; tofu runs still going then are
// interrupted so they release their locks — and only then releases the Lease, so a standby starts
// at once. A replica that loses its Lease interrupts its tofu runs at once.

import { createServer, type Server } from "node:http";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { type AuditRecorder, NO_AUDIT } from "../audit/writer.ts";
import { type Application, CONTROLLER_NAMESPACE } from "../core/application.ts";
import { defaultLimits, type Limits } from "../core/limits.ts";
import type { KubeObject } from "../core/objects.ts";
import { projectNameOf } from "../core/project/project.ts";
import { SINGLE_TEAM, type TenancyPolicy } from "../core/sync-identity.ts";
import { GitSource } from "../git/source.ts";
import type { KubeClient } from "../kube/client.ts";
import { EventRecorder } from "../kube/events.ts";
import { AppPreviews } from "../preview/app-preview.ts";
import { ForgeDirectory } from "../preview/forges.ts";
import { cachedRenderReads } from "../preview/reads.ts";
import { PreviewService } from "../preview/service.ts";
import { StackPreviewPlans } from "../preview/stack-plan.ts";
import { RenderCache } from "../render/cache.ts";
import { render } from "../render/render.ts";
import { defaultRenderOptions } from "../render/tools.ts";
import { chartCredentialLookup } from "../sources/chart-credentials.ts";
import { ChartSources } from "../sources/chart-source.ts";
import type { ApiServer } from "../terraform/state-backend.ts";
import { providerMirrors } from "../toolchain/tofu.ts";
import type { Logger } from "../util/log.ts";
import { AppReconciler, type DestinationLookup } from "./app-reconciler.ts";
import { SourceResolver } from "./app-source.ts";
import { AppSetRunner } from "./appset-runner.ts";
import { ControllerAudit } from "./audit.ts";
import {
  chartCacheArea,
  collectDiskGarbage,
  type DiskArea,
  gitCacheAreas,
  runFolderArea,
} from "./disk-gc.ts";
import { DriftWatcher } from "./drift.ts";
import { Informer, objectKey } from "./informer.ts";
import { AppInspector } from "./inspect.ts";
import { ensureInspectToken, readInspectToken, serveInspect } from "./inspect-http.ts";
import { LeaderElector } from "./leader.ts";
import { ControllerMetrics } from "./metrics.ts";
import { recordProjectEvent } from "./project-audit.ts";
import { ProjectCache } from "./projects.ts";
import { WorkQueue } from "./queue.ts";
import { cachedCredentialLookup, RepoCredentials } from "./repo-credentials.ts";
import { StackReconciler } from "./stack-reconciler.ts";
import type { StackSandboxOptions } from "./stack-sandbox.ts";

export interface ControllerOptions {
  /** Namespace of the controller's Lease, Projects and Secrets; default mooring. */
  namespace?: string;
  /** Applications reconciled at once; default 8. */
  concurrency?: number;
  /** Periodic full reconcile of every app; default 3 min. */
  resyncMs?: number;
  /** How long a branch head is trusted before `git ls-remote` runs again; default 60 s. */
  repoPollMs?: number;
  /** Port for /metrics and /healthz on 127.0.0.1 (0 = any free port); default 8082. */
  port?: number;
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  /** Campaign for a Lease before acting; default true. */
  leaderElect?: boolean;
  /** This replica's name in the Lease; default hostname_pid. */
  identity?: string;
  /** Where git mirrors and trees go; default under MOORING_HOME. */
  gitCacheDir?: string;
  /** Read file:// and local-path repositories (demos, tests, benchmarks); default false. */
  allowLocalRepos?: boolean;
  /** Size, count, disk and time limits (core/limits.ts); default: defaultLimits(). */
  limits?: Partial<Limits>;
  /**
   * Whose identity Application syncs use when their project names no ServiceAccount: with
   * multiTenant such apps are refused, with defaultServiceAccount they act as that account of the
   * destination namespace; default: the controller's own (single-team installs).
   */
  tenancy?: TenancyPolicy;
  /** Reconcile Stacks too (OpenTofu); absent: Applications only. */
  stacks?: {
    /** tofu CLI configuration naming the provider mirrors. */
    cliConfigFile: string;
    /**
     * The API server of this cluster, where Stacks keep their state: tofu reaches it with the
     * token of each Stack's ServiceAccount, never with the controller's credentials.
     */
    apiServer: ApiServer;
    /** Parent folder for run folders. */
    workRoot: string;
    /** Stacks run at once; default 2 (tofu is CPU- and memory-hungry). */
    concurrency?: number;
    /**
     * How tofu is confined (src/isolation): sandboxed with the provider mirrors readable, unless
     * unsafeUnsandboxed (--unsafe-unsandboxed-stacks). Default: sandboxed, the toolchain's mirrors.
     */
    sandbox?: Partial<StackSandboxOptions>;
  };
  /** Run helm and kustomize unconfined (--unsafe-unsandboxed-renders); default false. */
  unsafeUnsandboxedRenders?: boolean;
  /**
   * How often the leader lists the open pull requests of every followed repository, behind the
   * webhooks (--preview-poll-interval); default 60 s; 0 turns the poll off (webhooks only).
   */
  previewPollMs?: number;
  /**
   * Where syncs, drift, Stack plans, approvals, applies and unlocks are recorded (an AuditWriter,
   * src/audit/writer.ts; the caller opens and closes it); default: nothing is recorded.
   */
  audit?: AuditRecorder;
}

export class Controller {
  readonly metrics = new ControllerMetrics();
  /** The audit trail as the reconcilers record to it (`deps.audit`), as this replica. */
  readonly audit: ControllerAudit;
  private readonly client: KubeClient;
  private readonly log: Logger;
  private readonly options: Required<Omit<ControllerOptions, "gitCacheDir" | "stacks" | "limits" | "audit">> &
    Pick<ControllerOptions, "gitCacheDir" | "stacks">;
  private readonly limits: Limits;
  /** Keeps git caches and run folders within the disk budget while leading. */
  private diskGc: NodeJS.Timeout | null = null;
  /** What the disk budget covers this leadership term: the git cache, then Stack run folders. */
  private diskAreas: DiskArea[] = [];
  private stackQueue: WorkQueue | null = null;
  private stackInformer: Informer | null = null;
  /** ApplicationSets of this leadership term. */
  private appSets: AppSetRunner | null = null;
  /**
   * Aborted to interrupt the tofu runs of the present leadership term (one per term): tofu then
   * stops at a safe point and releases its state lock, which the next leader would otherwise
   * find held by a run it cannot see.
   */
  private stackRuns: AbortController | null = null;
  /** The shutdown under way, once stop() was called. */
  private stopping: Promise<void> | null = null;
  private readonly destinations: DestinationLookup;
  private readonly abort = new AbortController();
  private queue: WorkQueue | null = null;
  private appInformer: Informer | null = null;
  /** The Projects of this leadership term; the Stack reconciler reads them too. */
  private projects: ProjectCache | null = null;
  private drift: DriftWatcher | null = null;
  private server: Server | null = null;
  /** Answers /inspect/v1 while leading (it renders through this term's reconciler). */
  private inspector: AppInspector | null = null;
  /** Pull-request previews of this leadership term. */
  private previews: PreviewService | null = null;
  /** The bearer token inspect requests must carry (inspect-http.ts); undefined refuses them all. */
  private inspectToken: string | undefined;
  /** When the token was last read again for a request carrying an unknown one (ms since epoch). */
  private inspectTokenReadAt = 0;
  private leader: LeaderElector | null = null;
  private leading = false;
  private leaderLoop: Promise<void> | null = null;
  private onLostLeadership: () => void = () => {};

  constructor(
    client: KubeClient,
    destinations: DestinationLookup,
    log: Logger,
    options: ControllerOptions = {},
  ) {
    this.client = client;
    this.destinations = destinations;
    this.log = log;
    this.options = {
      namespace: options.namespace ?? CONTROLLER_NAMESPACE,
      concurrency: options.concurrency ?? 8,
      resyncMs: options.resyncMs ?? 180_000,
      repoPollMs: options.repoPollMs ?? 60_000,
      port: options.port ?? 8082,
      host: options.host ?? "127.0.0.1",
      leaderElect: options.leaderElect ?? true,
      identity: options.identity ?? `${hostname()}_${process.pid}`,
      tenancy: options.tenancy ?? SINGLE_TEAM,
      allowLocalRepos: options.allowLocalRepos ?? false,
      unsafeUnsandboxedRenders: options.unsafeUnsandboxedRenders ?? false,
      previewPollMs: options.previewPollMs ?? 60_000,
      ...(options.gitCacheDir ? { gitCacheDir: options.gitCacheDir } : {}),
      ...(options.stacks ? { stacks: options.stacks } : {}),
    };
    this.limits = defaultLimits(options.limits);
    this.audit = new ControllerAudit(options.audit ?? NO_AUDIT, this.options.identity);
  }

  /** The address /metrics is served on, once started. */
  get address(): string {
    const a = this.server?.address();
    return typeof a === "object" && a ? `http://${a.address}:${a.port}` : "";
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Starts serving metrics and campaigning; resolves once the HTTP server listens. */
  async start(onLostLeadership: () => void = () => {}): Promise<void> {
    this.onLostLeadership = onLostLeadership;
    this.inspectToken = await ensureInspectToken(this.client, this.options.namespace, this.log);
    await this.serveHttp();
    if (!this.options.leaderElect) {
      this.startLeading();
      return;
    }
    this.leader = new LeaderElector(this.client, {
      namespace: this.options.namespace,
      name: "mooring-controller",
      identity: this.options.identity,
    });
    this.leaderLoop = this.leader.run(this.abort.signal, {
      onStart: () => this.startLeading(),
      onStop: () => {
        if (this.abort.signal.aborted) return;
        this.log.warn("lost the leader lease; stopping");
        this.stopLeading();
        this.onLostLeadership();
      },
    });
  }

  private startLeading(): void {
    // Shutting down, this replica keeps its Lease only until its Stack runs are done; should it
    // win the Lease back meanwhile, it must not start new work.
    if (this.stopping) return;
    this.leading = true;
    this.metrics.isLeader.set(1);
    this.log.info("leading: reconciling Applications", { identity: this.options.identity });
    const git = new GitSource({
      ...(this.options.gitCacheDir ? { cacheDir: this.options.gitCacheDir } : {}),
      allowLocalRepos: this.options.allowLocalRepos,
      maxOutputBytes: this.limits.maxOutputBytes,
      maxRepoBytes: this.limits.maxRepoBytes,
    });
    // Charts from Helm repositories and OCI registries, cached beside the git cache.
    const charts = new ChartSources({
      helmBinary: defaultRenderOptions().helmBinary,
      cacheDir: join(dirname(git.cacheDir), "charts"),
      pollIntervalMs: this.options.repoPollMs,
      credentialsFor: chartCredentialLookup(new RepoCredentials(this.client, this.options.namespace)),
    });
    this.startDiskGc(git);
    this.diskAreas.push(chartCacheArea(charts));
    const sources = new SourceResolver(git, {
      pollIntervalMs: this.options.repoPollMs,
      // Repository credentials come from Secrets in the controller namespace.
      credentialsFor: cachedCredentialLookup(new RepoCredentials(this.client, this.options.namespace)),
      onRemote: (op, ok) => this.metrics.gitRequests.inc({ op, result: ok ? "ok" : "error" }),
      charts,
    });
    const queue = new WorkQueue(
      (key) => reconciler.reconcile(key),
      (key, err, failures) =>
        this.log.warn("reconcile error; retrying with backoff", { app: key, failures, error: String(err) }),
      { concurrency: this.options.concurrency },
    );
    this.queue = queue;
    const drift = new DriftWatcher(
      (app, urgent) => (urgent ? queue.add(app) : queue.addAfter(app, 1000)),
      undefined,
      (message) => this.log.warn(message),
    );
    this.drift = drift;
    // Projects are read from memory; a changed project requeues the apps and Stacks naming it.
    const projects = new ProjectCache(this.client, { namespace: this.options.namespace });
    this.projects = projects;
    projects.onChange((name) => {
      for (const obj of this.appInformer?.list() ?? []) {
        if (projectNameOf(obj) === name) queue.add(objectKey(obj));
      }
      for (const obj of this.stackInformer?.list() ?? []) {
        if (projectNameOf(obj) === name) this.stackQueue?.add(objectKey(obj));
      }
    });
    // Every change of a Project's rules or roles goes to the audit trail, with who made it.
    projects.onEvent((event, synced) => recordProjectEvent(this.audit, event, synced));
    projects.start();
    const renderOptions = { limits: this.limits, unsandboxed: this.options.unsafeUnsandboxedRenders };
    const reconciler = new AppReconciler({
      client: this.client,
      destinations: this.destinations,
      projects,
      sources,
      renderCache: new RenderCache({ render: (input) => render(input, renderOptions) }),
      renderOptions,
      drift,
      events: new EventRecorder(this.client, {
        component: "mooring-controller",
        instance: this.options.identity,
      }),
      metrics: this.metrics,
      log: this.log,
      resyncMs: this.options.resyncMs,
      tenancy: this.options.tenancy,
      namespace: this.options.namespace,
      audit: this.audit,
    });
    // Applications in every namespace: those outside the controller namespace are reconciled
    // only as far as their project's sourceNamespaces admits them (app-project.ts).
    const informer = new Informer(this.client, { apiVersion: "mooring.dev/v1alpha1", kind: "Application" });
    informer.on((event) => {
      const key = objectKey(event.object);
      this.appSets?.applicationChanged(event.object);
      if (event.type === "deleted") {
        queue.forget(key);
        this.metrics.removeApp(event.object.metadata.namespace ?? "", event.object.metadata.name ?? "");
        return;
      }
      if (event.type === "modified" && event.old && onlyStatusChanged(event.old, event.object)) return;
      queue.add(key);
      this.metrics.queueDepth.set(queue.length);
    });
    this.appInformer = informer;
    informer.start();
    this.inspector = new AppInspector(this.client, reconciler);
    const stackPlans = this.options.stacks ? this.startStacks(sources, this.options.stacks) : undefined;
    this.startPreviews(sources, reconciler, projects, stackPlans);
    this.appSets = new AppSetRunner({
      client: this.client,
      namespace: this.options.namespace,
      git: sources,
      events: new EventRecorder(this.client, {
        component: "mooring-controller",
        instance: this.options.identity,
      }),
      audit: this.audit,
      log: this.log,
      resyncMs: this.options.repoPollMs,
      concurrency: 2,
      projects,
      metrics: this.metrics,
    });
    this.appSets.start();
  }

  /** Pull-request previews: the leader follows the forges' pull requests on the repositories its targets read. */
  private startPreviews(
    sources: SourceResolver,
    reconciler: AppReconciler,
    projects: ProjectCache,
    stacks: StackPreviewPlans | undefined,
  ): void {
    const previews = new PreviewService(
      {
        forges: new ForgeDirectory(this.client, { namespace: this.options.namespace, log: this.log }),
        targets: () => [...(this.appInformer?.list() ?? []), ...(this.stackInformer?.list() ?? [])],
        git: sources,
        reads: cachedRenderReads(),
        apps: new AppPreviews(reconciler),
        ...(stacks ? { stacks } : {}),
        policies: async (name) => {
          const found = await projects.get(name, `the preview policies of project ${name}`);
          return found.found ? (found.project.spec.policies ?? []) : [];
        },
        log: this.log.with({ component: "previews" }),
        metrics: this.metrics,
        audit: this.audit,
      },
      { pollIntervalMs: this.options.previewPollMs },
    );
    this.previews = previews;
    previews.start();
  }

  /** Stacks get their own queue: a tofu run takes seconds to minutes and must not hold up apps. */
  private startStacks(
    sources: SourceResolver,
    stacks: NonNullable<ControllerOptions["stacks"]>,
  ): StackPreviewPlans {
    const runs = new AbortController();
    this.stackRuns = runs;
    const reconciler = new StackReconciler({
      client: this.client,
      sources,
      events: new EventRecorder(this.client, {
        component: "mooring-controller",
        instance: this.options.identity,
      }),
      log: this.log,
      cliConfigFile: stacks.cliConfigFile,
      apiServer: stacks.apiServer,
      ...(this.projects ? { projects: this.projects } : {}),
      controllerNamespace: this.options.namespace,
      workRoot: stacks.workRoot,
      sandbox: {
        unsafeUnsandboxed: stacks.sandbox?.unsafeUnsandboxed ?? false,
        providerMirrors: stacks.sandbox?.providerMirrors ?? providerMirrors(),
      },
      maxTimeoutMs: this.limits.maxStackTimeoutMs,
      signal: runs.signal,
      audit: this.audit,
    });
    const queue = new WorkQueue(
      (key) => reconciler.reconcile(key),
      (key, err, failures) =>
        this.log.warn("stack run failed; retrying with backoff", {
          stack: key,
          failures,
          error: String(err),
        }),
      { concurrency: stacks.concurrency ?? 2, baseDelayMs: 5000 },
    );
    this.stackQueue = queue;
    this.diskAreas.push(runFolderArea(reconciler.folders));
    const informer = new Informer(this.client, { apiVersion: "mooring.dev/v1alpha1", kind: "Stack" });
    informer.on((event) => {
      const key = objectKey(event.object);
      if (event.type === "deleted") {
        queue.forget(key);
        return;
      }
      if (event.type === "modified" && event.old && onlyStatusChanged(event.old, event.object)) return;
      queue.add(key);
    });
    this.stackInformer = informer;
    informer.start();
    // Previews plan in the same sandbox, as the same identities, in throwaway folders of their own.
    return new StackPreviewPlans({
      client: this.client,
      sources,
      apiServer: stacks.apiServer,
      cliConfigFile: stacks.cliConfigFile,
      folders: reconciler.folders,
      sandbox: {
        unsafeUnsandboxed: stacks.sandbox?.unsafeUnsandboxed ?? false,
        providerMirrors: stacks.sandbox?.providerMirrors ?? providerMirrors(),
      },
      ...(this.projects ? { projects: this.projects } : {}),
      controllerNamespace: this.options.namespace,
      maxTimeoutMs: this.limits.maxStackTimeoutMs,
      signal: runs.signal,
    });
  }

  /**
   * Garbage-collects the git cache, the chart cache and Stack run folders every ten minutes
   * within the disk budget (disk-gc.ts). Only the leader does work that fills the disk, so only
   * it collects.
   */
  private startDiskGc(git: GitSource): void {
    this.diskAreas = gitCacheAreas(git);
    const collect = () =>
      collectDiskGarbage(this.diskAreas, this.limits.diskBudgetBytes, {
        nowMs: Date.now(),
        log: this.log,
      }).catch((err) => this.log.warn("disk garbage collection failed", { error: String(err) }));
    void collect();
    this.diskGc = setInterval(collect, 10 * 60_000);
    this.diskGc.unref();
  }

  private stopLeading(): void {
    if (this.diskGc) clearInterval(this.diskGc);
    this.leading = false;
    this.inspector = null;
    this.previews?.stop();
    this.previews = null;
    this.metrics.isLeader.set(0);
    this.stackInformer?.stop();
    // Another replica may lead already: our tofu runs must not keep the state locked under it.
    this.stackRuns?.abort();
    void this.stackQueue?.shutdown();
    this.appInformer?.stop();
    void this.appSets?.stop();
    this.projects?.stop();
    this.drift?.stop();
    void this.queue?.shutdown().then(() => this.drift?.stop());
  }

  /** Waits until the work queue is empty (tests and benchmarks). */
  async idle(): Promise<void> {
    await this.queue?.idle();
  }

  /**
   * Graceful shutdown (SIGTERM): stops taking work and lets running Stack runs finish for up to
   * 60 s, still holding the leader Lease — a standby leading already would take their state
   * locks, older than its term, for the leftovers of dead runs and release them under the live
   * ones. Runs still going at the deadline are interrupted, so tofu releases its locks before
   * this process exits; then the Lease is given up. Calling it again returns the same shutdown.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.previews?.stop();
      this.stackInformer?.stop();
      this.appInformer?.stop();
      await this.appSets?.stop();
      this.projects?.stop();
      const stackQueue = this.stackQueue;
      await stackQueue?.shutdown(60_000);
      if (stackQueue && stackQueue.active > 0) {
        this.log.warn("stack runs still going at shutdown; interrupting them so tofu releases its locks", {
          runs: stackQueue.active,
        });
        this.stackRuns?.abort();
        // tofu gets 30 s after the interrupt to stop on its own before it is killed.
        await stackQueue.shutdown(35_000);
      }
      this.abort.abort();
      // Let running reconciles finish before stopping the watches they may still be adding.
      await this.queue?.shutdown();
      this.drift?.stop();
      await this.leaderLoop;
      await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
      this.leading = false;
    })();
    return this.stopping;
  }

  /** Reads the inspect token again, at most every 5 s (the API server may have made or rotated it). */
  private async reloadInspectToken(): Promise<void> {
    if (Date.now() - this.inspectTokenReadAt < 5000) return;
    this.inspectTokenReadAt = Date.now();
    this.inspectToken = (await readInspectToken(this.client, this.options.namespace)) ?? this.inspectToken;
  }

  private serveHttp(): Promise<void> {
    this.server = createServer((req, res) => {
      const inspect = {
        token: () => this.inspectToken,
        reloadToken: () => this.reloadInspectToken(),
        inspector: () => this.inspector,
        previews: () => this.previews,
        log: this.log,
      };
      if (serveInspect(req, res, inspect)) return;
      if (req.url === "/metrics") {
        this.metrics.registry
          .metrics()
          .then((text) => {
            res.writeHead(200, { "Content-Type": this.metrics.registry.contentType });
            res.end(text);
          })
          .catch((err) => {
            res.writeHead(500);
            res.end(String(err));
          });
        return;
      }
      if (req.url === "/healthz" || req.url === "/readyz") {
        res.writeHead(200, { "Content-Type": "text/plain" });
        res.end(this.leading ? "ok (leader)\n" : "ok (standby)\n");
        return;
      }
      res.writeHead(404);
      res.end();
    });
    return new Promise((resolve, reject) => {
      this.server?.once("error", reject);
      this.server?.listen(this.options.port, this.options.host, () => resolve());
    });
  }
}

/** True when two versions of an Application differ only in what the controller itself writes. */
function onlyStatusChanged(a: KubeObject, b: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { status: _status, ...rest } = o as Application;
    const { resourceVersion: _rv, managedFields: _mf, ...meta } = o.metadata;
    return JSON.stringify({ ...rest, metadata: meta });
  };
  return strip(a) === strip(b);
}

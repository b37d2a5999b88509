// `moor up`: everything needed to see Mooring work, from a fresh machine, in one command.
// It builds the toolchain if needed, starts (or reuses) a local sandbox cluster, installs
// Mooring into it, serves a demo Git repository over HTTP, creates the demo Application, and
// runs the controller in the foreground until Ctrl-C. The cluster outlives the command, so the
// next `moor up` starts in seconds.

import { openAnchoredAuditWriter } from "../audit/open-writer.ts";
import { Controller } from "../controller/controller.ts";
import { Destinations } from "../controller/destinations.ts";
import type { Application } from "../core/application.ts";
import { CONTROLLER_NAMESPACE } from "../core/application.ts";
import { install } from "../install/install.ts";
import { KubeClient } from "../kube/client.ts";
import { loadConfig } from "../kube/kubeconfig.ts";
import { createSandbox, getSandbox, SandboxError, type SandboxInfo } from "../sandbox/sandbox.ts";
import type { ListeningServer } from "../server/listen.ts";
import { startApiServer } from "../server/start.ts";
import { initialAdminPassword, UserStore } from "../server/users.ts";
import type { InstallReporter } from "../toolchain/install.ts";
import { mooringHome } from "../util/home.ts";
import type { Logger } from "../util/log.ts";
import { DEMO_PATH } from "./demo-manifests.ts";
import { type DemoRepo, startDemoRepo } from "./demo-repo.ts";

export interface UpOptions {
  /** Sandbox name; default "mooring". */
  sandbox?: string;
  /** Port of the demo Git server; default 8090 (a free one if taken). */
  gitPort?: number;
  /** Port for the controller's /metrics; default 8082 (0 = any). */
  metricsPort?: number;
  /** How often the controller looks at the demo repository; default 3 s. */
  repoPollMs?: number;
  /** Port of the API server (`moor server`); default 8080, a free one if taken (0 = any). */
  serverPort?: number;
  step: (label: string) => void;
  done: (label: string) => void;
  installReporter: InstallReporter;
  log: Logger;
}

export interface Running {
  sandbox: SandboxInfo;
  repo: DemoRepo;
  controller: Controller;
  client: KubeClient;
  /** The API server beside the controller. */
  server: ListeningServer;
  /** The admin password, when this run created the admin account; else undefined. */
  adminPassword: string | undefined;
  stop(): Promise<void>;
}

async function ensureSandbox(name: string, options: UpOptions): Promise<SandboxInfo> {
  try {
    const existing = await getSandbox(name);
    if (existing.status === "Running") {
      options.done(`sandbox ${name} is running (reused)`);
      return existing;
    }
    options.step(`sandbox ${name} is ${existing.status}: re-creating it`);
  } catch (err) {
    if (!(err instanceof SandboxError && err.code === "not-found")) throw err;
  }
  options.step(`starting sandbox ${name}`);
  const info = await createSandbox(name, {
    recreate: true,
    installReporter: options.installReporter,
    onStep: (s) => options.step(`sandbox ${name}: ${s}`),
  });
  options.done(`sandbox ${name} is running Kubernetes ${info.kubernetesVersion}`);
  return info;
}

function demoApplication(repoURL: string): Application {
  return {
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Application",
    metadata: { name: "demo", namespace: "mooring" },
    spec: {
      source: { repoURL, targetRevision: "main", path: DEMO_PATH },
      destination: { namespace: "demo" },
      syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=true"] },
    },
  };
}

export async function up(options: UpOptions): Promise<Running> {
  const name = options.sandbox ?? "mooring";
  const sandbox = await ensureSandbox(name, options);
  const client = new KubeClient(loadConfig({ kubeconfig: sandbox.kubeconfig }).credentials);

  options.step("installing Mooring (CRDs, namespace, RBAC)");
  const installed = await install(client);
  options.done(installed.changed ? "Mooring installed" : "Mooring already installed");

  options.step("serving the demo Git repository");
  const repo = await startDemoRepo(mooringHome(), options.gitPort ?? 8090);
  options.done(`demo repository at ${repo.url}`);

  options.step("creating the demo Application");
  await client.apply(demoApplication(repo.url), { fieldManager: "moor-up" });
  options.done("Application mooring/demo created");

  // The audit trail both write to: the default SQLite file under MOORING_HOME.
  const audit = await openAnchoredAuditWriter(
    undefined,
    options.log,
    undefined,
    client,
    CONTROLLER_NAMESPACE,
    () => controller.audit.controller.name,
  );
  const controller = new Controller(client, new Destinations(client), options.log, {
    audit,
    port: options.metricsPort ?? 8082,
    repoPollMs: options.repoPollMs ?? 3000,
    leaderElect: true,
  });
  await controller.start();

  options.step("starting the API server");
  const admin = await new UserStore(client, CONTROLLER_NAMESPACE, Date.now).bootstrapAdmin();
  const api = await startApiServer({
    kube: client,
    namespace: CONTROLLER_NAMESPACE,
    log: options.log,
    port: options.serverPort ?? 8080,
    host: "127.0.0.1",
    anyPortIfTaken: true,
    // The controller above answers the resource trees, manifests and previews of the UI.
    controllerUrl: controller.address,
  });
  options.done(`API server at ${api.server.url}/api/v1`);
  return {
    sandbox,
    repo,
    controller,
    client,
    server: api.server,
    adminPassword: admin.created ? await initialAdminPassword(client, CONTROLLER_NAMESPACE) : undefined,
    stop: async () => {
      await api.stop();
      await controller.stop();
      await audit.close();
      await repo.close();
      client.close();
    },
  };
}

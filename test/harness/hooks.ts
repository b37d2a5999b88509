// Hook Jobs for end-to-end tests of sync operations and deletion hooks: a Job the sandbox's kwok
// finishes after a delay, or fails (src/sandbox/stages/pods.yaml), and what tests read back.
import { after, before } from "node:test";
import { kubectlOk } from "./cluster.ts";
import { ensureInstalled, type RunningController, startController } from "./controller.ts";
import { type GitServer, startGitServer } from "./git-server.ts";
import { POD_COMPLETE_DELAY } from "./slow-hooks.ts";

export interface HookJobOptions {
  /** The hook type(s): PreSync (default), PostSync, PreDelete, PostDelete... */
  phase?: string;
  /** How long its Pod runs before it completes; default 0s. */
  delay?: string;
  /** The Pod fails instead of completing. */
  fails?: boolean;
  /** metadata.generateName (the name followed by -) instead of metadata.name. */
  generateName?: boolean;
  /** More lines of the Job's spec, indented two spaces. */
  extraSpec?: string;
}

export function hookJob(name: string, options: HookJobOptions = {}): string {
  const meta = options.generateName ? `generateName: ${name}-` : `name: ${name}`;
  const podAnnotation = options.fails
    ? "pod-container-failed.stage.kwok.x-k8s.io/name: main"
    : `${POD_COMPLETE_DELAY}: "${options.delay ?? "0s"}"`;
  return `apiVersion: batch/v1
kind: Job
metadata:
  ${meta}
  annotations:
    mooring.dev/hook: ${options.phase ?? "PreSync"}
spec:
  backoffLimit: 0
${options.extraSpec ?? ""}  template:
    metadata:
      annotations:
        ${podAnnotation}
    spec:
      restartPolicy: Never
      containers: [{ name: main, image: busybox }]
`;
}

/** The Jobs in a namespace: name, uid and finalizers. */
export async function jobsIn(ns: string): Promise<{ name: string; uid: string; finalizers: string[] }[]> {
  const out = JSON.parse(await kubectlOk(["get", "jobs", "-n", ns, "-o", "json"])) as {
    items: { metadata: { name: string; uid: string; finalizers?: string[] } }[];
  };
  return out.items.map((j) => ({
    name: j.metadata.name,
    uid: j.metadata.uid,
    finalizers: j.metadata.finalizers ?? [],
  }));
}

/**
 * The git server and controller a describe block of app tests shares: started before its tests,
 * stopped after them. `restart` kills the controller (SIGKILL) and starts a new one.
 */
export function sharedGitAndController(): {
  readonly git: GitServer;
  readonly controller: RunningController;
  restart(): Promise<void>;
} {
  let git: GitServer | undefined;
  let controller: RunningController | undefined;
  before(async () => {
    await ensureInstalled();
    git = await startGitServer();
    controller = await startController();
  });
  after(async () => {
    await controller?.stop();
    await git?.close();
  });
  return {
    get git() {
      if (!git) throw new Error("the git server starts before the tests");
      return git;
    },
    get controller() {
      if (!controller) throw new Error("the controller starts before the tests");
      return controller;
    },
    async restart() {
      await controller?.kill();
      controller = await startController();
    },
  };
}

/** The messages of the Events on an Application that match a field selector (reason=..., type=...). */
export function appEventMessages(name: string, selector: string): Promise<string> {
  return kubectlOk([
    "get",
    "events",
    "-n",
    "mooring",
    "--field-selector",
    `involvedObject.name=${name},${selector}`,
    "-o",
    "jsonpath={.items[*].message}",
  ]);
}

// The controller's view of Projects: an informer on the Project kind in the controller
// namespace, so a reconcile reads its project from memory instead of asking the API server each
// time, and a changed project requeues the objects that name it at once (the Application and
// Stack controllers subscribe with onChange).
//
// Lookups answer with a typed result rather than throwing for what a user must fix: a project
// that does not exist, one that is malformed, or a cluster where the Project kind was never
// installed (an old `moor install`). Only an API server that cannot be reached is an error, left
// to the work queue's backoff.
import { setTimeout as sleep } from "node:timers/promises";
import {
  PROJECT_API_VERSION,
  PROJECT_KIND,
  PROJECT_NOT_FOUND_REASON,
  type Project,
  validateProject,
} from "../core/project/project.ts";
import { KubeApiError, type KubeClient } from "../kube/client.ts";
import { Informer, type InformerEvent } from "./informer.ts";

/** Condition reason of a project that exists but is malformed. */
export const INVALID_PROJECT_REASON = "InvalidProject";

export type ProjectLookupResult =
  | { found: true; project: Project }
  | { found: false; reason: string; message: string };

export interface ProjectLookup {
  /** The project `name`, for `subject` (`Application team-a/web`) to name in messages. */
  get(name: string, subject: string): Promise<ProjectLookupResult>;
}

/** The Project cache did not fill in time: the API server is slow or unreachable; try again. */
export class ProjectsUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProjectsUnavailable";
  }
}

export interface ProjectCacheOptions {
  /** Where Projects live; default mooring. */
  namespace: string;
  /** How long a lookup waits for the first list; default 15 s. */
  syncTimeoutMs?: number;
}

export class ProjectCache implements ProjectLookup {
  private readonly informer: Informer;
  private readonly namespace: string;
  private readonly syncTimeoutMs: number;

  constructor(client: KubeClient, options: ProjectCacheOptions) {
    this.namespace = options.namespace;
    this.syncTimeoutMs = options.syncTimeoutMs ?? 15_000;
    this.informer = new Informer(client, {
      apiVersion: PROJECT_API_VERSION,
      kind: PROJECT_KIND,
      namespace: options.namespace,
    });
  }

  start(): void {
    this.informer.start();
  }

  stop(): void {
    this.informer.stop();
  }

  /** Calls `listener` with the project's name whenever a Project is added, changed or deleted. */
  onChange(listener: (name: string) => void): void {
    this.informer.on((event) => listener(event.object.metadata.name ?? ""));
  }

  /** Calls `listener` with every informer event on Projects, and whether the first list is done. */
  onEvent(listener: (event: InformerEvent, synced: boolean) => void): void {
    this.informer.on((event) => listener(event, this.informer.hasSynced));
  }

  async get(name: string, subject: string): Promise<ProjectLookupResult> {
    if (!this.informer.hasSynced) await this.waitForSync();
    if (!this.informer.hasSynced) {
      const err = this.informer.error;
      if (notServed(err)) {
        return {
          found: false,
          reason: PROJECT_NOT_FOUND_REASON,
          message: `${subject}: the cluster does not serve the Project kind (mooring.dev/v1alpha1), so project ${name} cannot be checked; run \`moor install\` to add it`,
        };
      }
      throw new ProjectsUnavailable(
        `${subject}: cannot read Projects in ${this.namespace}: ${err instanceof Error ? err.message : "no answer yet"}`,
      );
    }
    const project = this.informer.get(this.namespace, name) as Project | undefined;
    if (!project) {
      return {
        found: false,
        reason: PROJECT_NOT_FOUND_REASON,
        message: `${subject}: project ${name} does not exist in ${this.namespace}; create it (\`moor project create ${name}\`) or set spec.project to an existing one`,
      };
    }
    const problems = validateProject(project);
    if (problems.length > 0) {
      return {
        found: false,
        reason: INVALID_PROJECT_REASON,
        message: `${subject}: project ${name} is malformed, so nothing it governs is synced: ${problems.join("; ")}`,
      };
    }
    return { found: true, project: { ...project, spec: project.spec ?? {} } };
  }

  /** Waits for the first list, or until it is clear that the kind is not served. */
  private async waitForSync(): Promise<void> {
    const deadline = Date.now() + this.syncTimeoutMs;
    while (!this.informer.hasSynced && !notServed(this.informer.error) && Date.now() < deadline) {
      await sleep(100);
    }
  }
}

function notServed(err: unknown): boolean {
  return err instanceof KubeApiError && err.reason === "UnknownKind";
}

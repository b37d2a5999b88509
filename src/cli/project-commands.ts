// `moor project create|list|get|delete`: the Projects that bound what Applications and Stacks may
// do (see src/core/project/). Projects live in the controller namespace; writing them is the
// platform team's right, so these commands run with the caller's own credentials and the API
// server's RBAC decides who may.
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { jsonEqual } from "../core/json.ts";
import { PROJECT_API_VERSION, PROJECT_KIND, type Project, projectNameOf } from "../core/project/project.ts";
import { KubeApiError, type KubeClient } from "../kube/client.ts";
import { type Command, EXIT, outputOption, stringValue, stringValues, type Values } from "./command.ts";
import { CLUSTER_FLAGS, forPrinting, oneName, print } from "./command-kit.ts";
import { clientFromFlags, clusterOptions } from "./controller-commands.ts";
import { parseOutputFormat, renderStructured, UsageError } from "./output.ts";
import { PROJECT_FLAG_OPTIONS, projectFromInput } from "./project-spec.ts";
import { renderProjectList, renderProjectSummary } from "./project-view.ts";
import { type NamespacedObject, ResourceApi } from "./resource-client.ts";

/** A command failed for a reason the user can act on; exit code 1. */
export class ProjectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProjectError";
  }
}

type StoredProject = Project & NamespacedObject;

class ProjectApi extends ResourceApi<StoredProject> {
  constructor(client: KubeClient, namespace: string) {
    super(client, namespace, {
      apiVersion: PROJECT_API_VERSION,
      kind: PROJECT_KIND,
      noun: "project",
      command: "project",
      installHint: " (it installs the Project CRD and the default project)",
      error: ProjectError,
    });
  }

  /** Applications and Stacks, in every namespace, that name this project (as `Kind ns/name`). */
  async users(name: string): Promise<string[]> {
    const users: string[] = [];
    for (const kind of ["Application", "Stack"]) {
      let items: NamespacedObject[];
      try {
        items = await this.listEverywhere(kind);
      } catch (err) {
        // A cluster without Stacks has no Stacks naming the project; any other error counts.
        if (err instanceof KubeApiError && err.reason === "UnknownKind") continue;
        throw err;
      }
      for (const obj of items) {
        if (projectNameOf(obj) === name) users.push(`${kind} ${obj.metadata.namespace}/${obj.metadata.name}`);
      }
    }
    return users.sort();
  }

  /**
   * Every object of a kind. Right after `moor install` changed a CRD, the API server answers 429
   * ("storage is (re)initializing") for a second or two: that is waited out, briefly.
   */
  private async listEverywhere(kind: string): Promise<NamespacedObject[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.client.list(PROJECT_API_VERSION, kind, {})).items as NamespacedObject[];
      } catch (err) {
        if (!(err instanceof KubeApiError && err.status === 429) || attempt >= 10) throw err;
        await sleep(500);
      }
    }
  }
}

async function withProjects<T>(values: Values, work: (api: ProjectApi) => Promise<T>): Promise<T> {
  const { client, namespace } = clientFromFlags(values);
  try {
    return await work(new ProjectApi(client, namespace));
  } finally {
    client.close();
  }
}

async function readManifest(file: string): Promise<{ text: string; source: string }> {
  try {
    if (file !== "-") return { text: readFileSync(file, "utf8"), source: file };
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return { text: Buffer.concat(chunks).toString("utf8"), source: "stdin" };
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

const createCommand: Command = {
  path: ["project", "create"],
  usage: `moor project create NAME [--description TEXT] [--source-repo URL]... [--destination CLUSTER|SERVER,NAMESPACE]... [--allow-cluster-resource GROUP/KIND]... [--deny-cluster-resource GROUP/KIND]... [--allow-namespaced-resource GROUP/KIND]... [--deny-namespaced-resource GROUP/KIND]... [--source-namespace NS]... [--destination-service-account CLUSTER|SERVER,NAMESPACE,SA]... [--gpg-key FILE]... [--ssh-signer LINE]... [--upsert] [-f project.yaml] ${CLUSTER_FLAGS} [-o json|yaml]`,
  summary: "create a Project (server-side apply as moor-cli); an existing one is replaced only with --upsert",
  options: {
    ...clusterOptions,
    ...outputOption,
    ...PROJECT_FLAG_OPTIONS,
    upsert: { type: "boolean" },
    file: { type: "string", short: "f" },
  },
  run: async (values, args) => {
    if (args.length > 1) throw new UsageError(`expected one project name, got ${args.length}`);
    const output = parseOutputFormat(stringValue(values, "output"));
    const file = stringValue(values, "file");
    const desired = projectFromInput({
      ...(args[0] ? { name: args[0] } : {}),
      values,
      ...(file !== undefined ? { manifest: await readManifest(file) } : {}),
      gpgKeys: await Promise.all((stringValues(values, "gpg-key") ?? []).map(readManifest)),
    });
    const { name, namespace } = desired.metadata;
    return withProjects({ ...values, namespace }, async (api) => {
      const existing = await api.find(name);
      let action = "created";
      let applied: Project | null = existing;
      if (existing && jsonEqual(existing.spec ?? {}, desired.spec)) {
        action = "unchanged";
      } else if (existing && values.upsert !== true) {
        throw new ProjectError(
          `project ${name} already exists in namespace ${namespace} with other rules; pass --upsert to replace them (\`moor project get ${name} -o yaml\` shows the current ones)`,
        );
      } else {
        applied = await api.apply(desired as StoredProject, values.upsert === true);
        if (existing) action = "replaced";
      }
      if (output === "json" || output === "yaml")
        print(renderStructured(forPrinting(applied ?? desired), output));
      else print(`project ${name} ${action} in namespace ${namespace}`);
      return EXIT.ok;
    });
  },
};

const listCommand: Command = {
  path: ["project", "list"],
  usage: `moor project list ${CLUSTER_FLAGS} [-o table|json|yaml|name]`,
  summary: "list Projects: the repositories, destinations and source namespaces each allows",
  options: { ...clusterOptions, ...outputOption },
  run: async (values, args) => {
    if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
    const output = parseOutputFormat(stringValue(values, "output"));
    return withProjects(values, async (api) => {
      const projects = await api.list();
      if (output === "json" || output === "yaml") print(renderStructured(projects.map(forPrinting), output));
      else if (output === "name") for (const p of projects) print(p.metadata.name);
      else if (projects.length === 0)
        process.stderr.write(
          `no projects in namespace ${api.namespace}; \`moor install\` creates the default one\n`,
        );
      else print(renderProjectList(projects));
      return EXIT.ok;
    });
  },
};

const getCommand: Command = {
  path: ["project", "get"],
  usage: `moor project get NAME ${CLUSTER_FLAGS} [-o table|json|yaml]`,
  summary: "show a Project's rules and the Applications and Stacks that use it",
  options: { ...clusterOptions, ...outputOption },
  run: async (values, args) => {
    const name = oneName(args, "project", "moor project get NAME");
    const output = parseOutputFormat(stringValue(values, "output"));
    return withProjects(values, async (api) => {
      const project = await api.get(name);
      if (output === "json" || output === "yaml") print(renderStructured(forPrinting(project), output));
      else if (output === "name") print(project.metadata.name);
      else print(renderProjectSummary(project, await api.users(name)));
      return EXIT.ok;
    });
  },
};

const deleteCommand: Command = {
  path: ["project", "delete"],
  usage: `moor project delete NAME [--force] ${CLUSTER_FLAGS}`,
  summary: "delete a Project; refused while Applications or Stacks use it, unless --force",
  options: { ...clusterOptions, force: { type: "boolean" } },
  run: async (values, args) => {
    const name = oneName(args, "project", "moor project delete NAME");
    return withProjects(values, async (api) => {
      await api.get(name);
      const users = await api.users(name);
      if (users.length > 0 && values.force !== true) {
        const shown = users.slice(0, 5).join(", ");
        const more = users.length > 5 ? ` and ${users.length - 5} more` : "";
        throw new ProjectError(
          `project ${name} is used by ${shown}${more}; move them to another project first, or pass --force (they then stall with ProjectNotFound until the project is back)`,
        );
      }
      await api.delete(name);
      print(`project ${name} deleted from namespace ${api.namespace}`);
      return EXIT.ok;
    });
  },
};

export const projectCommands: Command[] = [createCommand, listCommand, getCommand, deleteCommand];

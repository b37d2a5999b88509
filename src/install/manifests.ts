// The objects `moor install` puts into the cluster Mooring runs in, read from deploy/: the CRDs,
// the `mooring` namespace, the ServiceAccounts of the controller and of `moor server` and their
// RBAC (every file of deploy/rbac). The Deployments (deploy/install/controller.yaml and
// server.yaml) are not among them: users apply them with their image.
//
// Objects are applied in dependency order, declared as a table: CRDs first (the API must know a
// kind before anything of that kind can exist), then the namespace, then what lives in it, then
// the roles before the bindings that name them.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { formatRef, type KubeObject, refOf } from "../core/objects.ts";
import { type DefaultProjectOptions, defaultProject } from "./default-project.ts";

/** The deploy/ folder of this checkout or package. */
export const DEPLOY_DIR = fileURLToPath(new URL("../../deploy/", import.meta.url));

/** Files and folders (every *.yaml inside) of deploy/ that `moor install` applies. */
export const INSTALL_SOURCES = ["crds", "install/namespace.yaml", "rbac"] as const;

/** Kinds in the order they are applied; a kind not listed here is refused. */
export const INSTALL_KIND_ORDER = [
  "CustomResourceDefinition",
  "Namespace",
  "ServiceAccount",
  "ClusterRole",
  "Role",
  "ClusterRoleBinding",
  "RoleBinding",
  "Project",
] as const;

/**
 * Objects whose fields users are invited to change after installation (the `mooring-manager`
 * role, documented as the one to narrow). Re-installing applies them without taking over fields
 * someone else has changed, so a narrowed role survives `moor install`.
 */
export const USER_TUNABLE_OBJECTS: readonly string[] = ["ClusterRole/mooring-manager"];

/**
 * What a single-team install has and a multi-tenant one must not: the `mooring-manager` role that
 * lets the controller itself change anything anywhere. `moor install --multi-tenant` leaves these
 * out and deletes them when an earlier install created them (binding first, so the power goes
 * before the role), since lockdown with the cluster-admin binding still in place would be lockdown
 * on paper only.
 */
export const SINGLE_TEAM_ONLY_OBJECTS = [
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", name: "mooring-manager" },
  { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", name: "mooring-manager" },
] as const;

function singleTeamOnly(object: KubeObject): boolean {
  return SINGLE_TEAM_ONLY_OBJECTS.some((o) => o.kind === object.kind && o.name === object.metadata.name);
}

export interface InstallManifest {
  object: KubeObject;
  /** The file it came from, relative to deploy/. */
  file: string;
  /** Leave fields changed by others as they are instead of taking them back. */
  keepOthersChanges: boolean;
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ManifestError";
  }
}

/** Every YAML document of a file that is not empty. */
export function parseManifests(text: string, file: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      throw new ManifestError(`${file}: not valid YAML: ${doc.errors[0]?.message ?? "unknown error"}`);
    }
    const value = doc.toJS() as KubeObject | null;
    if (value === null || value === undefined) continue;
    if (!value.apiVersion || !value.kind || !value.metadata?.name) {
      throw new ManifestError(`${file}: every document needs apiVersion, kind and metadata.name`);
    }
    objects.push(value);
  }
  return objects;
}

/** Sorts by INSTALL_KIND_ORDER, keeping file order within a kind; refuses kinds not in the table. */
export function orderForInstall(manifests: readonly InstallManifest[]): InstallManifest[] {
  const rank = (m: InstallManifest) => {
    const index = (INSTALL_KIND_ORDER as readonly string[]).indexOf(m.object.kind);
    if (index < 0) {
      throw new ManifestError(
        `${m.file}: moor install does not apply ${m.object.kind} objects; allowed kinds: ${INSTALL_KIND_ORDER.join(", ")}`,
      );
    }
    return index;
  };
  return manifests
    .map((m, position) => ({ m, position, rank: rank(m) }))
    .sort((a, b) => a.rank - b.rank || a.position - b.position)
    .map(({ m }) => m);
}

/** Where the built-in default Project says it comes from. */
export const DEFAULT_PROJECT_SOURCE = "default Project (src/install/default-project.ts)";

/**
 * The install manifests from deploy/ and the default Project, in apply order. The default Project
 * is applied like the user-tunable objects: a platform team's later edits to it are kept.
 */
export async function readInstallManifests(
  deployDir = DEPLOY_DIR,
  options: DefaultProjectOptions = {},
): Promise<InstallManifest[]> {
  const files: string[] = [];
  for (const source of INSTALL_SOURCES) {
    if (source.endsWith(".yaml")) {
      files.push(source);
      continue;
    }
    const entries = (await readdir(join(deployDir, source))).filter((f) => /\.ya?ml$/.test(f)).sort();
    files.push(...entries.map((f) => `${source}/${f}`));
  }
  const manifests: InstallManifest[] = [];
  for (const file of files) {
    const text = await readFile(join(deployDir, file), "utf8");
    for (const object of parseManifests(text, file)) {
      if (options.multiTenant && singleTeamOnly(object)) continue;
      manifests.push({
        object,
        file,
        keepOthersChanges: USER_TUNABLE_OBJECTS.includes(formatRef(refOf(object))),
      });
    }
  }
  manifests.push({ object: defaultProject(options), file: DEFAULT_PROJECT_SOURCE, keepOthersChanges: true });
  return orderForInstall(manifests);
}

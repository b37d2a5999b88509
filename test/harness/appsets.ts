// Helpers for end-to-end tests of ApplicationSets: write a set as a user would (server-side apply,
// as the admin or as another user through impersonation), read it back, read the reasons of the
// Events on it, and remove a test's sets and whatever Applications they left behind.
import { kubectl, kubectlOk } from "./cluster.ts";

/** The label every generated Application carries, naming its set. */
export const SET_LABEL = "mooring.dev/application-set";

export interface SetView {
  metadata: { annotations?: Record<string, string> };
  status?: {
    conditions?: { type: string; status: string; reason: string; message: string }[];
    resources?: { name: string }[];
    applicationStatus?: { application: string; step: string; status: string; message: string }[];
  };
}

/** Writes the set labelled e2e-run=RUN; `as` names the user to impersonate. */
export async function applySet(
  name: string,
  spec: Record<string, unknown>,
  options: { run: string; namespace?: string; as?: string },
): Promise<void> {
  const manifest = {
    apiVersion: "mooring.dev/v1alpha1",
    kind: "ApplicationSet",
    metadata: { name, namespace: options.namespace ?? "mooring", labels: { "e2e-run": options.run } },
    spec,
  };
  const as = options.as ? [`--as=${options.as}`] : [];
  await kubectlOk(["apply", "--server-side", "--field-manager=test", ...as, "-f", "-"], {
    input: JSON.stringify(manifest),
  });
}

export async function getSet(name: string, namespace = "mooring"): Promise<SetView> {
  return JSON.parse(
    await kubectlOk(["get", "applicationset", name, "-n", namespace, "-o", "json"]),
  ) as SetView;
}

/** The reasons of the Events on the set, in the order the API server lists them. */
export async function setEventReasons(name: string, namespace = "mooring"): Promise<string[]> {
  const out = await kubectlOk([
    "get",
    "events",
    "-n",
    namespace,
    "--field-selector",
    `involvedObject.name=${name}`,
    "-o",
    "jsonpath={.items[*].reason}",
  ]);
  return out.split(" ").filter(Boolean);
}

/**
 * Deletes the run's sets in these namespaces (their Applications go with them while the
 * controller runs); call before stopping the controller, then `discardSetApps` after.
 */
export async function deleteSets(run: string, namespaces: string[]): Promise<void> {
  for (const namespace of namespaces)
    await kubectl([
      "delete",
      "applicationsets",
      "-n",
      namespace,
      "-l",
      `e2e-run=${run}`,
      "--wait=true",
      "--timeout=120s",
    ]);
}

/**
 * Whatever generated Application is left (a failed test): its finalizer is dropped first, so
 * nothing waits on a stopped controller. Only names ending in `suffix` are touched.
 */
export async function discardSetApps(namespaces: string[], suffix: string): Promise<void> {
  for (const namespace of namespaces) {
    const left = await kubectl(["get", "applications", "-n", namespace, "-l", SET_LABEL, "-o", "name"]);
    for (const app of left.stdout.split("\n").filter(Boolean)) {
      const name = app.replace(/^[^/]*\//, "");
      if (!name.endsWith(suffix)) continue;
      const target = ["application", name, "-n", namespace];
      await kubectl(["patch", ...target, "--type=merge", "-p", '{"metadata":{"finalizers":null}}']);
      await kubectl(["delete", ...target, "--ignore-not-found", "--wait=false"]);
    }
  }
}

// A Stack's project, checked before anything is fetched or run: the project exists, the Stack's
// namespace may hold its objects (sourceNamespaces), its repository is allowed (sourceRepos),
// and its namespace — where its state, plans and outputs live — is an allowed destination on the
// cluster Mooring runs in. A refusal stalls the Stack with the rule and the project named, and
// nothing runs. The project also names the ServiceAccount a Stack's runs act as when the Stack
// names none (destinationServiceAccounts, matched like an Application's destination), and may
// require that the commit a Stack plans from is signed by one of its keys.
import type { JsonMap } from "../core/json.ts";
import { checkBeforeFetch } from "../core/project/enforce.ts";
import { IN_CLUSTER_SERVER, projectNameOf, serviceAccountFor, subjectOf } from "../core/project/project.ts";
import { type StackServiceAccount, stackServiceAccount } from "../core/stack/identity.ts";
import type { ResolvedStackSpec, Stack } from "../core/stack/spec.ts";
import type { SourceResolver } from "./app-source.ts";
import { CommitRefused, enforceSignedCommit } from "./commit-signature.ts";
import { IN_CLUSTER } from "./destinations.ts";
import type { ProjectLookup } from "./projects.ts";
import { StackError } from "./stack-errors.ts";

const CLUSTER = { name: IN_CLUSTER, server: IN_CLUSTER_SERVER };

/**
 * The account the Stack's runs act as, once its project allows it; without a project lookup
 * (controllers built without Projects) the Stack's own choice or its namespace's default.
 */
export async function enforceStackProject(
  projects: ProjectLookup | undefined,
  stack: Stack,
  spec: ResolvedStackSpec,
  controllerNamespace: string,
): Promise<StackServiceAccount> {
  const namespace = stack.metadata.namespace;
  const own = { namespace, serviceAccountName: spec.serviceAccountName };
  if (!projects) return stackServiceAccount(own, undefined);
  const subject = subjectOf("Stack", namespace, stack.metadata.name);
  const found = await projects.get(projectNameOf(stack), subject);
  if (!found.found) {
    throw new StackError(
      found.reason === "InvalidProject" ? "project-invalid" : "project-not-found",
      found.message,
    );
  }
  const decision = checkBeforeFetch(found.project, {
    subject,
    namespace,
    repoURL: spec.source.repoURL,
    cluster: CLUSTER,
    destinationNamespace: namespace,
    controllerNamespace,
  });
  if (!decision.allowed) throw new StackError("project-violation", decision.message);
  return stackServiceAccount(own, serviceAccountFor(found.project, { ...CLUSTER, namespace }));
}

/**
 * Refuses the commit a Stack is about to plan or apply when its project requires signed commits
 * and the commit is not signed by one of its keys (commit-signature.ts); nothing is planned.
 */
export async function enforceStackSignature(
  projects: ProjectLookup | undefined,
  sources: Pick<SourceResolver, "verify">,
  stack: Stack,
  spec: ResolvedStackSpec,
  revision: string,
  onRefused?: (details: JsonMap) => void,
): Promise<void> {
  if (!projects) return;
  const subject = subjectOf("Stack", stack.metadata.namespace, stack.metadata.name);
  const found = await projects.get(projectNameOf(stack), subject);
  if (!found.found) return; // enforceStackProject refused it already
  try {
    await enforceSignedCommit({
      sources,
      project: found.project,
      subject,
      repoURL: spec.source.repoURL,
      sha: revision,
      conditions: stack.status?.conditions ?? [],
      ...(onRefused ? { onRefused } : {}),
    });
  } catch (err) {
    if (!(err instanceof CommitRefused)) throw err;
    const code =
      err.reason === "UnsignedCommit"
        ? "commit-unsigned"
        : err.reason === "UntrustedSignature"
          ? "commit-untrusted"
          : "project-invalid";
    throw new StackError(code, err.message);
  }
}

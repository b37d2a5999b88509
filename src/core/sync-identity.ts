// Who a sync acts as. On a cluster shared by several teams, Mooring must not apply a team's
// manifests with its own (broad) rights: it impersonates a ServiceAccount chosen for the
// destination, and the API server's RBAC for that account is the final word on what may be
// created, changed or deleted. The account comes from, in order:
//   1. the project's `destinationServiceAccounts` entry matching the destination (Argo CD's
//      field: `NAME` in the destination namespace, or `NAMESPACE:NAME`);
//   2. the controller's `--default-service-account NAME`, in the destination namespace (Flux's
//      flag of the same name);
//   3. nobody: in lockdown mode (`--multi-tenant`) the app is refused; otherwise the controller
//      acts with its own identity, as single-team installs always have — but only for an
//      Application in the controller namespace, where only the platform team writes. An
//      Application in a team's namespace (admitted by a project's sourceNamespaces) is written by
//      that team, and Mooring never lends its own rights to an object a tenant wrote: it needs a
//      ServiceAccount even in single-team mode.
import type { Standing } from "./conditions.ts";

export interface ServiceAccountRef {
  namespace: string;
  name: string;
}

/** How the controller was told to treat apps that name no ServiceAccount. */
export interface TenancyPolicy {
  /** Lockdown: an app without a ServiceAccount is refused instead of run as the controller. */
  multiTenant: boolean;
  /** A ServiceAccount name looked up in the destination namespace when the project names none. */
  defaultServiceAccount?: string;
}

export const SINGLE_TEAM: TenancyPolicy = { multiTenant: false };

export type SyncIdentity =
  | { type: "service-account"; account: ServiceAccountRef; source: "project" | "default" }
  | { type: "controller" }
  | { type: "refused"; reason: IdentityRefusal; message: string };

/** Condition reasons of a refused identity: closed, so users can alert on them. */
export type IdentityRefusal = "ServiceAccountRequired" | "InvalidServiceAccount";

export interface IdentityInput {
  app: { namespace: string; name: string };
  /** Where the controller runs: only Applications there may act as the controller itself. */
  controllerNamespace: string;
  project: string;
  destination: { cluster: string; namespace?: string };
  /** The account the project's destinationServiceAccounts names for this destination. */
  projectServiceAccount?: ServiceAccountRef;
  policy: TenancyPolicy;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** The user name the API server gives a ServiceAccount: `system:serviceaccount:NS:NAME`. */
export function serviceAccountUser(account: ServiceAccountRef): string {
  return `system:serviceaccount:${account.namespace}:${account.name}`;
}

/** `ServiceAccount NS/NAME`, as messages print it. */
export function formatServiceAccount(account: ServiceAccountRef): string {
  return `ServiceAccount ${account.namespace}/${account.name}`;
}

/** What is wrong with an account's names, or undefined when the API server would accept them. */
export function accountProblem(account: ServiceAccountRef): string | undefined {
  if (!account.namespace) {
    return `ServiceAccount "${account.name}" has no namespace and the app has no spec.destination.namespace; write it as NAMESPACE:NAME`;
  }
  if (!DNS_LABEL.test(account.namespace)) return `"${account.namespace}" is not a valid namespace name`;
  if (!DNS_SUBDOMAIN.test(account.name)) return `"${account.name}" is not a valid ServiceAccount name`;
  return undefined;
}

/** `NAME` (in `namespace`) or `NAMESPACE:NAME` to a ref; a string saying what is wrong otherwise. */
export function parseServiceAccount(text: string, namespace: string | undefined): ServiceAccountRef | string {
  const colon = text.indexOf(":");
  const account = {
    namespace: colon < 0 ? (namespace ?? "") : text.slice(0, colon),
    name: colon < 0 ? text : text.slice(colon + 1),
  };
  return accountProblem(account) ?? account;
}

/** Which identity the sync of this app uses on its destination. */
export function syncIdentity(input: IdentityInput): SyncIdentity {
  const { app, project, destination, policy } = input;
  const appName = `Application ${app.namespace}/${app.name}`;
  const where = `cluster ${destination.cluster}${destination.namespace ? `, namespace ${destination.namespace}` : ""}`;
  if (input.projectServiceAccount !== undefined) {
    const account = input.projectServiceAccount;
    const problem = accountProblem(account);
    if (problem) {
      return {
        type: "refused",
        reason: "InvalidServiceAccount",
        message: `${appName}: project ${project} names an unusable ServiceAccount for ${where}: ${problem}; fix the project's destinationServiceAccounts`,
      };
    }
    return { type: "service-account", account: { ...account }, source: "project" };
  }
  if (policy.defaultServiceAccount) {
    const parsed = parseServiceAccount(policy.defaultServiceAccount, destination.namespace);
    if (typeof parsed === "string") {
      return {
        type: "refused",
        reason: "InvalidServiceAccount",
        message: `${appName}: the controller's --default-service-account cannot be used for ${where}: ${parsed}; set spec.destination.namespace, or name a ServiceAccount for this destination in project ${project}'s destinationServiceAccounts`,
      };
    }
    return { type: "service-account", account: parsed, source: "default" };
  }
  if (policy.multiTenant) {
    return {
      type: "refused",
      reason: "ServiceAccountRequired",
      message: `${appName}: the controller runs in multi-tenant mode and project ${project} names no ServiceAccount for ${where}; add one to the project's destinationServiceAccounts (or start the controller with --default-service-account NAME)`,
    };
  }
  if (app.namespace !== input.controllerNamespace) {
    return {
      type: "refused",
      reason: "ServiceAccountRequired",
      message: `${appName}: the controller acts with its own identity only for Applications in namespace ${input.controllerNamespace}, and project ${project} names no ServiceAccount for ${where}; add one to the project's destinationServiceAccounts (or start the controller with --default-service-account NAME)`,
    };
  }
  return { type: "controller" };
}

/** The Stalled standing of a refused identity: nothing is read or applied as anyone. */
export function refusedStanding(identity: Extract<SyncIdentity, { type: "refused" }>): Standing {
  return { state: "stalled", reason: identity.reason, message: `nothing was applied: ${identity.message}` };
}

/**
 * What to tell a user whose sync the API server refused (HTTP 403), given who the sync acted as:
 * the fix is an RBAC grant to that account, or another account.
 */
export function forbiddenAdvice(identity: SyncIdentity, project: string): string {
  if (identity.type === "service-account") {
    const from =
      identity.source === "project"
        ? `project ${project}'s destinationServiceAccounts`
        : "the controller's --default-service-account";
    return `the sync acts as ${formatServiceAccount(identity.account)} (from ${from}); grant it the missing right with a Role and RoleBinding (or ClusterRole and ClusterRoleBinding), or choose another ServiceAccount`;
  }
  return `the sync acts as the controller's own identity; grant it the missing right (the mooring-manager ClusterRole), or name a ServiceAccount for this destination in project ${project}'s destinationServiceAccounts`;
}

/** Who the sync acted as, for logs and messages: `ServiceAccount ns/name` or `the controller`. */
export function describeIdentity(identity: SyncIdentity): string {
  return identity.type === "service-account" ? formatServiceAccount(identity.account) : "the controller";
}

// Project policy rules for previews, in CEL (the expression language of Kubernetes'
// ValidatingAdmissionPolicy; see src/core/health/cel.ts for how numbers and absent fields behave).
// A Project may list rules in `spec.policies`; every pull request preview checks the objects each
// affected Application renders and the resource changes each affected Stack plans against them,
// and a broken rule fails the preview's commit status, named in the comment.
//
// A rule is an expression that is true when the subject is allowed. It sees, per rendered object
// (`appliesTo: objects`, narrowed by `kinds`):
//   object      the object as rendered, Secret `data` and `stringData` values masked (mask.ts), so
//               no rule can read, compare or echo a secret value
//   app         {namespace, name} of the Application
//   podSpec     the object's pod spec wherever its kind keeps it (Pod spec, spec.template.spec,
//               a CronJob's job template), {} for kinds without pods
//   containers  podSpec's initContainers, containers and ephemeralContainers, in that order
// and per planned resource change (`appliesTo: planChanges`, narrowed by `resourceTypes`):
//   change      {address, type, name, action, actions, previousAddress, reason}: `action` is one
//               word (create, update, replace, delete, read, forget), `actions` tofu's own list;
//               absent previousAddress and reason are "". Plans carry no values by design, so
//               neither does `change`.
//   stack       {namespace, name} of the Stack
//
// Fail closed. An expression that fails while evaluating (most often a field the object does not
// have: guard with `has(...)` or `.?field.orValue(...)`), or returns something other than a
// bool, counts as broken for that subject, with a message saying the rule could not be
// evaluated. A rule that does not compile, or cannot return a bool, is a problem of the Project
// (validate.ts refuses the Project); should such a rule still reach a check, it is reported
// broken for every target it applies to rather than skipped.
//
// Bounds. Rules come from the platform team (Projects live in the controller namespace) but the
// subjects come from a pull request, so the work is bounded: POLICY_LIMITS caps the rules, the
// expression length and nesting, and the subjects one check reads (more fails closed). `matches`
// uses JavaScript regular expressions, not RE2: keep patterns free of nested repetition.
import { Environment } from "@marcbachmann/cel-js";
import { toCelValue } from "../health/cel.ts";
import { isPlainObject } from "../json.ts";
import { maskSecret } from "../mask.ts";
import { formatRef, type KubeObject, refOf } from "../objects.ts";
import type { PlanSummary } from "../stack/plan.ts";
import type { PlannedResource } from "../stack/spec.ts";
import { podSpecOf } from "./app-summary.ts";
import type { PolicyViolation, TargetName } from "./report.ts";

/** What a rule is evaluated over: each rendered object, or each planned resource change. */
export const POLICY_TARGETS = ["objects", "planChanges"] as const;
export type PolicyTarget = (typeof POLICY_TARGETS)[number];

/** One entry of a Project's spec.policies, as written. */
export interface PolicyRule {
  /** A DNS-1123 label, unique in the Project; violations name it. */
  name: string;
  /** `objects`: each rendered object is `object`; `planChanges`: each planned resource change is `change`. */
  appliesTo: PolicyTarget;
  /** For `objects`: only these kinds (e.g. Deployment, Pod); default all. */
  kinds?: string[];
  /** For `planChanges`: only these resource types (e.g. aws_db_instance); default all. */
  resourceTypes?: string[];
  /** CEL that must be true for an allowed object or change. */
  expression: string;
  /** Said when the rule is broken; default the expression. */
  message?: string;
}

export const POLICY_LIMITS = {
  /** Rules per Project. */
  rules: 64,
  /** Characters per expression (4 KiB). */
  expressionLength: 4096,
  /** Characters per message. */
  messageLength: 1024,
  /** Objects or planned changes one check reads; more and every rule of that kind fails closed. */
  subjectsPerCheck: 10_000,
  /** Violations of one rule listed per check; the rest are counted in one more entry. */
  violationsPerRule: 50,
} as const;

/** Syntax-tree limits of every rule (cel-js's defaults are sized for far larger expressions). */
const SYNTAX_LIMITS = { maxAstNodes: 2048, maxDepth: 64, maxListElements: 256, maxMapEntries: 256 };

/** The CEL variables each target declares, with their types. */
const VARIABLES: Record<PolicyTarget, Record<string, string>> = {
  objects: { object: "map", app: "map", podSpec: "map", containers: "list" },
  planChanges: { change: "map", stack: "map" },
};

const RULE_FIELDS = new Set(["name", "appliesTo", "kinds", "resourceTypes", "expression", "message"]);
const RULE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Cached compilations kept at most; Projects are few, but each edit may add new sources. */
const CACHE_SIZE = 1024;

type Program = (input: Record<string, unknown>) => unknown;
type Compiled = { ok: true; run: Program } | { ok: false; error: string };

/** A rule ready to check, or broken (malformed or not compiling) and so failing every check. */
interface CheckedRule {
  name: string;
  /** Undefined when the entry does not say (or misspells) it: a broken rule then fails both checks. */
  appliesTo: PolicyTarget | undefined;
  /** kinds or resourceTypes; undefined: every subject. */
  only: ReadonlySet<string> | undefined;
  message: string;
  compiled: Compiled;
}

export interface CompiledPolicies {
  /** The well-formed rules as written, in order. */
  readonly rules: readonly PolicyRule[];
  /** Every entry, broken ones included, as the checks use them. */
  readonly checked: readonly CheckedRule[];
}

const environments = new Map<PolicyTarget, Environment>();

function environmentFor(target: PolicyTarget): Environment {
  let environment = environments.get(target);
  if (environment === undefined) {
    environment = new Environment({ enableOptionalTypes: true, limits: SYNTAX_LIMITS });
    for (const [name, type] of Object.entries(VARIABLES[target])) environment.registerVariable(name, type);
    environments.set(target, environment);
  }
  return environment;
}

const cache = new Map<string, Compiled>();

function firstLine(error: unknown, limit = 200): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = (text.split("\n")[0] ?? text).trim();
  return line.length > limit ? `${line.slice(0, limit)}...` : line;
}

/** Parse and type-check once per target and source; a result type other than bool or dyn fails. */
function compile(target: PolicyTarget, source: string): Compiled {
  const key = `${target}\u0000${source}`;
  const cached = cache.get(key);
  if (cached) return cached;
  let compiled: Compiled;
  try {
    const program = environmentFor(target).parse(source);
    const checked = program.check();
    const type = checked.type ?? "dyn";
    if (!checked.valid) compiled = { ok: false, error: `does not compile: ${firstLine(checked.error)}` };
    else if (type !== "bool" && type !== "dyn")
      compiled = { ok: false, error: `must return bool, not ${type}` };
    else compiled = { ok: true, run: (input) => program(input) };
  } catch (error) {
    compiled = { ok: false, error: `does not compile: ${firstLine(error)}` };
  }
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, compiled);
  return compiled;
}

/**
 * Compile a Project's spec.policies. Problems name the entry (`spec.policies[2]
 * (no-host-network): ...`); the entries they concern stay in the result as broken rules, so a
 * caller that checks anyway fails closed.
 */
export function compilePolicies(rules: readonly unknown[]): {
  policies: CompiledPolicies;
  problems: string[];
} {
  const problems: string[] = [];
  const wellFormed: PolicyRule[] = [];
  const checked: CheckedRule[] = [];
  const firstIndexOf = new Map<string, number>();
  if (rules.length > POLICY_LIMITS.rules) {
    problems.push(`spec.policies has ${rules.length} rules, more than the limit of ${POLICY_LIMITS.rules}`);
  }
  rules.forEach((entry, index) => {
    const name = isPlainObject(entry) && typeof entry.name === "string" ? entry.name : "";
    const label = name ? `spec.policies[${index}] (${name})` : `spec.policies[${index}]`;
    const errors = shapeProblems(entry);
    if (name && firstIndexOf.has(name)) {
      errors.push(`name "${name}" is already used by spec.policies[${firstIndexOf.get(name)}]`);
    } else if (name) firstIndexOf.set(name, index);
    if (index >= POLICY_LIMITS.rules) errors.push(`is past the limit of ${POLICY_LIMITS.rules} rules`);
    const record = isPlainObject(entry) ? entry : {};
    const appliesTo = POLICY_TARGETS.find((t) => t === record.appliesTo);
    let compiled: Compiled = { ok: false, error: errors.join("; ") };
    if (errors.length === 0 && appliesTo !== undefined) {
      compiled = compile(appliesTo, record.expression as string);
      if (compiled.ok) wellFormed.push(entry as unknown as PolicyRule);
      else errors.push(`expression ${compiled.error}`);
    }
    for (const error of errors) problems.push(`${label}: ${error}`);
    const only = appliesTo === "objects" ? record.kinds : record.resourceTypes;
    checked.push({
      name: name || `spec.policies[${index}]`,
      appliesTo,
      only: Array.isArray(only) ? new Set(only.filter((v): v is string => typeof v === "string")) : undefined,
      message:
        typeof record.message === "string" && record.message !== ""
          ? record.message
          : String(record.expression ?? ""),
      compiled,
    });
  });
  return { policies: { rules: wellFormed, checked }, problems };
}

/** What is wrong with one entry's fields, before its expression is compiled. */
function shapeProblems(entry: unknown): string[] {
  if (!isPlainObject(entry)) return ["must be an object"];
  const errors: string[] = [];
  for (const key of Object.keys(entry)) {
    if (!RULE_FIELDS.has(key)) errors.push(`has an unknown field "${key}"`);
  }
  if (typeof entry.name !== "string" || entry.name === "") errors.push("name is required");
  else if (!RULE_NAME.test(entry.name) || entry.name.length > 63) {
    errors.push(`name "${entry.name}" must be lower-case letters, digits and '-', at most 63 characters`);
  }
  if (!POLICY_TARGETS.some((t) => t === entry.appliesTo)) {
    errors.push(`appliesTo must be one of ${POLICY_TARGETS.join(", ")}`);
  }
  const list = (field: "kinds" | "resourceTypes", allowedWith: PolicyTarget) => {
    const value = entry[field];
    if (value === undefined) return;
    if (entry.appliesTo !== allowedWith) errors.push(`${field} is only for appliesTo: ${allowedWith}`);
    else if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v === "")) {
      errors.push(`${field} must be a list of non-empty strings`);
    }
  };
  list("kinds", "objects");
  list("resourceTypes", "planChanges");
  const expression = entry.expression;
  if (typeof expression !== "string" || expression.trim() === "") errors.push("expression is required");
  else if (expression.length > POLICY_LIMITS.expressionLength) {
    errors.push(`expression is longer than ${POLICY_LIMITS.expressionLength} characters`);
  }
  if (entry.message !== undefined && typeof entry.message !== "string")
    errors.push("message must be a string");
  else if (typeof entry.message === "string" && entry.message.length > POLICY_LIMITS.messageLength) {
    errors.push(`message is longer than ${POLICY_LIMITS.messageLength} characters`);
  }
  return errors;
}

/** A subject of a check: what a violation names it, its kind or type, and its CEL variables. */
interface Subject {
  name: string;
  /** Kind (objects) or resource type (plan changes), matched against `kinds` / `resourceTypes`. */
  sort: string;
  variables: () => Record<string, unknown>;
}

function check(
  policies: CompiledPolicies,
  appliesTo: PolicyTarget,
  target: PolicyViolation["target"],
  subjects: readonly Subject[],
): PolicyViolation[] {
  const rules = policies.checked.filter((r) => r.appliesTo === appliesTo || r.appliesTo === undefined);
  const violations: PolicyViolation[] = [];
  const broken = (rule: CheckedRule, message: string, subject?: string) =>
    violations.push({ rule: rule.name, target, ...(subject ? { subject } : {}), message });
  const inputs = new Map<Subject, Record<string, unknown> | Error>();
  for (const rule of rules) {
    if (!rule.compiled.ok) {
      broken(rule, `the rule is broken (${rule.compiled.error}), so nothing passes it; fix the Project`);
      continue;
    }
    if (subjects.length > POLICY_LIMITS.subjectsPerCheck) {
      broken(
        rule,
        `not checked: ${subjects.length} ${appliesTo === "objects" ? "objects" : "planned changes"}, more than the ${POLICY_LIMITS.subjectsPerCheck} one check reads`,
      );
      continue;
    }
    let found = 0;
    for (const subject of subjects) {
      if (rule.only && !rule.only.has(subject.sort)) continue;
      let input = inputs.get(subject);
      if (input === undefined) {
        input = variablesOf(subject);
        inputs.set(subject, input);
      }
      const failure = input instanceof Error ? unevaluated(input) : evaluate(rule, input);
      if (failure === undefined) continue;
      found++;
      if (found <= POLICY_LIMITS.violationsPerRule) broken(rule, failure, subject.name);
    }
    const more = found - POLICY_LIMITS.violationsPerRule;
    if (more > 0) broken(rule, `and ${more} more ${more === 1 ? "subject" : "subjects"} break this rule`);
  }
  return violations;
}

function variablesOf(subject: Subject): Record<string, unknown> | Error {
  try {
    return subject.variables();
  } catch (error) {
    // A pathological object (nesting past the stack) cannot be read; it fails every rule.
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** A rule that cannot say true or false about a subject fails closed. */
function unevaluated(reason: unknown): string {
  const text = firstLine(reason);
  const hint = text.startsWith("No such key")
    ? "; guard optional fields with has() or .?field.orValue()"
    : "";
  return `the rule could not be evaluated (${text}), so it counts as broken${hint}`;
}

/** Undefined when the subject is allowed, else what the violation says. */
function evaluate(rule: CheckedRule, input: Record<string, unknown>): string | undefined {
  if (!rule.compiled.ok) return rule.compiled.error;
  let value: unknown;
  try {
    value = rule.compiled.run(input);
  } catch (error) {
    return unevaluated(error);
  }
  if (value === true) return undefined;
  if (value === false) return rule.message;
  return unevaluated(`it returned ${value === null ? "null" : typeof value}, not bool`);
}

/** The rules of `appliesTo: objects` broken by an Application's rendered objects. */
export function checkObjects(
  policies: CompiledPolicies,
  target: TargetName,
  objects: readonly KubeObject[],
): PolicyViolation[] {
  const app = { namespace: target.namespace, name: target.name };
  const subjects = objects.map(
    (obj): Subject => ({
      name: formatRef(refOf(obj)),
      sort: obj.kind,
      variables: () => {
        const masked = maskSecret(obj);
        const podSpec = podSpecOf(masked) ?? {};
        const containers = ["initContainers", "containers", "ephemeralContainers"].flatMap((field) => {
          const list = podSpec[field];
          return Array.isArray(list) ? list : [];
        });
        return {
          object: toCelValue(masked),
          app,
          podSpec: toCelValue(podSpec),
          containers: toCelValue(containers),
        };
      },
    }),
  );
  return check(policies, "objects", { kind: "Application", ...app }, subjects);
}

/** The rules of `appliesTo: planChanges` broken by a Stack's planned resource changes. */
export function checkPlan(
  policies: CompiledPolicies,
  target: TargetName,
  plan: PlanSummary,
): PolicyViolation[] {
  const stack = { namespace: target.namespace, name: target.name };
  const subjects = plan.resources.map(
    (resource): Subject => ({
      name: resource.address,
      sort: resource.type,
      variables: () => ({ change: toCelValue(changeOf(resource)), stack }),
    }),
  );
  return check(policies, "planChanges", { kind: "Stack", ...stack }, subjects);
}

function changeOf(resource: PlannedResource): Record<string, unknown> {
  return {
    address: resource.address,
    type: resource.type,
    name: resource.name,
    action: resource.action,
    actions: [...resource.actions],
    previousAddress: resource.previousAddress ?? "",
    reason: resource.reason ?? "",
  };
}

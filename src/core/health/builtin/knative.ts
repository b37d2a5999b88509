// Knative Serving (serving.knative.dev) runs request-driven containers. A Service owns a
// Configuration (its revisions) and a Route (its traffic); its conditions `ConfigurationsReady`,
// `RoutesReady` and `Ready` say whether the latest revision runs and receives traffic. Any of them
// False is a failure (a revision that cannot start, a route that cannot be programmed); Unknown is
// work in progress. Same rules as Argo CD's health script; the message lists each condition that
// is not True with its reason and message.
import type { BuiltinCheck } from "./check.ts";
import {
  CONDITIONS,
  hasCondition,
  literal,
  UNOBSERVED_GENERATION,
  UNOBSERVED_GENERATION_MESSAGE,
} from "./snippets.ts";

const NOT_TRUE = `${CONDITIONS}.filter(c, c.?status.orValue("") in ["False", "Unknown"])`;
const NOT_TRUE_MESSAGE = `${NOT_TRUE}.map(c, c.?type.orValue("") + " is " + c.?status.orValue("") +
  (c.?reason.orValue("") != "" ? ", since " + c.reason + "." : "") +
  (c.?message.orValue("") != "" ? " " + c.message : "")).join("; ")`;
const ALL_READY = ["ConfigurationsReady", "RoutesReady", "Ready"]
  .map((type) => hasCondition(type, "True"))
  .join(" && ");

export const KNATIVE_CHECKS: readonly BuiltinCheck[] = [
  {
    project: "Knative",
    groups: ["serving.knative.dev"],
    kinds: ["Service"],
    rules: [
      {
        when: `${CONDITIONS}.size() == 0`,
        status: "Progressing",
        message: literal("Waiting for status update."),
      },
      // Knative writes observedGeneration: conditions about an older spec say nothing of this one.
      { when: UNOBSERVED_GENERATION, status: "Progressing", message: UNOBSERVED_GENERATION_MESSAGE },
      { when: `${NOT_TRUE}.exists(c, c.status == "False")`, status: "Degraded", message: NOT_TRUE_MESSAGE },
      {
        when: `${ALL_READY} && ${NOT_TRUE}.size() == 0`,
        status: "Healthy",
        message: literal("Knative Service is healthy."),
      },
      { when: "true", status: "Progressing", message: NOT_TRUE_MESSAGE },
    ],
  },
];

// The Applications of one namespace as `moor app` reads and writes them: the client itself lives in
// src/actions/app-client.ts (shared with the API server's actions); this module adds who asks, from
// the kubeconfig.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { defaultKubeconfigPath } from "../kube/kubeconfig.ts";
import { stringValue, type Values } from "./command.ts";

export { AppApi, AppError, type AppWithOperation, CASCADE_ANNOTATION } from "../actions/app-client.ts";

/**
 * Who asks for an operation, for the record: the user name of the kubeconfig context in use
 * (as kubectl would pick it), else "moor".
 */
export function requesterName(values: Values, env: NodeJS.ProcessEnv = process.env): string {
  try {
    const path = stringValue(values, "kubeconfig") ?? defaultKubeconfigPath(env);
    if (!path) return "moor";
    const config = parse(readFileSync(path, "utf8")) as {
      "current-context"?: string;
      contexts?: { name: string; context?: { user?: string } }[];
    };
    const contextName = stringValue(values, "context") ?? config["current-context"];
    const user = config.contexts?.find((c) => c.name === contextName)?.context?.user;
    return user || "moor";
  } catch {
    return "moor";
  }
}

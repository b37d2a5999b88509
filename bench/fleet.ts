// The object shape shared by the 1,000-app benchmark and the apiserver ceiling: one small
// ConfigMap per app (four short data keys), so Mooring's throughput and the raw apply loop
// write exactly the same kind and size of object.
import { stringify } from "yaml";
import type { KubeObject } from "../src/core/objects.ts";

export function fleetConfigMap(name: string, index: number, namespace?: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, ...(namespace ? { namespace } : {}), labels: { "bench.mooring.dev/fleet": "true" } },
    data: {
      index: String(index),
      greeting: `hello from ${name}`,
      feature: index % 2 === 0 ? "enabled" : "disabled",
      owner: "team-bench",
    },
  } as KubeObject;
}

export function fleetManifest(name: string, index: number): string {
  return stringify(fleetConfigMap(name, index));
}

export const pad = (i: number) => String(i).padStart(4, "0");

// Repository content for syncs that wait: an app whose PreSync hook is a Job the sandbox finishes
// only after a delay (kwok's pod-complete.stage.kwok.x-k8s.io/delay annotation on its Pod; see
// src/sandbox/stages/pods.yaml), and a Deployment to drift by hand while such hooks wait. Shared by
// the sync-concurrency end-to-end test and the slow-hooks benchmark.

export const POD_COMPLETE_DELAY = "pod-complete.stage.kwok.x-k8s.io/delay";

/** Files under `path`: ConfigMap settings and PreSync hook Job migrate, which takes `seconds`. */
export function slowHookFiles(path: string, seconds: number): Record<string, string> {
  return {
    [`${path}/config.yaml`]:
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: live\n",
    [`${path}/migrate.yaml`]: `apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations:
    mooring.dev/hook: PreSync
    mooring.dev/hook-delete-policy: BeforeHookCreation
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations:
        ${POD_COMPLETE_DELAY}: "${seconds}s"
    spec:
      restartPolicy: Never
      containers: [{ name: migrate, image: busybox }]
`,
  };
}

/** Files under `path`: Deployment web with `replicas` replicas, the object drifted by a hand-made scale. */
export function scalableFiles(path: string, replicas: number): Record<string, string> {
  return {
    [`${path}/deployment.yaml`]: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers: [{ name: web, image: nginx:1.27 }]
`,
  };
}

// Test fixtures for compare and plan: objects as the API server returns them. Each call builds
// a fresh object, so a test may change its copy freely.
import type { KubeObject } from "./objects.ts";

/**
 * The live `shop/web` Deployment after a few days in the cluster: Mooring applied it with
 * replicas 2, then a HorizontalPodAutoscaler scaled it to 5 through the scale subresource (so
 * kube-controller-manager now owns spec.replicas), someone ran `kubectl rollout restart`, and
 * a mutating webhook injected a log-shipper sidecar.
 */
export function liveWebDeployment(): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "web",
      namespace: "shop",
      uid: "0b6f3e4c-5a1d-4c3e-9d57-2f1e8b7a6c10",
      resourceVersion: "482113",
      generation: 7,
      creationTimestamp: "2026-03-02T09:14:11Z",
      labels: { "app.kubernetes.io/name": "web", "app.kubernetes.io/part-of": "shop" },
      annotations: {
        "deployment.kubernetes.io/revision": "3",
        "mooring.dev/tracking-id": "mooring/shop:apps/Deployment:shop/web",
      },
      managedFields: [
        {
          manager: "mooring",
          operation: "Apply",
          apiVersion: "apps/v1",
          time: "2026-03-04T16:02:45Z",
          fieldsType: "FieldsV1",
          fieldsV1: {
            "f:metadata": {
              "f:annotations": { "f:mooring.dev/tracking-id": {} },
              "f:labels": { "f:app.kubernetes.io/name": {}, "f:app.kubernetes.io/part-of": {} },
            },
            "f:spec": {
              "f:selector": {},
              "f:template": {
                "f:metadata": { "f:labels": { "f:app.kubernetes.io/name": {} } },
                "f:spec": {
                  "f:containers": {
                    'k:{"name":"web"}': {
                      ".": {},
                      "f:image": {},
                      "f:name": {},
                      "f:ports": {
                        'k:{"containerPort":8080,"protocol":"TCP"}': {
                          ".": {},
                          "f:containerPort": {},
                          "f:name": {},
                        },
                      },
                      "f:resources": { "f:requests": { "f:cpu": {}, "f:memory": {} } },
                    },
                  },
                },
              },
            },
          },
        },
        {
          manager: "kube-controller-manager",
          operation: "Update",
          apiVersion: "apps/v1",
          time: "2026-03-05T08:30:00Z",
          fieldsType: "FieldsV1",
          fieldsV1: { "f:spec": { "f:replicas": {} } },
          subresource: "scale",
        },
        {
          manager: "kubectl-rollout",
          operation: "Update",
          apiVersion: "apps/v1",
          time: "2026-03-05T10:00:00Z",
          fieldsType: "FieldsV1",
          fieldsV1: {
            "f:spec": {
              "f:template": {
                "f:metadata": {
                  "f:annotations": { ".": {}, "f:kubectl.kubernetes.io/restartedAt": {} },
                },
              },
            },
          },
        },
        {
          manager: "log-shipper-injector",
          operation: "Update",
          apiVersion: "apps/v1",
          time: "2026-03-05T10:00:01Z",
          fieldsType: "FieldsV1",
          fieldsV1: {
            "f:spec": {
              "f:template": {
                "f:spec": {
                  "f:containers": {
                    'k:{"name":"log-shipper"}': {
                      ".": {},
                      "f:image": {},
                      "f:imagePullPolicy": {},
                      "f:name": {},
                      "f:resources": {},
                      "f:terminationMessagePath": {},
                      "f:terminationMessagePolicy": {},
                    },
                  },
                  "f:volumes": {
                    ".": {},
                    'k:{"name":"varlog"}': { ".": {}, "f:emptyDir": {}, "f:name": {} },
                  },
                },
              },
            },
          },
        },
        {
          manager: "kube-controller-manager",
          operation: "Update",
          apiVersion: "apps/v1",
          time: "2026-03-05T10:00:40Z",
          fieldsType: "FieldsV1",
          fieldsV1: {
            "f:metadata": { "f:annotations": { ".": {}, "f:deployment.kubernetes.io/revision": {} } },
            "f:status": {
              "f:availableReplicas": {},
              "f:conditions": {
                ".": {},
                'k:{"type":"Available"}': {
                  ".": {},
                  "f:lastTransitionTime": {},
                  "f:lastUpdateTime": {},
                  "f:message": {},
                  "f:reason": {},
                  "f:status": {},
                  "f:type": {},
                },
                'k:{"type":"Progressing"}': {
                  ".": {},
                  "f:lastTransitionTime": {},
                  "f:lastUpdateTime": {},
                  "f:message": {},
                  "f:reason": {},
                  "f:status": {},
                  "f:type": {},
                },
              },
              "f:observedGeneration": {},
              "f:readyReplicas": {},
              "f:replicas": {},
              "f:updatedReplicas": {},
            },
          },
          subresource: "status",
        },
      ],
    },
    spec: {
      replicas: 5,
      selector: { matchLabels: { "app.kubernetes.io/name": "web" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      template: {
        metadata: {
          labels: { "app.kubernetes.io/name": "web" },
          annotations: { "kubectl.kubernetes.io/restartedAt": "2026-03-05T10:00:00Z" },
        },
        spec: {
          containers: [
            {
              name: "web",
              image: "ghcr.io/acme/web:1.4.2",
              ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
              resources: { requests: { cpu: "100m", memory: "128Mi" } },
              terminationMessagePath: "/dev/termination-log",
              terminationMessagePolicy: "File",
              imagePullPolicy: "IfNotPresent",
            },
            {
              name: "log-shipper",
              image: "fluent/fluent-bit:3.1",
              resources: {},
              terminationMessagePath: "/dev/termination-log",
              terminationMessagePolicy: "File",
              imagePullPolicy: "IfNotPresent",
            },
          ],
          volumes: [{ name: "varlog", emptyDir: {} }],
          restartPolicy: "Always",
          terminationGracePeriodSeconds: 30,
          dnsPolicy: "ClusterFirst",
          securityContext: {},
          schedulerName: "default-scheduler",
        },
      },
    },
    status: {
      observedGeneration: 7,
      replicas: 5,
      updatedReplicas: 5,
      readyReplicas: 5,
      availableReplicas: 5,
      conditions: [
        {
          type: "Available",
          status: "True",
          lastUpdateTime: "2026-03-05T08:31:02Z",
          lastTransitionTime: "2026-03-05T08:31:02Z",
          reason: "MinimumReplicasAvailable",
          message: "Deployment has minimum availability.",
        },
        {
          type: "Progressing",
          status: "True",
          lastUpdateTime: "2026-03-05T10:00:40Z",
          lastTransitionTime: "2026-03-02T09:14:11Z",
          reason: "NewReplicaSetAvailable",
          message: 'ReplicaSet "web-7c9d8f6b5d" has successfully progressed.',
        },
      ],
    },
  };
}

/**
 * What a server-side dry-run apply of Git's `shop/web` returns against the live object above:
 * Git bumps the image to 1.5.0 and still says replicas 2; fields other managers own (the
 * restart annotation, the sidecar) are kept, and the server's bookkeeping comes along.
 */
export function dryRunWebDeployment(): KubeObject {
  const obj = liveWebDeployment();
  const spec = obj.spec as { replicas: number; template: { spec: { containers: { image: string }[] } } };
  spec.replicas = 2;
  (spec.template.spec.containers[0] as { image: string }).image = "ghcr.io/acme/web:1.5.0";
  obj.metadata.generation = 8;
  obj.metadata.resourceVersion = "482190";
  return obj;
}

/**
 * A live Secret first created with client-side `kubectl apply` (hence the last-applied copy,
 * values included) and since managed by Mooring. `password` is "s3cret!" and `username`
 * "shop" in base64.
 */
export function liveDbSecret(): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "Opaque",
    metadata: {
      name: "db",
      namespace: "shop",
      uid: "9e0b4c55-1c7a-4b8e-8f0e-3b5d2a1c9f77",
      resourceVersion: "47001",
      creationTimestamp: "2026-02-20T12:00:00Z",
      annotations: {
        "kubectl.kubernetes.io/last-applied-configuration":
          '{"apiVersion":"v1","data":{"password":"czNjcmV0IQ==","username":"c2hvcA=="},"kind":"Secret","metadata":{"annotations":{},"name":"db","namespace":"shop"},"type":"Opaque"}\n',
        "mooring.dev/tracking-id": "mooring/shop:/Secret:shop/db",
      },
      managedFields: [
        {
          manager: "mooring",
          operation: "Apply",
          apiVersion: "v1",
          time: "2026-03-01T10:00:00Z",
          fieldsType: "FieldsV1",
          fieldsV1: { "f:data": { "f:password": {}, "f:username": {} }, "f:type": {} },
        },
      ],
    },
    data: { password: "czNjcmV0IQ==", username: "c2hvcA==" },
  };
}

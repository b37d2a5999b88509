import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse } from "yaml";
import type { KubeObject } from "../objects.ts";
import { assessHealth } from "./assess.ts";
import { genericHealth } from "./generic.ts";
import type { HealthResult } from "./status.ts";
import { BUILTIN_HEALTH, builtinHealth, groupKindOf } from "./table.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url);

function fixture(name: string): KubeObject {
  return parse(readFileSync(new URL(name, FIXTURES), "utf8")) as KubeObject;
}

interface Case {
  behaviour: string;
  fixture: string;
  want: HealthResult;
}

// Each row is a live object captured in one real state and the verdict a person would give it.
const CASES: Case[] = [
  {
    behaviour: "a Deployment whose replicas are all updated and available is Healthy",
    fixture: "deployment-available.yaml",
    want: { status: "Healthy", message: "3 of 3 replicas are available" },
  },
  {
    behaviour: "a Deployment mid-rollout is Progressing",
    fixture: "deployment-progressing.yaml",
    want: { status: "Progressing", message: "waiting for rollout: 2 of 3 replicas have been updated" },
  },
  {
    behaviour: "a Deployment waits for its updated replicas to become available",
    fixture: "deployment-new-replicas-unavailable.yaml",
    want: { status: "Progressing", message: "waiting for rollout: 1 of 3 updated replicas are available" },
  },
  {
    behaviour:
      "a Deployment whose new spec the controller has not seen is Progressing despite a finished status",
    fixture: "deployment-generation-not-observed.yaml",
    want: {
      status: "Progressing",
      message: "waiting for rollout: the deployment controller has not yet observed generation 5",
    },
  },
  {
    behaviour: "a paused Deployment is Suspended even though its rollout is unfinished",
    fixture: "deployment-paused.yaml",
    want: { status: "Suspended", message: "deployment is paused" },
  },
  {
    behaviour: "a Deployment past its progress deadline is Degraded",
    fixture: "deployment-progress-deadline-exceeded.yaml",
    want: {
      status: "Degraded",
      message:
        'rollout stuck: ProgressDeadlineExceeded: ReplicaSet "web-6d8f9b7c5" has timed out progressing.',
    },
  },
  {
    behaviour: "a StatefulSet whose pods run two revisions is Progressing",
    fixture: "statefulset-rolling-update.yaml",
    want: {
      status: "Progressing",
      message: "waiting for rollout: 1 of 3 pods have been updated to revision postgres-85b6c7f9d",
    },
  },
  {
    behaviour: "a StatefulSet with every pod ready at the update revision is Healthy",
    fixture: "statefulset-ready.yaml",
    want: { status: "Healthy", message: "3 of 3 pods are ready at revision postgres-85b6c7f9d" },
  },
  {
    behaviour: "a StatefulSet with a pod not yet ready is Progressing",
    fixture: "statefulset-pod-not-ready.yaml",
    want: { status: "Progressing", message: "waiting for rollout: 2 of 3 pods are ready" },
  },
  {
    behaviour: "a StatefulSet canary is done once the pods above the partition are updated",
    fixture: "statefulset-partitioned.yaml",
    want: { status: "Healthy", message: "partitioned rollout complete: 1 of 3 pods updated" },
  },
  {
    behaviour: "a DaemonSet running the current pod on every node is Healthy",
    fixture: "daemonset-ready.yaml",
    want: { status: "Healthy", message: "3 of 3 pods are available" },
  },
  {
    behaviour: "a DaemonSet replacing its pods node by node is Progressing",
    fixture: "daemonset-rolling-update.yaml",
    want: { status: "Progressing", message: "waiting for rollout: 1 of 3 nodes run the updated pod" },
  },
  {
    behaviour: "a ReplicaSet refused pods by a ResourceQuota is Degraded",
    fixture: "replicaset-quota-exceeded.yaml",
    want: {
      status: "Degraded",
      message:
        'FailedCreate: pods "web-5f6b7d9c8-zk2lp" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=1500m, limited: requests.cpu=2',
    },
  },
  {
    behaviour: "a running Pod that passes its readiness probe is Healthy",
    fixture: "pod-running-ready.yaml",
    want: { status: "Healthy", message: "pod is running and ready" },
  },
  {
    behaviour: "a Pod in CrashLoopBackOff is Degraded even though its phase is Running",
    fixture: "pod-crashloopbackoff.yaml",
    want: {
      status: "Degraded",
      message:
        "container web is waiting: CrashLoopBackOff: back-off 2m40s restarting failed container=web pod=web-5f6b7d9c8-q7wz4_shop(8c1d2e3f-4a5b-4c6d-9e7f-0a1b2c3d4e5f)",
    },
  },
  {
    behaviour: "a Pod that cannot pull its image is Degraded even though its phase is Pending",
    fixture: "pod-imagepullbackoff.yaml",
    want: {
      status: "Degraded",
      message:
        'container web is waiting: ImagePullBackOff: Back-off pulling image "ghcr.io/example/web:1.9.1": ErrImagePull: ghcr.io/example/web:1.9.1: not found',
    },
  },
  {
    behaviour: "an unschedulable Pod is Progressing with the scheduler's reason",
    fixture: "pod-pending-unschedulable.yaml",
    want: {
      status: "Progressing",
      message:
        "pending: Unschedulable: 0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
    },
  },
  {
    behaviour: "a Pod that ran to completion is Healthy",
    fixture: "pod-succeeded.yaml",
    want: { status: "Healthy", message: "pod has completed" },
  },
  {
    behaviour: "a Pod killed for running out of memory is Degraded",
    fixture: "pod-failed-oomkilled.yaml",
    want: { status: "Degraded", message: "container migrate exited with code 137 (OOMKilled)" },
  },
  {
    behaviour: "a completed Job is Healthy",
    fixture: "job-complete.yaml",
    want: { status: "Healthy", message: "job has completed" },
  },
  {
    behaviour: "a Job past its backoff limit is Degraded",
    fixture: "job-failed.yaml",
    want: {
      status: "Degraded",
      message: "BackoffLimitExceeded: Job has reached the specified backoff limit",
    },
  },
  {
    behaviour: "a suspended Job is Suspended",
    fixture: "job-suspended.yaml",
    want: { status: "Suspended", message: "job is suspended" },
  },
  {
    behaviour: "a Job with pods still running is Progressing",
    fixture: "job-running.yaml",
    want: { status: "Progressing", message: "job is running: 2 active, 2 of 5 succeeded" },
  },
  {
    behaviour: "a LoadBalancer Service without an external address is Progressing",
    fixture: "service-loadbalancer-pending.yaml",
    want: { status: "Progressing", message: "waiting for the load balancer to get an external address" },
  },
  {
    behaviour: "a LoadBalancer Service with an external address is Healthy",
    fixture: "service-loadbalancer-ready.yaml",
    want: { status: "Healthy", message: "load balancer at 203.0.113.40" },
  },
  {
    behaviour: "a ClusterIP Service is Healthy as soon as it exists",
    fixture: "service-clusterip.yaml",
    want: { status: "Healthy" },
  },
  {
    behaviour: "an Ingress no controller has published an address for is Progressing",
    fixture: "ingress-pending.yaml",
    want: { status: "Progressing", message: "waiting for an ingress controller to publish an address" },
  },
  {
    behaviour: "an Ingress with a published address is Healthy",
    fixture: "ingress-ready.yaml",
    want: { status: "Healthy", message: "served at a1b2c3d4e5f6-1234567890.eu-west-1.elb.amazonaws.com" },
  },
  {
    behaviour: "a PersistentVolumeClaim waiting for a volume is Progressing",
    fixture: "pvc-pending.yaml",
    want: { status: "Progressing", message: "waiting for a volume to be bound" },
  },
  {
    behaviour: "a bound PersistentVolumeClaim is Healthy",
    fixture: "pvc-bound.yaml",
    want: { status: "Healthy", message: "bound to volume pvc-7a8b9c0d-1e2f-4a3b-c4d5-e6f7a8b9c0d1" },
  },
  {
    behaviour: "a PersistentVolumeClaim whose volume is gone is Degraded",
    fixture: "pvc-lost.yaml",
    want: { status: "Degraded", message: "the bound volume no longer exists" },
  },
  {
    behaviour: "an autoscaler computing replicas from its metrics is Healthy",
    fixture: "hpa-healthy.yaml",
    want: { status: "Healthy", message: "autoscaler is active with 3 replicas" },
  },
  {
    behaviour: "an autoscaler that cannot read its metrics is Degraded",
    fixture: "hpa-failed-get-metrics.yaml",
    want: {
      status: "Degraded",
      message:
        "FailedGetResourceMetric: the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)",
    },
  },
  {
    behaviour: "an autoscaler pinned at maxReplicas is Healthy and says so",
    fixture: "hpa-scaling-limited.yaml",
    want: {
      status: "Healthy",
      message: "TooManyReplicas: the desired replica count is more than the maximum replica count",
    },
  },
  {
    behaviour: "an autoscaler read at autoscaling/v1 whose target was scaled to zero is Suspended",
    fixture: "hpa-v1-scaling-disabled.yaml",
    want: {
      status: "Suspended",
      message: "ScalingDisabled: scaling is disabled since the replica count of the target is zero",
    },
  },
  {
    behaviour: "an established CustomResourceDefinition is Healthy",
    fixture: "crd-established.yaml",
    want: { status: "Healthy", message: "the API server serves this resource" },
  },
  {
    behaviour: "a CustomResourceDefinition whose names conflict is Degraded",
    fixture: "crd-names-conflict.yaml",
    want: { status: "Degraded", message: 'ShortNamesConflict: "cert" is already in use' },
  },
  {
    behaviour: "an Active Namespace is Healthy",
    fixture: "namespace-active.yaml",
    want: { status: "Healthy" },
  },
  {
    behaviour: "a terminating Namespace is Progressing and names what holds it",
    fixture: "namespace-terminating.yaml",
    want: {
      status: "Progressing",
      message:
        "terminating: SomeResourcesRemain: Some resources are remaining: certificates.cert-manager.io has 1 resource instances",
    },
  },
  {
    behaviour: "a custom resource with Ready=True is Healthy",
    fixture: "kustomization-ready.yaml",
    want: {
      status: "Healthy",
      message:
        "ReconciliationSucceeded: Applied revision: main@sha1:3f5c2a1b9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b",
    },
  },
  {
    behaviour: "a Flux Kustomization retrying after a failed health check is Degraded and names the failure",
    fixture: "kustomization-reconciling.yaml",
    want: {
      status: "Degraded",
      message:
        "HealthCheckFailed: health check failed after 5m0s: timeout waiting for: [Deployment/shop/web status: 'InProgress']",
    },
  },
  {
    behaviour: "a custom resource with spec.suspend is Suspended",
    fixture: "kustomization-suspended.yaml",
    want: { status: "Suspended", message: "suspended (spec.suspend is true)" },
  },
  {
    behaviour: "a custom resource whose controller lags behind the spec is Progressing",
    fixture: "kustomization-generation-not-observed.yaml",
    want: {
      status: "Progressing",
      message: "waiting for the controller to observe generation 3 (observed 2)",
    },
  },
  {
    behaviour: "a Stalled custom resource is Degraded",
    fixture: "helmrelease-stalled.yaml",
    want: { status: "Degraded", message: "RetriesExceeded: Failed to install after 4 attempt(s)" },
  },
  {
    behaviour:
      "a Certificate whose last request failed is Degraded and says why (built-in cert-manager check)",
    fixture: "certificate-not-ready.yaml",
    want: {
      status: "Degraded",
      message:
        'Issuing certificate as Secret does not exist; The certificate request has failed to complete and will be retried: Failed to wait for order resource "shop-tls-1-2731891212" to become ready: order is in "errored" state',
    },
  },
  {
    behaviour: "an APIService served by the API server itself is Healthy",
    fixture: "apiservice-local.yaml",
    want: { status: "Healthy", message: "Local: Local APIServices are always available" },
  },
  {
    behaviour: "an APIService whose service answers discovery is Healthy",
    fixture: "apiservice-available.yaml",
    want: { status: "Healthy", message: "Passed: all checks passed" },
  },
  {
    behaviour: "an APIService whose service has no ready endpoints is Progressing",
    fixture: "apiservice-missing-endpoints.yaml",
    want: {
      status: "Progressing",
      message:
        'MissingEndpoints: endpointslices for service/metrics-server in "kube-system" have no addresses with port name "https"',
    },
  },
  {
    behaviour: "an APIService whose server fails the discovery check is Degraded",
    fixture: "apiservice-failed-discovery.yaml",
    want: {
      status: "Degraded",
      message:
        'FailedDiscoveryCheck: failing or missing response from https://10.96.12.40:443/apis/metrics.k8s.io/v1beta1: Get "https://10.96.12.40:443/apis/metrics.k8s.io/v1beta1": dial tcp 10.96.12.40:443: i/o timeout',
    },
  },
  {
    behaviour: "a ConfigMap, which has no status, is Healthy",
    fixture: "configmap.yaml",
    want: { status: "Healthy" },
  },
  {
    behaviour: "a suspended CronJob is Suspended through the generic spec.suspend rule",
    fixture: "cronjob-suspended.yaml",
    want: { status: "Suspended", message: "suspended (spec.suspend is true)" },
  },
  // App of apps (mooring.ts): child Applications and ApplicationSets as a parent's waves see them.
  {
    behaviour: "a child Application its controller has not looked at yet is Progressing, not Healthy",
    fixture: "application-not-reconciled.yaml",
    want: { status: "Progressing", message: "waiting for the controller to reconcile generation 1" },
  },
  {
    behaviour: "an Application whose first sync has only recorded its operation is Progressing",
    fixture: "application-first-sync-starting.yaml",
    want: { status: "Progressing", message: "waiting for the controller to reconcile generation 1" },
  },
  {
    behaviour: "a parent Application whose sync waits for a child's wave is Progressing, naming the child",
    fixture: "application-sync-running.yaml",
    want: {
      status: "Progressing",
      message:
        "sync running: waiting for wave 0 to become healthy: Application/mooring/aoa-a-b6qpz (Progressing: waiting for the controller to reconcile generation 1)",
    },
  },
  {
    behaviour: "a synced Application whose Deployment still rolls out is Progressing",
    fixture: "application-objects-progressing.yaml",
    want: {
      status: "Progressing",
      message:
        "reconciling: Deployment/aoa-a-b6qpz/api: waiting for rollout: 0 of 2 replicas have been updated",
    },
  },
  {
    behaviour: "an Application Ready, Synced and Healthy for its current generation is Healthy",
    fixture: "application-synced-healthy.yaml",
    want: { status: "Healthy", message: "Synced: synced to 5b4c3c299e and healthy" },
  },
  {
    behaviour: "a suspended Application is Suspended, whatever its last health",
    fixture: "application-suspended.yaml",
    want: { status: "Suspended", message: "suspended (spec.suspend is true)" },
  },
  {
    behaviour: "an Application whose objects are Degraded is Degraded, saying which object and why",
    fixture: "application-objects-degraded.yaml",
    want: {
      status: "Degraded",
      message:
        "degraded: Job/aoa-a-b6qpz/migrate: BackoffLimitExceeded: Job has reached the specified backoff limit",
    },
  },
  {
    behaviour: "an Application whose source cannot be rendered is Degraded with its Stalled reason",
    fixture: "application-source-stalled.yaml",
    want: {
      status: "Degraded",
      message:
        'stalled: RenderFailed: source path "no-such-folder" does not exist in the repository (looked for no-such-folder)',
    },
  },
  {
    behaviour: "an ApplicationSet that generated its Applications is Healthy",
    fixture: "applicationset-generated.yaml",
    want: { status: "Healthy", message: "ApplicationsGenerated: 2 Applications generated" },
  },
  {
    behaviour: "an ApplicationSet its controller has not looked at yet is Progressing",
    fixture: "applicationset-not-reconciled.yaml",
    want: { status: "Progressing", message: "waiting for the controller to generate from generation 1" },
  },
  {
    behaviour: "a Stalled ApplicationSet is Degraded with its reason",
    fixture: "applicationset-stalled.yaml",
    want: {
      status: "Degraded",
      message:
        'stalled: GenerationFailed: spec.template.metadata.name: the template uses parameter "missing", which no generator gave (parameters {n=x})',
    },
  },
];

describe("built-in health of real objects", () => {
  for (const c of CASES) {
    it(c.behaviour, () => {
      assert.deepEqual(assessHealth(fixture(c.fixture)), c.want);
    });
  }

  it("has a verdict for every fixture on disk", () => {
    const covered = new Set(CASES.map((c) => c.fixture));
    const onDisk = readdirSync(FIXTURES).filter((name) => name.endsWith(".yaml"));
    assert.deepEqual(
      onDisk.filter((name) => !covered.has(name)),
      [],
    );
    assert.deepEqual(
      [...covered].filter((name) => !onDisk.includes(name)),
      [],
    );
  });

  it("has a fixture for every kind in the table", () => {
    const kinds = new Set(CASES.map((c) => groupKindOf(fixture(c.fixture))));
    // Ingress.extensions shares its function with Ingress.networking.k8s.io.
    const missing = [...BUILTIN_HEALTH.keys()].filter(
      (key) => !kinds.has(key) && key !== "Ingress.extensions",
    );
    assert.deepEqual(missing, []);
  });
});

// biome-ignore lint/suspicious/noExplicitAny: edits reach deep into free-form spec and status JSON
type Editable = KubeObject & Record<string, any>;

/** A fixture with some fields replaced, for states between the captured ones. */
function variant(name: string, change: (obj: Editable) => void): KubeObject {
  const obj = fixture(name) as Editable;
  change(obj);
  return obj;
}

describe("built-in health edge cases", () => {
  const cases: { behaviour: string; obj: KubeObject; want: HealthResult }[] = [
    {
      behaviour: "a Deployment waits for old replicas to terminate after all new ones are up",
      obj: variant("deployment-progressing.yaml", (d) => {
        d.status.updatedReplicas = 3;
      }),
      want: { status: "Progressing", message: "waiting for rollout: 1 old replica is pending termination" },
    },
    {
      behaviour: "a Deployment without spec.replicas wants one replica, as the API server defaults it",
      obj: variant("deployment-available.yaml", (d) => {
        delete d.spec.replicas;
        d.status = { observedGeneration: 4 };
      }),
      want: { status: "Progressing", message: "waiting for rollout: 0 of 1 replicas have been updated" },
    },
    {
      behaviour: "a Deployment the controller has never seen is Progressing",
      obj: variant("deployment-available.yaml", (d) => {
        delete d.status;
      }),
      want: {
        status: "Progressing",
        message: "waiting for rollout: the deployment controller has not yet observed generation 4",
      },
    },
    {
      behaviour: "a StatefulSet canary is Progressing until the pods above the partition are updated",
      obj: variant("statefulset-partitioned.yaml", (s) => {
        s.status.updatedReplicas = 0;
      }),
      want: {
        status: "Progressing",
        message: "waiting for partitioned rollout: 0 of 1 pods at or above ordinal 2 have been updated",
      },
    },
    {
      behaviour: "a StatefulSet with OnDelete updates has no rollout to wait for",
      obj: variant("statefulset-rolling-update.yaml", (s) => {
        s.spec.updateStrategy = { type: "OnDelete" };
      }),
      want: { status: "Healthy", message: "3 pods are ready; OnDelete updates wait for pods to be deleted" },
    },
    {
      behaviour: "a DaemonSet waits for updated pods to become available",
      obj: variant("daemonset-rolling-update.yaml", (d) => {
        d.status.updatedNumberScheduled = 3;
      }),
      want: { status: "Progressing", message: "waiting for rollout: 2 of 3 updated pods are available" },
    },
    {
      behaviour: "a running Pod that fails its readiness probe is Progressing and names the container",
      obj: variant("pod-running-ready.yaml", (p) => {
        p.status.conditions.find((c: { type: string }) => c.type === "Ready").status = "False";
        p.status.containerStatuses[0].ready = false;
      }),
      want: { status: "Progressing", message: "waiting for containers to be ready: web" },
    },
    {
      behaviour: "a Pod meant to run to completion is Progressing while it runs",
      obj: variant("pod-running-ready.yaml", (p) => {
        p.spec.restartPolicy = "Never";
      }),
      want: { status: "Progressing", message: "pod is running to completion (restartPolicy Never)" },
    },
    {
      behaviour: "a Pod whose init container cannot find its ConfigMap key is Degraded",
      obj: variant("pod-pending-unschedulable.yaml", (p) => {
        p.status.conditions[0].status = "True";
        p.status.initContainerStatuses = [
          {
            name: "wait-for-db",
            ready: false,
            restartCount: 0,
            state: {
              waiting: { reason: "CreateContainerConfigError", message: 'configmap "db" not found' },
            },
          },
        ];
      }),
      want: {
        status: "Degraded",
        message: 'container wait-for-db is waiting: CreateContainerConfigError: configmap "db" not found',
      },
    },
    {
      behaviour: "a Pod still creating its containers is Progressing",
      obj: variant("pod-pending-unschedulable.yaml", (p) => {
        p.status.conditions[0].status = "True";
        p.status.containerStatuses = [
          { name: "web", ready: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } },
        ];
      }),
      want: { status: "Progressing", message: "pending: container web is waiting: ContainerCreating" },
    },
    {
      behaviour: "a Pod being deleted is Progressing",
      obj: variant("pod-running-ready.yaml", (p) => {
        p.metadata.deletionTimestamp = "2026-03-05T23:00:00Z";
      }),
      want: { status: "Progressing", message: "pod is terminating" },
    },
    {
      behaviour: "an autoscaler that just scaled and backs off is not failing",
      obj: variant("hpa-healthy.yaml", (h) => {
        h.status.conditions[0] = { type: "AbleToScale", status: "False", reason: "BackoffBoth" };
      }),
      want: { status: "Healthy", message: "autoscaler is active with 3 replicas" },
    },
    {
      behaviour: "an autoscaler that cannot update its target's scale is Degraded",
      obj: variant("hpa-healthy.yaml", (h) => {
        h.status.conditions[0] = {
          type: "AbleToScale",
          status: "False",
          reason: "FailedUpdateScale",
          message: "the HPA controller was unable to update the target scale",
        };
      }),
      want: {
        status: "Degraded",
        message: "FailedUpdateScale: the HPA controller was unable to update the target scale",
      },
    },
    {
      behaviour: "a new autoscaler without conditions is Progressing",
      obj: variant("hpa-healthy.yaml", (h) => {
        delete h.status.conditions;
      }),
      want: { status: "Progressing", message: "waiting for the autoscaler to report its conditions" },
    },
    {
      behaviour: "a CustomResourceDefinition not yet established is Progressing",
      obj: variant("crd-established.yaml", (c) => {
        c.status.conditions[1].status = "False";
      }),
      want: { status: "Progressing", message: "waiting for the API server to establish the resource" },
    },
    {
      behaviour: "an APIService the availability controller has not checked yet is Progressing",
      obj: variant("apiservice-available.yaml", (a) => {
        delete a.status;
      }),
      want: {
        status: "Progressing",
        message: "waiting for the API server to check the service's availability",
      },
    },
    {
      behaviour: "an APIService whose Service does not exist yet is Progressing",
      obj: variant("apiservice-missing-endpoints.yaml", (a) => {
        a.status.conditions[0].reason = "ServiceNotFound";
        a.status.conditions[0].message = 'service/metrics-server in "kube-system" is not present';
      }),
      want: {
        status: "Progressing",
        message: 'ServiceNotFound: service/metrics-server in "kube-system" is not present',
      },
    },
    {
      behaviour: "an APIService naming a port its Service lacks is Degraded",
      obj: variant("apiservice-missing-endpoints.yaml", (a) => {
        a.status.conditions[0].reason = "ServicePortError";
        a.status.conditions[0].message =
          'service/metrics-server in "kube-system" is not listening on port 443';
      }),
      want: {
        status: "Degraded",
        message: 'ServicePortError: service/metrics-server in "kube-system" is not listening on port 443',
      },
    },
    {
      behaviour: "an APIService whose Service cannot be read is Progressing, not Degraded",
      obj: variant("apiservice-missing-endpoints.yaml", (a) => {
        a.status.conditions[0].status = "Unknown";
        a.status.conditions[0].reason = "ServiceAccessError";
        a.status.conditions[0].message =
          'service/metrics-server in "kube-system" cannot be checked due to: timeout';
      }),
      want: {
        status: "Progressing",
        message:
          'ServiceAccessError: service/metrics-server in "kube-system" cannot be checked due to: timeout',
      },
    },
    {
      behaviour: "a custom resource being deleted is Progressing and names its finalizers",
      obj: variant("kustomization-ready.yaml", (k) => {
        k.metadata.deletionTimestamp = "2026-03-05T23:00:00Z";
      }),
      want: { status: "Progressing", message: "being deleted: waiting for finalizers finalizers.fluxcd.io" },
    },
    {
      behaviour: "a custom resource whose readiness is not yet known is Progressing",
      obj: variant("kustomization-ready.yaml", (k) => {
        k.status.conditions = [
          { type: "Ready", status: "Unknown", reason: "Progressing", message: "reconciliation in progress" },
        ];
      }),
      want: { status: "Progressing", message: "Progressing: reconciliation in progress" },
    },
  ];
  for (const c of cases) {
    it(c.behaviour, () => {
      assert.deepEqual(builtinHealth(c.obj), c.want);
    });
  }

  it("by the generic kstatus rules, a custom resource with Ready=False that is still reconciling is Progressing", () => {
    assert.deepEqual(genericHealth(fixture("kustomization-reconciling.yaml")), {
      status: "Progressing",
      message:
        "ProgressingWithRetry: Detecting drift for revision main@sha1:9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b with a timeout of 5m0s",
    });
  });

  it("a custom resource of a kind without a built-in check follows the generic kstatus rules", () => {
    const widget = (conditions: unknown[]) =>
      variant("kustomization-ready.yaml", (k) => {
        k.apiVersion = "widgets.example.com/v1";
        k.kind = "Widget";
        k.status.conditions = conditions;
      });
    assert.deepEqual(
      builtinHealth(
        widget([{ type: "Stalled", status: "True", reason: "InvalidSpec", message: "size is negative" }]),
      ),
      { status: "Degraded", message: "InvalidSpec: size is negative" },
    );
    assert.deepEqual(builtinHealth(widget([{ type: "Ready", status: "True", reason: "Succeeded" }])), {
      status: "Healthy",
      message: "Succeeded",
    });
    assert.deepEqual(builtinHealth(widget([])), { status: "Healthy" });
  });

  it("reads a status of the wrong shape as absent instead of throwing", () => {
    const odd = variant("deployment-available.yaml", (d) => {
      d.status = { observedGeneration: "4", conditions: "none", replicas: null };
    });
    assert.deepEqual(builtinHealth(odd), {
      status: "Progressing",
      message: "waiting for rollout: the deployment controller has not yet observed generation 4",
    });
  });
});

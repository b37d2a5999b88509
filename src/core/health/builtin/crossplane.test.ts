import { describeFixtures } from "./fixtures/cases.ts";

describeFixtures("Crossplane health", [
  {
    behaviour: "a managed resource that is Ready and Synced is Healthy",
    fixture: "managed-bucket-ready.yaml",
    want: { status: "Healthy", message: "Resource is up-to-date." },
  },
  {
    behaviour: "a managed resource being created is Progressing",
    fixture: "managed-bucket-creating.yaml",
    want: { status: "Progressing", message: "Provisioning ..." },
  },
  {
    behaviour: "a managed resource the provider cannot reconcile is Degraded with the provider's error",
    fixture: "managed-instance-sync-error.yaml",
    want: {
      status: "Degraded",
      message:
        "observe failed: cannot run refresh: refresh failed: InvalidParameterCombination: Cannot find version 11.2 for postgres",
    },
  },
  {
    behaviour: "a managed resource paused by annotation is Suspended, not Degraded",
    fixture: "managed-bucket-paused.yaml",
    want: {
      status: "Suspended",
      message: "reconciliation is paused: Reconciliation is paused via the pause annotation",
    },
  },
  {
    behaviour: "a composite resource in a group the platform team chose is recognised by its conditions",
    fixture: "composite-custom-group-ready.yaml",
    want: { status: "Healthy", message: "Resource is up-to-date." },
  },
  {
    behaviour: "a composite resource waiting for its composed resources is Progressing, not Degraded",
    fixture: "composite-custom-group-creating.yaml",
    want: { status: "Progressing", message: "Provisioning ..." },
  },
  {
    behaviour: "a Provider whose package revision is unhealthy is Degraded",
    fixture: "provider-unhealthy.yaml",
    want: {
      status: "Degraded",
      message:
        'UnhealthyPackageRevision: Package runtime health is "False" with message: provider package deployment is unavailable with message: Deployment does not have minimum availability.',
    },
  },
  {
    behaviour: "a ProviderConfig, which never gets a status, is Healthy",
    fixture: "providerconfig-no-status.yaml",
    want: { status: "Healthy", message: "Resource is up-to-date." },
  },
]);

import { describeFixtures } from "./fixtures/cases.ts";

describeFixtures("External Secrets health", [
  {
    behaviour: "an ExternalSecret whose Secret was written is Healthy",
    fixture: "externalsecret-synced.yaml",
    want: { status: "Healthy", message: "Secret was synced" },
  },
  {
    behaviour: "an ExternalSecret that cannot read its provider is Degraded",
    fixture: "externalsecret-sync-error.yaml",
    want: {
      status: "Degraded",
      message: 'could not get secret data from provider: key "shop/db" from ExternalSecret "db-credentials"',
    },
  },
  {
    behaviour: "an OnChange ExternalSecret refreshed after its last Ready condition is Progressing",
    fixture: "externalsecret-onchange-refreshing.yaml",
    want: { status: "Progressing", message: "Waiting for ExternalSecret" },
  },
  {
    behaviour: "a new ExternalSecret is Progressing",
    fixture: "externalsecret-new.yaml",
    want: { status: "Progressing", message: "Waiting for ExternalSecret" },
  },
  {
    behaviour: "a SecretStore the operator cannot validate is Degraded",
    fixture: "secretstore-invalid.yaml",
    want: { status: "Degraded", message: "unable to validate store" },
  },
  {
    behaviour: "a validated ClusterSecretStore is Healthy",
    fixture: "clustersecretstore-valid.yaml",
    want: { status: "Healthy", message: "store validated" },
  },
]);

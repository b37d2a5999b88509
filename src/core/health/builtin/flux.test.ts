import { describeFixtures } from "./fixtures/cases.ts";

// More Flux states (suspended, reconciling, stalled, spec not yet observed) are in ../kinds.test.ts.
describeFixtures("Flux health", [
  {
    behaviour: "an upgraded HelmRelease is Healthy",
    fixture: "helmrelease-ready.yaml",
    want: {
      status: "Healthy",
      message:
        "UpgradeSucceeded: Helm upgrade succeeded for release shop/podinfo.v2 with chart podinfo@6.5.4",
    },
  },
  {
    behaviour:
      "a GitRepository retrying a failed fetch is Degraded, though Flux has not yet recorded the new generation as observed",
    fixture: "gitrepository-auth-failed.yaml",
    want: {
      status: "Degraded",
      message:
        "GitOperationFailed: failed to checkout and determine revision: unable to list remote for 'https://github.com/example/podinfo-private': authentication required",
    },
  },
  {
    behaviour: "an OCIRepository Flux has not reconciled yet is Progressing",
    fixture: "ocirepository-new.yaml",
    want: { status: "Progressing", message: "waiting for the controller to report readiness" },
  },
]);

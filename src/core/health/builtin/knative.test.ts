import { describeFixtures } from "./fixtures/cases.ts";

describeFixtures("Knative Service health", [
  {
    behaviour: "a Service whose configuration and route are ready is Healthy",
    fixture: "knative-service-ready.yaml",
    want: { status: "Healthy", message: "Knative Service is healthy." },
  },
  {
    behaviour: "a Service whose latest revision failed is Degraded and says which conditions failed",
    fixture: "knative-service-revision-failed.yaml",
    want: {
      status: "Degraded",
      message:
        'ConfigurationsReady is False, since RevisionFailed. Revision "hello-00002" failed with message: Container failed with: container exited with no error.; Ready is False, since RevisionFailed. Revision "hello-00002" failed with message: Container failed with: container exited with no error.',
    },
  },
  {
    behaviour: "a Service waiting for its first revision is Progressing",
    fixture: "knative-service-deploying.yaml",
    want: {
      status: "Progressing",
      message:
        'ConfigurationsReady is Unknown; Ready is Unknown, since RevisionMissing. Configuration "hello" is waiting for a Revision to become ready.; RoutesReady is Unknown, since RevisionMissing. Configuration "hello" is waiting for a Revision to become ready.',
    },
  },
]);

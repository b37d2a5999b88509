import { describeFixtures } from "./fixtures/cases.ts";

describeFixtures("KEDA ScaledObject health", [
  {
    behaviour: "a ScaledObject ready for scaling is Healthy",
    fixture: "scaledobject-ready.yaml",
    want: { status: "Healthy", message: "ScaledObject is defined correctly and is ready for scaling" },
  },
  {
    behaviour: "a paused ScaledObject is Suspended",
    fixture: "scaledobject-paused.yaml",
    want: { status: "Suspended", message: "ScaledObject is paused" },
  },
  {
    behaviour: "a ScaledObject falling back to fixed replicas is Degraded",
    fixture: "scaledobject-fallback.yaml",
    want: { status: "Degraded", message: "At least one trigger is falling back on this scaled object" },
  },
  {
    behaviour: "a ScaledObject with invalid triggers is Degraded",
    fixture: "scaledobject-invalid-triggers.yaml",
    want: { status: "Degraded", message: "ScaledObject doesn't have correct triggers specification" },
  },
  {
    behaviour: "a ScaledObject whose HPA has no metrics yet is Progressing",
    fixture: "scaledobject-hpa-metrics-unavailable.yaml",
    want: {
      status: "Progressing",
      message: "ScaledObject is configured correctly but HPA is not healthy: FailedGetResourceMetric",
    },
  },
]);

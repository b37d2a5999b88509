import { describeFixtures } from "./fixtures/cases.ts";

describeFixtures("cert-manager health", [
  {
    behaviour: "an issued Certificate is Healthy",
    fixture: "certificate-issued.yaml",
    want: { status: "Healthy", message: "Certificate is up to date and has not expired" },
  },
  {
    behaviour: "a Certificate being issued is Progressing even though Ready is False",
    fixture: "certificate-issuing.yaml",
    want: { status: "Progressing", message: "Issuing certificate as Secret does not exist" },
  },
  {
    behaviour: "an Issuer whose CA key pair was verified is Healthy",
    fixture: "issuer-ready.yaml",
    want: { status: "Healthy", message: "Signing CA verified" },
  },
  {
    behaviour: "a ClusterIssuer that cannot register its ACME account is Degraded",
    fixture: "clusterissuer-acme-failed.yaml",
    want: { status: "Degraded", message: "Failed to verify ACME account: acme: : 404 page not found" },
  },
  {
    behaviour: "an Issuer cert-manager has not looked at yet is Progressing",
    fixture: "issuer-new.yaml",
    want: { status: "Progressing", message: "Initializing issuer" },
  },
]);

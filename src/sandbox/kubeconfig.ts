// Kubeconfig files for a sandbox: one for the user (admin) and one per component identity.
// Certificates are embedded, so a kubeconfig works when copied elsewhere. Pure.

export interface KubeconfigInput {
  /** Cluster, user and context names are derived from it, e.g. `sandbox-a`. */
  contextName: string;
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
}

const b64 = (pem: string) => Buffer.from(pem, "utf8").toString("base64");

/** A kubeconfig document; JSON is valid YAML, and kubectl reads it as is. */
export function renderKubeconfig(input: KubeconfigInput): string {
  const name = input.contextName;
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server: input.server, "certificate-authority-data": b64(input.caPem) } }],
    users: [
      {
        name,
        user: { "client-certificate-data": b64(input.certPem), "client-key-data": b64(input.keyPem) },
      },
    ],
    contexts: [{ name, context: { cluster: name, user: name } }],
    "current-context": name,
    preferences: {},
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

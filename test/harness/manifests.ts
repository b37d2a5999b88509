// The small web app end-to-end tests deploy from Git: a Deployment "web" running nginx and its
// Service "web", as YAML files a repository holds. Tests vary only what their story changes (the
// replica count, an env var a new commit bumps, an annotation), so each reads as "the web app,
// but with …". Shared with bench/, which deploys the same app.

export interface WebDeploymentOptions {
  /** spec.replicas; default 2. */
  replicas?: number;
  /** Env vars of the web container, in order: a new value is a new pod template. */
  env?: Record<string, string>;
  /** The port the container declares, when the story needs one. */
  containerPort?: number;
  /** The Deployment's, label's and container's name, for a second app beside web; default `web`. */
  name?: string;
  /** spec.template.spec.hostNetwork: true, when the story needs the pods on the node's network. */
  hostNetwork?: boolean;
}

/** Deployment "web" (or `name`; label app=<name>, image nginx:1.27) as YAML. */
export function webDeployment(options: WebDeploymentOptions = {}): string {
  const env = Object.entries(options.env ?? {}).map(
    ([name, value]) => `{ name: ${name}, value: "${value}" }`,
  );
  const name = options.name ?? "web";
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${options.replicas ?? 2}
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
${options.hostNetwork ? "      hostNetwork: true\n" : ""}      containers:
        - name: ${name}
          image: nginx:1.27
${options.containerPort === undefined ? "" : `          ports: [{ containerPort: ${options.containerPort} }]\n`}${env.length === 0 ? "" : `          env: [${env.join(", ")}]\n`}`;
}

export interface WebServiceOptions {
  /** Where port 80 forwards to in the pods; unset, Kubernetes uses 80. */
  targetPort?: number;
  annotations?: Record<string, string>;
}

/** Service "web" on port 80 selecting app=web, as YAML. */
export function webService(options: WebServiceOptions = {}): string {
  const annotations = Object.entries(options.annotations ?? {}).map(([key, value]) => `${key}: "${value}"`);
  const port =
    options.targetPort === undefined ? "{ port: 80 }" : `{ port: 80, targetPort: ${options.targetPort} }`;
  return `apiVersion: v1
kind: Service
metadata:
  name: web
${annotations.length === 0 ? "" : `  annotations: { ${annotations.join(", ")} }\n`}spec:
  selector: { app: web }
  ports: [${port}]
`;
}

// What the demo repository holds at first: a small web app as people write them — a
// Deployment, its Service and a ConfigMap — in one folder Mooring renders as plain YAML.
export const DEMO_PATH = "apps/web";

export const DEMO_FILES: Record<string, string> = {
  "README.md": `# Mooring demo repository

Everything under apps/web is deployed by the Application "demo" in namespace "demo".
Change a file, commit and push; Mooring syncs it within seconds. Try:

    sed -i 's/replicas: 2/replicas: 3/' apps/web/deployment.yaml
    git commit -am "three web replicas" && git push
`,
  "apps/web/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports: [{ containerPort: 80 }]
`,
  "apps/web/service.yaml": `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: { app: web }
  ports: [{ port: 80, targetPort: 80 }]
`,
  "apps/web/config.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  greeting: "Hello from Git"
`,
};

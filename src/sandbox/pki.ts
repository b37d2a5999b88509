// The sandbox's certificate authority and keys, made with the openssl CLI. Like a kubeadm cluster:
// one CA signs the apiserver's serving certificate and a client certificate per identity (the
// Subject's CN is the user name and O the group, which is what RBAC sees); a separate key pair
// signs and verifies service-account tokens.
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { runChecked } from "../util/exec.ts";
import { IDENTITIES, type Identity, KUBERNETES_SERVICE_IP } from "./layout.ts";

const CURVE = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
const DAYS = "3650";

export interface Pem {
  cert: string;
  key: string;
}

export async function createPki(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const p = (file: string) => join(dir, file);
  await openssl([
    "req",
    "-x509",
    ...CURVE,
    "-keyout",
    p("ca.key"),
    "-out",
    p("ca.crt"),
    "-subj",
    "/CN=mooring-sandbox-ca",
    "-days",
    DAYS,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
  ]);
  const signed = (name: string, subject: string, extensions: string[]) =>
    openssl([
      "req",
      "-x509",
      ...CURVE,
      "-keyout",
      p(`${name}.key`),
      "-out",
      p(`${name}.crt`),
      "-subj",
      subject,
      "-days",
      DAYS,
      "-CA",
      p("ca.crt"),
      "-CAkey",
      p("ca.key"),
      "-addext",
      "basicConstraints=critical,CA:FALSE",
      "-addext",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      ...extensions.flatMap((e) => ["-addext", e]),
    ]);
  const sans = [
    "IP:127.0.0.1",
    `IP:${KUBERNETES_SERVICE_IP}`,
    "DNS:localhost",
    "DNS:kubernetes",
    "DNS:kubernetes.default",
    "DNS:kubernetes.default.svc",
    "DNS:kubernetes.default.svc.cluster.local",
  ];
  const jobs = [
    signed("apiserver", "/CN=kube-apiserver", [
      "extendedKeyUsage=serverAuth",
      `subjectAltName=${sans.join(",")}`,
    ]),
    ...Object.entries(IDENTITIES).map(([identity, { cn, org }]) =>
      signed(identity, org ? `/O=${org}/CN=${cn}` : `/CN=${cn}`, ["extendedKeyUsage=clientAuth"]),
    ),
    openssl([
      "genpkey",
      "-algorithm",
      "EC",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-out",
      p("sa.key"),
    ]).then(() => openssl(["pkey", "-in", p("sa.key"), "-pubout", "-out", p("sa.pub")])),
  ];
  await Promise.all(jobs);
}

export async function readClientPem(dir: string, identity: Identity): Promise<Pem> {
  return {
    cert: await readFile(join(dir, `${identity}.crt`), "utf8"),
    key: await readFile(join(dir, `${identity}.key`), "utf8"),
  };
}

export function readCaPem(dir: string): Promise<string> {
  return readFile(join(dir, "ca.crt"), "utf8");
}

async function openssl(args: string[]): Promise<void> {
  await runChecked("openssl", args, { timeoutMs: 30_000 });
}

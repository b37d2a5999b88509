// The admin that `moor install` bootstraps. Its password lives in the Secret
// mooring/mooring-initial-admin (key `password`) until an operator changes it; an operator's first
// step is to read it there and log in, and so is an end-to-end test's.
import assert from "node:assert/strict";
import { kubectlOk } from "./cluster.ts";
import type { RunningServer } from "./server.ts";

/** The bootstrapped admin's password, read from the Secret mooring-initial-admin. */
export async function initialAdminPassword(): Promise<string> {
  const encoded = await kubectlOk([
    "get",
    "secret",
    "mooring-initial-admin",
    "-n",
    "mooring",
    "-o",
    "jsonpath={.data.password}",
  ]);
  return Buffer.from(encoded, "base64").toString("utf8");
}

/**
 * Logs in over the API as the bootstrapped admin (a `session: "token"` login) and returns the
 * bearer token; fails the test, with the server's answer, when the login is refused.
 */
export async function adminToken(server: RunningServer, password?: string): Promise<string> {
  const res = await server.api("/session", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      username: "admin",
      password: password ?? (await initialAdminPassword()),
      session: "token",
    }),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `admin login: ${text}`);
  return String((JSON.parse(text) as { token: string }).token);
}

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { liveDbSecret } from "./compare-fixtures.ts";
import { maskSecret, maskSecretPair } from "./mask.ts";
import type { KubeObject } from "./objects.ts";

const CLEAR = ["czNjcmV0IQ==", "c2hvcA==", "s3cret!", "hunter2", "aHVudGVyMg=="];

function assertNothingClear(...objects: (KubeObject | null)[]): void {
  const text = JSON.stringify(objects);
  for (const value of CLEAR) assert.equal(text.includes(value), false, `${value} left in clear`);
}

function withPassword(password: string): KubeObject {
  const secret = liveDbSecret();
  secret.data = { ...(secret.data as object), password };
  return secret;
}

describe("maskSecret", () => {
  it("replaces every data and stringData value and keeps the keys", () => {
    const secret = liveDbSecret();
    secret.stringData = { extra: "hunter2" };
    const masked = maskSecret(secret);
    assert.deepEqual(masked.data, { password: "++++++++", username: "++++++++" });
    assert.deepEqual(masked.stringData, { extra: "++++++++" });
    assertNothingClear(masked);
  });

  it("masks the last-applied annotation, which holds a full copy of the Secret", () => {
    const masked = maskSecret(liveDbSecret());
    assert.equal(
      masked.metadata.annotations?.["kubectl.kubernetes.io/last-applied-configuration"],
      "++++++++",
    );
    assert.equal(
      masked.metadata.annotations?.["mooring.dev/tracking-id"],
      "mooring/shop:/Secret:shop/db",
      "other annotations stay readable",
    );
  });

  it("masks a malformed data field as a whole", () => {
    const secret = liveDbSecret();
    secret.data = "czNjcmV0IQ==";
    assertNothingClear(maskSecret(secret));
  });

  it("leaves a ConfigMap's data readable", () => {
    const configMap: KubeObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "settings", namespace: "shop" },
      data: { LOG_LEVEL: "debug" },
    };
    assert.deepEqual(maskSecret(configMap), configMap);
  });

  it("leaves a kind called Secret in another API group alone", () => {
    const other: KubeObject = {
      apiVersion: "vault.example.com/v1",
      kind: "Secret",
      metadata: { name: "db" },
      data: { path: "kv/shop/db" },
    };
    assert.deepEqual(maskSecret(other).data, { path: "kv/shop/db" });
  });

  it("does not touch its input", () => {
    const secret = liveDbSecret();
    maskSecret(secret);
    assert.deepEqual(secret, liveDbSecret());
  });
});

describe("maskSecretPair", () => {
  it("gives an unchanged value the same mask on both sides", () => {
    const { live, desired } = maskSecretPair(liveDbSecret(), liveDbSecret());
    assert.deepEqual(live?.data, desired?.data);
  });

  it("gives a changed value a different mask, and reveals neither", () => {
    const { live, desired } = maskSecretPair(liveDbSecret(), withPassword("aHVudGVyMg=="));
    const liveData = live?.data as Record<string, string>;
    const desiredData = desired?.data as Record<string, string>;
    assert.notEqual(liveData.password, desiredData.password);
    assert.equal(liveData.username, desiredData.username);
    assertNothingClear(live, desired);
  });

  it("numbers masks by first appearance, live side first", () => {
    const live0 = liveDbSecret();
    const desired0 = withPassword("aHVudGVyMg==");
    for (const secret of [live0, desired0]) delete secret.metadata.annotations;
    const { live, desired } = maskSecretPair(live0, desired0);
    assert.deepEqual(live?.data, { password: "++++++++ (1)", username: "++++++++ (2)" });
    assert.deepEqual(desired?.data, { password: "++++++++ (3)", username: "++++++++ (2)" });
  });

  it("gives two keys holding the same value the same mask", () => {
    const secret = liveDbSecret();
    secret.data = { a: "c2hvcA==", b: "c2hvcA==" };
    const { desired } = maskSecretPair(null, secret);
    assert.deepEqual(desired?.data, { a: "++++++++ (1)", b: "++++++++ (1)" });
  });

  it("tells stringData text from the same text under data, which would be base64", () => {
    const secret = liveDbSecret();
    secret.data = { token: "abc" };
    secret.stringData = { token: "abc" };
    const { desired } = maskSecretPair(null, secret);
    assert.notDeepEqual(desired?.data, desired?.stringData);
  });

  it("shows a changed last-applied copy as changed without revealing it", () => {
    const changed = withPassword("aHVudGVyMg==");
    const annotations = changed.metadata.annotations as Record<string, string>;
    annotations["kubectl.kubernetes.io/last-applied-configuration"] = '{"data":{"password":"aHVudGVyMg=="}}';
    const { live, desired } = maskSecretPair(liveDbSecret(), changed);
    const key = "kubectl.kubernetes.io/last-applied-configuration";
    assert.notEqual(live?.metadata.annotations?.[key], desired?.metadata.annotations?.[key]);
    assertNothingClear(live, desired);
  });

  it("masks a one-sided pair, as for a Secret to create", () => {
    const { live, desired } = maskSecretPair(null, liveDbSecret());
    assert.equal(live, null);
    assertNothingClear(desired);
  });
});

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import {
  MAX_WEBHOOK_BODY_BYTES,
  readPayload,
  signWebhookBody,
  type VerifiedDelivery,
  verifyWebhook,
  type WebhookRefusalCode,
} from "./verify.ts";

const SECRET = "s3cret-for-tests";
const BODY = Buffer.from('{"ref":"refs/heads/main","after":"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"}');
const HEX = createHmac("sha256", SECRET).update(BODY).digest("hex");
const SIGNED = `sha256=${HEX}`;

type Headers = Record<string, string>;

const signedRequests: [
  name: string,
  forge: string,
  headers: Headers,
  expected: Omit<VerifiedDelivery, "ok">,
][] = [
  [
    "a GitHub push signed with X-Hub-Signature-256",
    "github",
    {
      "x-hub-signature-256": SIGNED,
      "x-github-event": "push",
      "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    },
    { forge: "github", kind: "push", eventName: "push", deliveryId: "72d3162e-cc78-11e3-81ab-4c9367dc0958" },
  ],
  [
    "a GitHub ping",
    "github",
    { "x-hub-signature-256": SIGNED, "x-github-event": "ping", "x-github-delivery": "p1" },
    { forge: "github", kind: "ping", eventName: "ping", deliveryId: "p1" },
  ],
  [
    "a Gitea push signed with bare hex in X-Gitea-Signature",
    "gitea",
    {
      "x-gitea-signature": HEX,
      "x-gitea-event": "push",
      "x-gitea-delivery": "f6266f16-1bf3-46a5-9ea4-602e06ead473",
    },
    { forge: "gitea", kind: "push", eventName: "push", deliveryId: "f6266f16-1bf3-46a5-9ea4-602e06ead473" },
  ],
  [
    "a Gitea push with every header Gitea sends, the legacy SHA-1 one included",
    "gitea",
    {
      "x-gitea-signature": HEX,
      "x-gogs-signature": HEX,
      "x-hub-signature": "sha1=0000000000000000000000000000000000000000",
      "x-hub-signature-256": SIGNED,
      "x-gitea-event": "push",
      "x-gitea-event-type": "push",
      "x-gitea-delivery": "g1",
      "x-gogs-event": "push",
      "x-gogs-delivery": "g1",
      "x-github-event": "push",
      "x-github-delivery": "g1",
    },
    { forge: "gitea", kind: "push", eventName: "push", deliveryId: "g1" },
  ],
  [
    "a Forgejo push signed with X-Forgejo-Signature",
    "gitea",
    { "x-forgejo-signature": HEX, "x-forgejo-event": "push", "x-forgejo-delivery": "fj1" },
    { forge: "gitea", kind: "push", eventName: "push", deliveryId: "fj1" },
  ],
  [
    "a Gitea push carrying only GitHub's X-Hub-Signature-256",
    "gitea",
    { "x-hub-signature-256": SIGNED, "x-gitea-event": "push", "x-gitea-delivery": "g2" },
    { forge: "gitea", kind: "push", eventName: "push", deliveryId: "g2" },
  ],
  [
    "a GitLab tag push with its token",
    "gitlab",
    {
      "x-gitlab-token": SECRET,
      "x-gitlab-event": "Tag Push Hook",
      "x-gitlab-event-uuid": "13792a34-cac6-4fda-95a8-c58e00a3954e",
    },
    {
      forge: "gitlab",
      kind: "push",
      eventName: "Tag Push Hook",
      deliveryId: "13792a34-cac6-4fda-95a8-c58e00a3954e",
    },
  ],
  [
    "a GitLab push naming its idempotency key as the delivery",
    "gitlab",
    {
      "x-gitlab-token": SECRET,
      "x-gitlab-event": "Push Hook",
      "x-gitlab-event-uuid": "ev",
      "x-gitlab-idempotency-key": "idem",
    },
    { forge: "gitlab", kind: "push", eventName: "Push Hook", deliveryId: "idem" },
  ],
  [
    "a Bitbucket Cloud push signed with X-Hub-Signature",
    "bitbucket",
    { "x-hub-signature": SIGNED, "x-event-key": "repo:push", "x-request-uuid": "b1" },
    { forge: "bitbucket", kind: "push", eventName: "repo:push", deliveryId: "b1" },
  ],
  [
    "a generic push signed with X-Mooring-Signature",
    "generic",
    { "x-mooring-signature": SIGNED, "x-mooring-event": "push", "x-mooring-delivery": "ci-42" },
    { forge: "generic", kind: "push", eventName: "push", deliveryId: "ci-42" },
  ],
  [
    "a signature in upper-case hex",
    "github",
    {
      "x-hub-signature-256": `sha256=${HEX.toUpperCase()}`,
      "x-github-event": "push",
      "x-github-delivery": "u1",
    },
    { forge: "github", kind: "push", eventName: "push", deliveryId: "u1" },
  ],
];

describe("verifyWebhook accepts", () => {
  for (const [name, forge, headers, expected] of signedRequests)
    it(name, () => {
      assert.deepEqual(verifyWebhook({ forge, headers, body: BODY }, { secrets: [SECRET] }), {
        ok: true,
        ...expected,
      });
    });

  it("a delivery signed with the old secret while a new one is being rolled out", () => {
    const result = verifyWebhook(
      {
        forge: "github",
        headers: { "x-hub-signature-256": SIGNED, "x-github-event": "push", "x-github-delivery": "r1" },
        body: BODY,
      },
      { secrets: ["the-new-secret", SECRET] },
    );
    assert.equal(result.ok, true);
  });

  it("Fetch API headers, looked up case-insensitively", () => {
    const headers = new Headers({
      "X-Hub-Signature-256": SIGNED,
      "X-GitHub-Event": "push",
      "X-GitHub-Delivery": "h1",
    });
    assert.equal(verifyWebhook({ forge: "github", headers, body: BODY }, { secrets: [SECRET] }).ok, true);
  });

  it("a body of exactly the limit", () => {
    const body = Buffer.alloc(MAX_WEBHOOK_BODY_BYTES, 0x20);
    const headers = {
      "x-mooring-signature": signWebhookBody(SECRET, body),
      "x-mooring-event": "push",
      "x-mooring-delivery": "big",
    };
    assert.equal(verifyWebhook({ forge: "generic", headers, body }, { secrets: [SECRET] }).ok, true);
  });
});

describe("verifyWebhook refuses", () => {
  const github = { "x-github-event": "push", "x-github-delivery": "d1" };
  const cases: [
    name: string,
    forge: string,
    headers: Headers,
    body: Uint8Array,
    secrets: string[],
    code: WebhookRefusalCode,
    status: number,
  ][] = [
    [
      "an endpoint for an unknown forge",
      "gogs",
      { ...github, "x-hub-signature-256": SIGNED },
      BODY,
      [SECRET],
      "unknown-forge",
      404,
    ],
    [
      "a body over 1 MiB, before checking its signature",
      "github",
      github,
      Buffer.alloc(MAX_WEBHOOK_BODY_BYTES + 1),
      [SECRET],
      "body-too-large",
      413,
    ],
    [
      "any delivery when no secret is configured",
      "github",
      { ...github, "x-hub-signature-256": SIGNED },
      BODY,
      [],
      "no-secret-configured",
      401,
    ],
    [
      "a delivery signed with the empty secret when only an empty secret is configured",
      "github",
      { ...github, "x-hub-signature-256": signWebhookBody("", BODY) },
      BODY,
      [""],
      "no-secret-configured",
      401,
    ],
    ["a delivery without a signature", "github", github, BODY, [SECRET], "missing-signature", 401],
    [
      "a GitHub delivery with only the legacy SHA-1 X-Hub-Signature",
      "github",
      { ...github, "x-hub-signature": "sha1=0123" },
      BODY,
      [SECRET],
      "missing-signature",
      401,
    ],
    [
      "a signature made with another secret",
      "github",
      { ...github, "x-hub-signature-256": signWebhookBody("other", BODY) },
      BODY,
      [SECRET],
      "bad-signature",
      401,
    ],
    [
      "a signature over another body",
      "github",
      { ...github, "x-hub-signature-256": SIGNED },
      Buffer.from(`${BODY} `),
      [SECRET],
      "bad-signature",
      401,
    ],
    [
      "a signature without its sha256= prefix on GitHub",
      "github",
      { ...github, "x-hub-signature-256": HEX },
      BODY,
      [SECRET],
      "bad-signature",
      401,
    ],
    [
      "a truncated signature",
      "github",
      { ...github, "x-hub-signature-256": SIGNED.slice(0, -2) },
      BODY,
      [SECRET],
      "bad-signature",
      401,
    ],
    [
      "a signature that is not hex",
      "github",
      { ...github, "x-hub-signature-256": `sha256=${"z".repeat(64)}` },
      BODY,
      [SECRET],
      "bad-signature",
      401,
    ],
    [
      "a sha1= signature on Bitbucket",
      "bitbucket",
      { "x-hub-signature": `sha1=${HEX.slice(0, 40)}`, "x-event-key": "repo:push", "x-request-uuid": "b" },
      BODY,
      [SECRET],
      "bad-signature",
      401,
    ],
    [
      "a bad Forgejo signature, even with a good Gitea one beside it",
      "gitea",
      {
        "x-forgejo-signature": "0".repeat(64),
        "x-gitea-signature": HEX,
        "x-gitea-event": "push",
        "x-gitea-delivery": "g",
      },
      BODY,
      [SECRET],
      "bad-signature",
      401,
    ],
    [
      "a wrong GitLab token",
      "gitlab",
      { "x-gitlab-token": `${SECRET}x`, "x-gitlab-event": "Push Hook", "x-gitlab-event-uuid": "e" },
      BODY,
      [SECRET],
      "bad-signature",
      401,
    ],
    [
      "a GitLab token that is a prefix of the secret",
      "gitlab",
      { "x-gitlab-token": SECRET.slice(0, 4), "x-gitlab-event": "Push Hook", "x-gitlab-event-uuid": "e" },
      BODY,
      [SECRET],
      "bad-signature",
      401,
    ],
    [
      "a signed delivery without an event header",
      "github",
      { "x-hub-signature-256": SIGNED, "x-github-delivery": "d" },
      BODY,
      [SECRET],
      "missing-event",
      400,
    ],
    [
      "a signed event Mooring does not handle",
      "github",
      { ...github, "x-github-event": "issues", "x-hub-signature-256": SIGNED },
      BODY,
      [SECRET],
      "unsupported-event",
      400,
    ],
    [
      "a signed GitLab merge request event",
      "gitlab",
      { "x-gitlab-token": SECRET, "x-gitlab-event": "Merge Request Hook", "x-gitlab-event-uuid": "e" },
      BODY,
      [SECRET],
      "unsupported-event",
      400,
    ],
    [
      "a signed delivery without a delivery id",
      "github",
      { "x-github-event": "push", "x-hub-signature-256": SIGNED },
      BODY,
      [SECRET],
      "missing-delivery-id",
      400,
    ],
    [
      "a delivery id with blanks in it",
      "github",
      { ...github, "x-github-delivery": "a b", "x-hub-signature-256": SIGNED },
      BODY,
      [SECRET],
      "missing-delivery-id",
      400,
    ],
    [
      "a delivery id longer than 200 characters",
      "github",
      { ...github, "x-github-delivery": "a".repeat(201), "x-hub-signature-256": SIGNED },
      BODY,
      [SECRET],
      "missing-delivery-id",
      400,
    ],
  ];
  for (const [name, forge, headers, body, secrets, code, status] of cases)
    it(name, () => {
      const result = verifyWebhook({ forge, headers, body }, { secrets });
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.equal(result.code, code);
      assert.equal(result.status, status);
      assert.ok(!result.message.includes(SECRET), "the message never shows the secret");
    });

  it("a repeated signature header, as Node joins it", () => {
    const result = verifyWebhook(
      {
        forge: "github",
        headers: { ...github, "x-hub-signature-256": [SIGNED, SIGNED] } as never,
        body: BODY,
      },
      { secrets: [SECRET] },
    );
    assert.equal(result.ok ? "ok" : result.code, "bad-signature");
  });

  it("a body over a smaller configured limit", () => {
    const result = verifyWebhook(
      { forge: "github", headers: { ...github, "x-hub-signature-256": SIGNED }, body: BODY },
      { secrets: [SECRET], maxBodyBytes: 10 },
    );
    assert.equal(result.ok ? "ok" : result.code, "body-too-large");
  });
});

describe("readPayload", () => {
  it("reads a JSON body", () => {
    assert.deepEqual(readPayload(BODY, "application/json"), {
      ok: true,
      payload: JSON.parse(BODY.toString()),
    });
  });

  it("reads the payload field of a form-encoded body", () => {
    const form = Buffer.from(new URLSearchParams({ payload: BODY.toString() }).toString());
    assert.deepEqual(readPayload(form, "application/x-www-form-urlencoded; charset=utf-8"), {
      ok: true,
      payload: JSON.parse(BODY.toString()),
    });
  });

  const bad: [name: string, body: string, contentType: string | undefined][] = [
    ["a body that is not JSON", "{not json", "application/json"],
    ["an empty body", "", undefined],
    ["a form without a payload field", "ref=main", "application/x-www-form-urlencoded"],
  ];
  for (const [name, body, contentType] of bad)
    it(`refuses ${name} with 400`, () => {
      const result = readPayload(Buffer.from(body), contentType);
      assert.equal(result.ok, false);
      if (!result.ok) assert.deepEqual([result.code, result.status], ["malformed-json", 400]);
    });
});

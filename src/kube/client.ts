// Typed operations on top of the raw REST client: get, list, server-side apply (and its dry
// run), delete and watch, addressed by apiVersion + kind as manifests are. Objects travel as the
// server sends them; errors name the object and carry the server's reason.
import { formatRef, type KubeObject, type ObjectRef, refOf } from "../core/objects.ts";
import { type ServiceAccountRef, serviceAccountUser } from "../core/sync-identity.ts";
import { Discovery, type ResourceType } from "./discovery.ts";
import { type Credentials, KubeRest } from "./rest.ts";

export class KubeApiError extends Error {
  readonly status: number;
  /** The server's machine-readable reason: NotFound, Conflict, Invalid, Forbidden, ... */
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.name = "KubeApiError";
    this.status = status;
    this.reason = reason;
  }
}

interface StatusBody {
  kind?: string;
  reason?: string;
  message?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
}

export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: KubeObject;
}

export interface ApplyOptions {
  /** Field manager; default "mooring". */
  fieldManager?: string;
  /** Validate and compute the result without persisting it; default false. */
  dryRun?: boolean;
  /** Take over fields owned by other managers (conflicts are overwritten); default true. */
  force?: boolean;
  /**
   * What the server does with fields its schema does not know: Strict refuses the object, Ignore
   * drops them (`Validate=false`); default: not sent, the server's own default.
   */
  fieldValidation?: "Strict" | "Warn" | "Ignore";
}

export class KubeClient {
  readonly rest: KubeRest;
  readonly discovery: Discovery;
  /** The ServiceAccount every request is made as; undefined: the credentials' own user. */
  readonly actingAs: ServiceAccountRef | undefined;
  private readonly impersonated = new Map<string, KubeClient>();

  constructor(
    credentials: Credentials | { rest: KubeRest; discovery: Discovery; actingAs: ServiceAccountRef },
  ) {
    if ("rest" in credentials) {
      this.rest = credentials.rest;
      this.discovery = credentials.discovery;
      this.actingAs = credentials.actingAs;
    } else {
      this.rest = new KubeRest(credentials);
      this.discovery = new Discovery(this.rest);
      this.actingAs = undefined;
    }
  }

  /**
   * A client that makes every request as this ServiceAccount (Kubernetes impersonation), so the
   * API server's RBAC for that account decides what it may do. It shares this client's
   * connections and discovery (what the cluster serves does not depend on who asks), and is made
   * once per account. The caller's credentials need `impersonate` on that ServiceAccount.
   */
  impersonating(account: ServiceAccountRef): KubeClient {
    const user = serviceAccountUser(account);
    let client = this.impersonated.get(user);
    if (!client) {
      client = new KubeClient({
        rest: this.rest.impersonating({ user }),
        discovery: this.discovery,
        actingAs: account,
      });
      this.impersonated.set(user, client);
    }
    return client;
  }

  /** Closes the connections; on an impersonating client, does nothing (its parent owns them). */
  close(): void {
    this.rest.close();
  }

  /** The resource type of a manifest, or a clear error when the server does not serve the kind. */
  async typeOf(apiVersion: string, kind: string, subject?: string): Promise<ResourceType> {
    const type = await this.discovery.resourceFor(apiVersion, kind);
    if (!type) {
      throw new KubeApiError(
        404,
        "UnknownKind",
        `${subject ? `${subject}: ` : ""}the cluster does not serve kind ${kind} in ${apiVersion}; check the apiVersion, or install the CRD that defines it`,
      );
    }
    return type;
  }

  /** REST path of a collection or, with a name, of one object. */
  pathFor(type: ResourceType, namespace: string | undefined, name?: string): string {
    const base = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
    const ns = type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
    return `${base}${ns}/${type.plural}${name ? `/${encodeURIComponent(name)}` : ""}`;
  }

  async get(apiVersion: string, kind: string, namespace: string, name: string): Promise<KubeObject | null> {
    const type = await this.typeOf(apiVersion, kind);
    const res = await this.rest.get<KubeObject | StatusBody>(this.pathFor(type, namespace, name));
    if (res.status === 404) return null;
    if (res.status !== 200) throw errorFrom(res.status, res.body, `get ${kind}/${name}`);
    return res.body as KubeObject;
  }

  async list(
    apiVersion: string,
    kind: string,
    options: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {},
  ): Promise<ListResult> {
    const type = await this.typeOf(apiVersion, kind);
    const selectors = new URLSearchParams();
    if (options.labelSelector) selectors.set("labelSelector", options.labelSelector);
    if (options.fieldSelector) selectors.set("fieldSelector", options.fieldSelector);
    const query = selectors.size > 0 ? `?${selectors}` : "";
    const res = await this.rest.get<
      { items: KubeObject[]; metadata: { resourceVersion: string } } | StatusBody
    >(this.pathFor(type, options.namespace) + query);
    if (res.status !== 200) throw errorFrom(res.status, res.body, `list ${kind}`);
    const body = res.body as { items: KubeObject[]; metadata: { resourceVersion: string } };
    // List items omit apiVersion and kind; put them back so every object is self-describing.
    const items = body.items.map((item) => ({ ...item, apiVersion, kind }));
    return { items, resourceVersion: body.metadata.resourceVersion };
  }

  /**
   * Server-side apply: the server merges our intent with what other managers own and records us
   * as the owner of every field we send. The dry run returns exactly what the object would
   * become, which is what Compare diffs against the live object.
   */
  async apply(obj: KubeObject, options: ApplyOptions = {}): Promise<KubeObject> {
    const ref = refOf(obj);
    const type = await this.typeOf(obj.apiVersion, obj.kind, formatRef(ref));
    const params = new URLSearchParams({
      fieldManager: options.fieldManager ?? "mooring",
      force: String(options.force ?? true),
    });
    if (options.dryRun) params.set("dryRun", "All");
    if (options.fieldValidation) params.set("fieldValidation", options.fieldValidation);
    const path = `${this.pathFor(type, ref.namespace, ref.name)}?${params}`;
    const res = await this.rest.request<KubeObject | StatusBody>("PATCH", path, {
      body: obj,
      contentType: "application/apply-patch+yaml",
    });
    if (res.status !== 200 && res.status !== 201) throw errorFrom(res.status, res.body, formatRef(ref));
    return res.body as KubeObject;
  }

  /** Deletes an object; returns false when it was already gone. */
  async delete(
    ref: ObjectRef & { apiVersion: string },
    options: { propagationPolicy?: "Foreground" | "Background" | "Orphan"; dryRun?: boolean } = {},
  ): Promise<boolean> {
    const type = await this.typeOf(ref.apiVersion, ref.kind, formatRef(ref));
    const params = new URLSearchParams();
    if (options.dryRun) params.set("dryRun", "All");
    const body = {
      apiVersion: "v1",
      kind: "DeleteOptions",
      ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}),
    };
    const query = params.size ? `?${params}` : "";
    const res = await this.rest.request<StatusBody>(
      "DELETE",
      this.pathFor(type, ref.namespace, ref.name) + query,
      {
        body,
      },
    );
    if (res.status === 404) return false;
    if (res.status !== 200 && res.status !== 202) throw errorFrom(res.status, res.body, formatRef(ref));
    return true;
  }

  /** JSON merge patch, for small controller-owned edits such as removing an annotation. */
  async mergePatch(
    ref: ObjectRef & { apiVersion: string },
    patch: unknown,
    subresource?: "status",
  ): Promise<KubeObject> {
    const type = await this.typeOf(ref.apiVersion, ref.kind, formatRef(ref));
    const path = this.pathFor(type, ref.namespace, ref.name) + (subresource ? `/${subresource}` : "");
    const res = await this.rest.request<KubeObject | StatusBody>("PATCH", path, {
      body: patch,
      contentType: "application/merge-patch+json",
    });
    if (res.status !== 200) throw errorFrom(res.status, res.body, formatRef(ref));
    return res.body as KubeObject;
  }

  /** Creates an object (POST); used for Events and Leases where apply semantics are not wanted. */
  async create(obj: KubeObject): Promise<KubeObject> {
    const ref = refOf(obj);
    const type = await this.typeOf(obj.apiVersion, obj.kind, formatRef(ref));
    const res = await this.rest.request<KubeObject | StatusBody>("POST", this.pathFor(type, ref.namespace), {
      body: obj,
    });
    if (res.status !== 201 && res.status !== 200) throw errorFrom(res.status, res.body, formatRef(ref));
    return res.body as KubeObject;
  }

  /** Replaces an object (PUT) with optimistic concurrency on metadata.resourceVersion. */
  async replace(obj: KubeObject): Promise<KubeObject> {
    const ref = refOf(obj);
    const type = await this.typeOf(obj.apiVersion, obj.kind, formatRef(ref));
    const res = await this.rest.request<KubeObject | StatusBody>(
      "PUT",
      this.pathFor(type, ref.namespace, ref.name),
      {
        body: obj,
      },
    );
    if (res.status !== 200 && res.status !== 201) throw errorFrom(res.status, res.body, formatRef(ref));
    return res.body as KubeObject;
  }

  /**
   * Watches a collection from a resourceVersion and calls onEvent for each change until the
   * signal aborts. Returns the last resourceVersion seen, so the caller can resume; a 410 Gone
   * (history compacted) is reported as `expired` and the caller relists.
   */
  async watch(
    apiVersion: string,
    kind: string,
    options: {
      namespace?: string;
      resourceVersion: string;
      labelSelector?: string;
      fieldSelector?: string;
      timeoutSeconds?: number;
    },
    onEvent: (event: WatchEvent) => void,
    signal: AbortSignal,
  ): Promise<{ resourceVersion: string; expired: boolean }> {
    const type = await this.typeOf(apiVersion, kind);
    const params = new URLSearchParams({
      watch: "1",
      allowWatchBookmarks: "true",
      resourceVersion: options.resourceVersion,
      timeoutSeconds: String(options.timeoutSeconds ?? 300),
    });
    if (options.labelSelector) params.set("labelSelector", options.labelSelector);
    if (options.fieldSelector) params.set("fieldSelector", options.fieldSelector);
    let resourceVersion = options.resourceVersion;
    let expired = false;
    const res = await this.rest.stream(
      `${this.pathFor(type, options.namespace)}?${params}`,
      (line) => {
        const event = JSON.parse(line) as WatchEvent;
        if (event.type === "ERROR") {
          if ((event.object as unknown as { code?: number }).code === 410) expired = true;
          return;
        }
        const rv = event.object.metadata?.resourceVersion;
        if (rv) resourceVersion = rv;
        if (event.type === "BOOKMARK") return;
        event.object.apiVersion ??= apiVersion;
        event.object.kind ??= kind;
        onEvent(event);
      },
      signal,
    );
    if (res.status === 410) expired = true;
    else if (res.status !== 200 && res.status !== 0) {
      throw errorFrom(res.status, safeJson(res.text), `watch ${kind}`);
    }
    return { resourceVersion, expired };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}

function errorFrom(status: number, body: unknown, subject: string): KubeApiError {
  const s = (typeof body === "object" && body ? body : {}) as StatusBody;
  const message = s.message ?? (typeof body === "string" ? body : `HTTP ${status}`);
  return new KubeApiError(status, s.reason ?? `HTTP${status}`, `${subject}: ${message}`);
}

/** apiVersion and kind of a ref plus the version the caller wants (for delete/patch helpers). */
export function withApiVersion(ref: ObjectRef, version: string): ObjectRef & { apiVersion: string } {
  return { ...ref, apiVersion: ref.group ? `${ref.group}/${version}` : version };
}

// The controller's preview endpoints (src/core/preview/protocol.ts), behind the inspect token
// (src/controller/inspect-http.ts checks it and sends standbys' callers to the leader):
//   POST {PREVIEWS_PREFIX}/events   a verified webhook: 202 at once, the preview runs after
//   GET  {PREVIEWS_PREFIX}          every PR's preview row
//   GET  {PREVIEWS_PREFIX}/pull     one PR's stored preview (?repoURL=&number=)
//   POST {PREVIEWS_PREFIX}/run      `moor preview`: two revisions of a repository, no forge
// Bodies are small JSON objects, read up to a bound and checked field by field before use.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { InspectErrorCode } from "../core/inspect/protocol.ts";
import {
  FORGE_KINDS,
  type LocalPreviewAnswer,
  type LocalPreviewRequest,
  type NudgeAnswer,
  PREVIEWS_PREFIX,
  type PreviewNudge,
  type PreviewRow,
  type StoredPreview,
} from "../core/preview/protocol.ts";
import type { Logger } from "../util/log.ts";

/** What the endpoints ask of the preview service. */
export interface PreviewEndpoints {
  nudge(nudge: PreviewNudge): Promise<NudgeAnswer>;
  list(): PreviewRow[];
  get(repoURL: string, number: number): Promise<StoredPreview | undefined>;
  runLocal(request: LocalPreviewRequest, signal?: AbortSignal): Promise<LocalPreviewAnswer>;
}

/** Largest request body read. */
const MAX_BODY = 64 * 1024;
/** How long `run` may take: under the API server's 270 s (src/server/routes/previews.ts). */
export const PREVIEW_RUN_LIMIT_MS = 260_000;

const ACTIONS = ["opened", "synchronized", "closed", "reopened", "merged"];

type Answer = (status: number, body: unknown) => void;
type Refuse = (code: InspectErrorCode, message: string) => void;

/** Whether `pathname` is one of the preview endpoints. */
export function isPreviewPath(pathname: string): boolean {
  return pathname === PREVIEWS_PREFIX || pathname.startsWith(`${PREVIEWS_PREFIX}/`);
}

export async function servePreviews(
  req: IncomingMessage,
  url: URL,
  service: PreviewEndpoints,
  reply: { answer: Answer; refuse: Refuse },
  log: Logger,
  res: ServerResponse,
): Promise<void> {
  const { answer, refuse } = reply;
  const route = `${req.method} ${url.pathname.slice(PREVIEWS_PREFIX.length) || "/"}`;
  switch (route) {
    case "GET /":
      return answer(200, { items: service.list() });
    case "GET /pull": {
      const repoURL = url.searchParams.get("repoURL") ?? "";
      const number = Number(url.searchParams.get("number"));
      if (repoURL === "" || !Number.isInteger(number) || number <= 0)
        return refuse("bad-request", "give repoURL and a pull request number");
      const stored = await service.get(repoURL, number);
      return stored
        ? answer(200, stored)
        : refuse("not-found", `no preview of pull request ${number} of that repository`);
    }
    case "POST /events": {
      const body = await readJson(req);
      const nudge = nudgeOf(body);
      if (typeof nudge === "string") return refuse("bad-request", nudge);
      return answer(202, await service.nudge(nudge));
    }
    case "POST /run": {
      const request = localRequestOf(await readJson(req));
      if (typeof request === "string") return refuse("bad-request", request);
      // The caller hanging up (or the deadline) stops the renders and plans.
      const stop = new AbortController();
      res.once("close", () => stop.abort());
      const timer = setTimeout(() => stop.abort(), PREVIEW_RUN_LIMIT_MS);
      try {
        return answer(200, await service.runLocal(request, stop.signal));
      } catch (err) {
        if (stop.signal.aborted)
          return refuse("timeout", `the preview took longer than ${PREVIEW_RUN_LIMIT_MS / 1000} s`);
        log.warn("local preview failed", { repoURL: request.repoURL, error: String(err) });
        return refuse("inspect-failed", `preview failed: ${(err as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    }
    default:
      return refuse("not-found", `no preview endpoint ${route}`);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return undefined;
  }
}

type Fields = Record<string, unknown>;

function isObject(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The nudge a body holds, or what is wrong with it. */
export function nudgeOf(body: unknown): PreviewNudge | string {
  if (!isObject(body)) return "the body must be a JSON object of at most 64 KiB";
  const { kind, forge, repoURL, number } = body;
  if (!(FORGE_KINDS as readonly unknown[]).includes(forge))
    return `forge must be one of ${FORGE_KINDS.join(", ")}`;
  if (typeof repoURL !== "string" || repoURL === "") return "repoURL must be a non-empty string";
  if (typeof number !== "number" || !Number.isInteger(number) || number <= 0)
    return "number must be a positive integer";
  const base = { forge: forge as PreviewNudge["forge"], repoURL, number };
  if (kind === "pull_request") {
    if (!ACTIONS.includes(body.action as string)) return `action must be one of ${ACTIONS.join(", ")}`;
    const { headSha } = body;
    if (headSha !== undefined && (typeof headSha !== "string" || !/^[0-9a-f]{40,64}$/.test(headSha)))
      return "headSha must be a full commit id";
    return {
      kind,
      ...base,
      action: body.action as Extract<PreviewNudge, { kind: "pull_request" }>["action"],
      ...(headSha ? { headSha } : {}),
    };
  }
  if (kind === "comment") {
    if (typeof body.commenter !== "string" || body.commenter === "")
      return "commenter must be a non-empty string";
    if (typeof body.plan !== "boolean") return "plan must be true or false";
    return { kind, ...base, commenter: body.commenter, plan: body.plan };
  }
  return "kind must be pull_request or comment";
}

/** The local preview request a body holds, or what is wrong with it. */
export function localRequestOf(body: unknown): LocalPreviewRequest | string {
  if (!isObject(body)) return "the body must be a JSON object of at most 64 KiB";
  const { repoURL, base, head, planProjects, live } = body;
  for (const [name, value] of Object.entries({ repoURL, base, head }))
    if (typeof value !== "string" || value.trim() === "") return `${name} must be a non-empty string`;
  if (!Array.isArray(planProjects) || !planProjects.every((p) => typeof p === "string"))
    return "planProjects must be a list of project names";
  if (live !== undefined && typeof live !== "boolean") return "live must be true or false";
  return {
    repoURL: repoURL as string,
    base: base as string,
    head: head as string,
    planProjects: planProjects as string[],
    ...(live !== undefined ? { live } : {}),
  };
}

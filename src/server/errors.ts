// Errors the API answers with. Every refusal is JSON `{ error: { code, message, retryable } }`
// with a stable code a script can branch on, a message that names the object and says what to
// do, and whether trying again later may help (`retryable`) or a person must act. The HTTP
// status follows from the code, from one table, so the same failure reads the same everywhere.

export const API_ERRORS = {
  "bad-request": 400,
  "invalid-body": 400,
  "invalid-params": 400,
  "invalid-query": 400,
  unauthenticated: 401,
  "csrf-refused": 403,
  forbidden: 403,
  "not-found": 404,
  conflict: 409,
  "replayed-delivery": 409,
  "body-too-large": 413,
  "unsupported-media-type": 415,
  "too-many-requests": 429,
  "upstream-unavailable": 503,
  /** The controller, which renders and reads the destinations for the inspect routes, did not answer. */
  "controller-unreachable": 503,
  /** The controller answered but could not render or compare the app (its message says why). */
  "inspect-failed": 502,
  internal: 500,
} as const;
export type ApiErrorCode = keyof typeof API_ERRORS;

/** Codes where waiting and retrying may succeed; every other code needs the caller to change something. */
const RETRYABLE: ReadonlySet<ApiErrorCode> = new Set([
  "too-many-requests",
  "upstream-unavailable",
  "controller-unreachable",
  "conflict",
]);

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  /** Extra facts for the body (the fields that failed validation, a Retry-After in seconds...). */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ApiErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = API_ERRORS[code];
    this.retryable = RETRYABLE.has(code);
    this.details = details;
  }

  body(): { error: { code: ApiErrorCode; message: string; retryable: boolean } & Record<string, unknown> } {
    return { error: { code: this.code, message: this.message, retryable: this.retryable, ...this.details } };
  }
}

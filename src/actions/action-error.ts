// Why an action was refused. The same refusal reaches a terminal (`moor app sync` exits 1 with the
// message) and an API caller (the route maps the code to an HTTP status), so the code is a closed
// vocabulary a script can branch on and the message names the object and says what to do.
//   not-found  the Application or Stack (or the history entry, plan, lock it names) is not there;
//   conflict   it is there, but its state refuses the request now (suspended, being deleted, no
//              running sync to stop, a plan id that is not the current plan, a lock not held);
//   invalid    the request itself is malformed (a plan id that is not one, a bad history id).

export const ACTION_ERROR_CODES = ["not-found", "conflict", "invalid"] as const;
export type ActionErrorCode = (typeof ACTION_ERROR_CODES)[number];

export class ActionError extends Error {
  readonly code: ActionErrorCode;
  /** The object refused, `Kind namespace/name`. */
  readonly object: string;

  constructor(code: ActionErrorCode, object: string, message: string) {
    super(message);
    this.name = "ActionError";
    this.code = code;
    this.object = object;
  }
}

/** Who asked for an action: the user or token name the controller records (operation initiatedBy, approved-by). */
export type Initiator = string;

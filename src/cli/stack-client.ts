// `moor stack` reads and writes Stacks through src/actions/stack-client.ts, which the API server's
// Stack actions share.
export * from "../actions/stack-client.ts";

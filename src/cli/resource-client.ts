// The CLI reads and writes Applications and Stacks through src/actions/resource-client.ts, which the
// API server's actions share.
export * from "../actions/resource-client.ts";

#!/usr/bin/env node
// Entry point of the `moor` command. Node.js 24 runs the TypeScript sources directly (type
// stripping), so there is no build step between editing and running.
import { main } from "../src/cli/main.ts";

process.exitCode = await main(process.argv.slice(2));

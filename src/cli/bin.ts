#!/usr/bin/env node
import { main, processIO } from "./main.js";
import { defaultTransport } from "../transport/http.js";

// No process.exit: idle keep-alive sockets are unref'd and closed here, so the process ends by itself once
// stdout has drained (an explicit exit could cut a piped stdout short).
process.exitCode = await main(process.argv.slice(2), processIO());
defaultTransport.close();

#!/usr/bin/env node
import { main, processIO } from "./main.js";

const code = await main(process.argv.slice(2), processIO());
// Exit explicitly: idle keep-alive sockets to a provider must not hold the process open.
process.stdout.write("", () => process.exit(code));

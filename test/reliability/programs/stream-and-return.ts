// A program that uses the library and never calls process.exit: it must end by itself once the answer is in.
import { createOpenAIProvider } from "../../../src/index.js";

const baseUrl = process.argv[2]!;
const provider = createOpenAIProvider({ apiKey: "sk-test", baseUrl: `${baseUrl}/v1`, maxRetries: 0 });
let text = "";
for await (const chunk of provider.stream({ model: "m", messages: [{ role: "user", content: "Hi" }] })) text += chunk.content;
// A second call reuses the pooled keep-alive socket, which then stays open and idle on both sides.
for await (const chunk of provider.stream({ model: "m", messages: [{ role: "user", content: "Hi" }] })) text += chunk.content;
process.stdout.write(text);

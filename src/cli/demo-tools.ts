import { tool, type AgentTool } from "../agent/tools.js";

/** The two tools `agenticraft stream --tools` offers the model: the current time and a calculator. */
export function demoTools(now: () => Date = () => new Date()): AgentTool[] {
  return [
    tool({
      name: "current_time",
      description: "The current date and time in an IANA time zone",
      parameters: {
        type: "object",
        properties: { timeZone: { type: "string", description: "IANA zone, e.g. Europe/Paris", default: "UTC" } },
        additionalProperties: false,
      },
      execute: ({ timeZone = "UTC" }) => {
        const zone = String(timeZone);
        return { timeZone: zone, time: new Intl.DateTimeFormat("en-GB", { dateStyle: "full", timeStyle: "long", timeZone: zone }).format(now()) };
      },
    }),
    tool({
      name: "calculate",
      description: "Applies an arithmetic operation to two numbers",
      parameters: {
        type: "object",
        properties: {
          a: { type: "number" },
          op: { type: "string", enum: ["+", "-", "*", "/"] },
          b: { type: "number" },
        },
        required: ["a", "op", "b"],
        additionalProperties: false,
      },
      execute: ({ a, op, b }) => {
        const x = a as number;
        const y = b as number;
        if (op === "/" && y === 0) throw new Error("division by zero");
        return op === "+" ? x + y : op === "-" ? x - y : op === "*" ? x * y : x / y;
      },
    }),
  ];
}

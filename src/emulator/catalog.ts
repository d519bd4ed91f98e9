/** The model lists the emulator advertises (`/v1/models`, `/api/tags`, `/api/version`). Any model name is accepted anyway. */

const OPENAI_MODELS = ["gpt-4o-mini", "gpt-4o", "gpt-4.1-mini"];
const ANTHROPIC_MODELS = ["claude-sonnet-4-5-20250929", "claude-3-5-haiku-latest"];
const OLLAMA_MODELS = ["llama3.2:latest", "qwen3:8b"];

/** The Ollama version `/api/version` reports (the one the protocol notes were written against). */
export const OLLAMA_VERSION = "0.12.3";

/** OpenAI `GET /v1/models`. */
export function openaiModels(): unknown {
  return {
    object: "list",
    data: OPENAI_MODELS.map((id) => ({ id, object: "model", created: 1736700000, owned_by: "agenticraft-emulator" })),
  };
}

/** Anthropic `GET /v1/models` (told apart from OpenAI's by the `anthropic-version` header). */
export function anthropicModels(): unknown {
  return {
    data: ANTHROPIC_MODELS.map((id) => ({ type: "model", id, display_name: id, created_at: "2025-09-29T00:00:00Z" })),
    has_more: false,
    first_id: ANTHROPIC_MODELS[0],
    last_id: ANTHROPIC_MODELS.at(-1),
  };
}

/** Ollama `GET /api/tags`. */
export function ollamaTags(): unknown {
  return {
    models: OLLAMA_MODELS.map((name) => {
      const family = name.split(/[.:\d]/)[0] ?? name;
      return {
        name,
        model: name,
        modified_at: "2025-01-10T17:37:44.706015396-08:00",
        size: 2019393189,
        digest: "0".repeat(64),
        details: { parent_model: "", format: "gguf", family, families: [family], parameter_size: "3.2B", quantization_level: "Q4_K_M" },
      };
    }),
  };
}

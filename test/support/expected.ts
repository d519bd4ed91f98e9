import assert from "node:assert/strict";
import { ProviderError, StreamInterruptedError } from "../../src/index.js";

/** The part of a fixture's `.expected.json` that describes an error inside a 200 stream. */
export interface ExpectedStreamError {
  text: string;
  error: { status: number; type: string | null; message: string };
}

/**
 * Checks that a stream stopped by an in-stream error event failed as the fixture says: a
 * `StreamInterruptedError` with reason "provider", exactly the text before the error, and a `ProviderError`
 * cause with the provider's status, type and message.
 */
export function assertStreamError(error: unknown, expected: ExpectedStreamError, where: string): asserts error is StreamInterruptedError {
  assert.ok(error instanceof StreamInterruptedError, `${where}: ${String(error)}`);
  assert.equal(error.reason, "provider", where);
  assert.equal(error.partialResponse, expected.text, where);
  const cause = error.cause;
  assert.ok(cause instanceof ProviderError, where);
  assert.equal(cause.providerMessage, expected.error.message, where);
  assert.equal(cause.type ?? null, expected.error.type, where);
  assert.equal(cause.status, expected.error.status, where);
}

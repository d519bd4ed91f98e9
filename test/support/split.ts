/**
 * Test helpers for feeding byte streams the way a network does: in arbitrary, reproducible pieces.
 * Splits are seeded so a failing pattern can be replayed from its seed.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURES_DIR = join(REPO_ROOT, "test", "fixtures", "wire");

/** Seeded PRNG (mulberry32) returning floats in [0, 1); same seed, same sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cuts `bytes` at the given ascending offsets; pieces are copies, like separate network reads. */
export function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (const cut of cuts) {
    if (cut < start || cut > bytes.length) throw new RangeError(`cut ${cut} out of order or range`);
    pieces.push(bytes.slice(start, cut));
    start = cut;
  }
  pieces.push(bytes.slice(start));
  return pieces;
}

/** Cuts `bytes` into random pieces of 1..maxPiece bytes drawn from `rng`. */
export function randomSplits(bytes: Uint8Array, rng: () => number, maxPiece = 16): Uint8Array[] {
  const cuts: number[] = [];
  let at = 0;
  for (;;) {
    at += 1 + Math.floor(rng() * maxPiece);
    if (at >= bytes.length) break;
    cuts.push(at);
  }
  return splitAt(bytes, cuts);
}

/** One piece per byte: the harshest split. */
export function oneByteSplits(bytes: Uint8Array): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i++) pieces.push(bytes.slice(i, i + 1));
  return pieces;
}

/** An async byte stream yielding `chunks` in order, like a response body. */
export async function* fromChunks(chunks: Uint8Array[]): AsyncGenerator<Uint8Array, void, undefined> {
  for (const chunk of chunks) yield chunk;
}

/** Drains an async iterable into an array. */
export async function collect<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iter) items.push(item);
  return items;
}

/** Bytes of a fixture, by path relative to test/fixtures/wire (e.g. "openai/text.sse"). */
export function readFixture(relPath: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES_DIR, relPath)));
}

/** Sorted fixture paths (relative to test/fixtures/wire) in `subdir` whose names end with `ext` (e.g. ".sse"). */
export function fixtureNames(subdir: string, ext: string): string[] {
  return readdirSync(join(FIXTURES_DIR, subdir))
    .filter((name) => name.endsWith(ext))
    .sort()
    .map((name) => `${subdir}/${name}`);
}

/** Absolute path of ../shared/fixtures/wire/recorded beside the repo, or undefined where it is absent. */
export function recordedDir(): string | undefined {
  const dir = join(REPO_ROOT, "..", "shared", "fixtures", "wire", "recorded");
  return existsSync(dir) ? dir : undefined;
}

/**
 * The split patterns a provider's fixture is replayed in: whole, one byte at a time, and `random` seeded random
 * cuts with pieces of up to 12, 24, 48 and 96 bytes in turn.
 */
export function splitPatterns(body: Uint8Array, seed: number, random: number): Array<[string, Uint8Array[]]> {
  const patterns: Array<[string, Uint8Array[]]> = [["whole", [body]], ["1-byte", oneByteSplits(body)]];
  const rng = mulberry32(seed);
  for (let i = 0; i < random; i++) {
    const maxPiece = 12 << (i % 4);
    patterns.push([`random #${i} (seed ${seed}, pieces up to ${maxPiece} bytes)`, randomSplits(body, rng, maxPiece)]);
  }
  return patterns;
}

/** True when some piece boundary falls inside a multi-byte UTF-8 character. */
export function cutsInsideCharacter(pieces: Uint8Array[]): boolean {
  return pieces.some((piece, i) => i > 0 && piece.length > 0 && (piece[0]! & 0xc0) === 0x80);
}

/**
 * Incremental parser of a JSON object that arrives in pieces (a tool call's streamed arguments). `push(delta)`
 * returns the object parsed so far: complete keys with complete values, and a string value as far as it came
 * (numbers, `true`/`false`/`null` appear once complete), so each snapshot only grows towards the final value.
 *
 * Each character is read once, so the work is linear in the argument length; a snapshot copies only the
 * containers changed since the previous one (the path to what changed), never the whole value. Hand-written
 * because the libraries for this (partial-json, the AI SDK's parsePartialJson) re-parse the whole text per delta.
 * Snapshots are fresh objects: a consumer may keep one while the next is built.
 */
export class PartialJsonParser {
  readonly #stack: Container[] = [];
  #root: Container | undefined;
  #state = State.Value;
  /** The string being read (a key or a value), its pieces so far. */
  #string = "";
  #stringIsKey = false;
  #escape = "";
  #token = "";
  #failed = false;
  #snapshot: Record<string, unknown> = {};

  /** Reads one more piece; returns the arguments parsed so far. */
  push(delta: string): Record<string, unknown> {
    if (this.#failed || delta.length === 0) return this.#snapshot;
    try {
      this.#read(delta);
    } catch {
      this.#failed = true; // not JSON: the last good snapshot stays
      return this.#snapshot;
    }
    const root = this.#root;
    if (root !== undefined && root.kind === Kind.Object) {
      if (this.#state === State.String && !this.#stringIsKey) this.#markPath();
      this.#snapshot = this.#snap(root) as Record<string, unknown>;
    }
    return this.#snapshot;
  }

  /** The latest snapshot. */
  get value(): Record<string, unknown> {
    return this.#snapshot;
  }

  #read(text: string): void {
    const n = text.length;
    let i = 0;
    while (i < n) {
      const state = this.#state;
      if (state === State.String) {
        i = this.#readString(text, i);
        continue;
      }
      const c = text.charCodeAt(i);
      if (state === State.Number || state === State.Literal) {
        if (state === State.Number ? isNumberChar(c) : isLetter(c)) {
          this.#token += text[i];
          i++;
          continue;
        }
        this.#endToken();
        continue; // the character that ended the token is read in the new state
      }
      i++;
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
      switch (state) {
        case State.Value:
        case State.ValueOrEnd:
          if (c === 0x5d && state === State.ValueOrEnd) this.#close(Kind.Array);
          else this.#startValue(c, text[i - 1]!);
          break;
        case State.KeyOrEnd:
        case State.Key:
          if (c === 0x22) {
            this.#state = State.String;
            this.#stringIsKey = true;
            this.#string = "";
          } else if (c === 0x7d && state === State.KeyOrEnd) this.#close(Kind.Object);
          else throw new SyntaxError("expected a key");
          break;
        case State.Colon:
          if (c !== 0x3a) throw new SyntaxError("expected :");
          this.#state = State.Value;
          break;
        case State.CommaOrEnd: {
          const top = this.#stack[this.#stack.length - 1];
          if (top === undefined) throw new SyntaxError("text after the value");
          if (c === 0x2c) this.#state = top.kind === Kind.Object ? State.Key : State.Value;
          else if (c === 0x7d && top.kind === Kind.Object) this.#close(Kind.Object);
          else if (c === 0x5d && top.kind === Kind.Array) this.#close(Kind.Array);
          else throw new SyntaxError("expected , or the end of a container");
          break;
        }
        default:
          throw new SyntaxError("unexpected state");
      }
    }
  }

  /** Reads string content from `i`; returns where it stopped (the end of the text, or after the closing quote). */
  #readString(text: string, i: number): number {
    const n = text.length;
    if (this.#escape !== "") return this.#readEscape(text, i);
    // Native scans find the next quote and backslash; the text between them is taken whole.
    let quote = text.indexOf('"', i);
    let backslash = text.indexOf("\\", i);
    let piece = "";
    for (;;) {
      if (quote < 0) quote = n;
      if (backslash < 0) backslash = n;
      if (quote < backslash) {
        this.#string += piece + text.slice(i, quote);
        this.#endString();
        return quote + 1;
      }
      if (backslash === n) break;
      const next = backslash + 1 < n ? text[backslash + 1]! : "u";
      const decoded = next === "u" ? undefined : ESCAPES[next];
      if (decoded === undefined) {
        // \uXXXX, or an escape cut by the end of the delta: the slow path
        this.#string += piece + text.slice(i, backslash);
        this.#escape = "\\";
        return this.#readEscape(text, backslash + 1);
      }
      // The common two-character escape, decoded in place.
      piece += text.slice(i, backslash) + decoded;
      i = backslash + 2;
      if (quote < i) quote = text.indexOf('"', i);
      backslash = text.indexOf("\\", i);
    }
    this.#string += piece + text.slice(i, n);
    return n;
  }

  #readEscape(text: string, i: number): number {
    while (i < text.length) {
      this.#escape += text[i++];
      const e = this.#escape;
      if (e.length === 2 && e[1] !== "u") {
        const decoded = ESCAPES[e[1]!];
        if (decoded === undefined) throw new SyntaxError("bad escape");
        this.#string += decoded;
        this.#escape = "";
        return i;
      }
      if (e.length === 6) {
        if (!/^\\u[0-9a-fA-F]{4}$/.test(e)) throw new SyntaxError("bad \\u escape");
        this.#string += String.fromCharCode(parseInt(e.slice(2), 16));
        this.#escape = "";
        return i;
      }
    }
    return i;
  }

  #endString(): void {
    const value = this.#string;
    this.#string = "";
    if (this.#stringIsKey) {
      const top = this.#stack[this.#stack.length - 1]!;
      top.key = value;
      this.#state = State.Colon;
    } else this.#setValue(value);
  }

  #startValue(c: number, ch: string): void {
    if (c === 0x7b || c === 0x5b) {
      const container = c === 0x7b ? new Container(Kind.Object, {}) : new Container(Kind.Array, []);
      if (this.#root === undefined) this.#root = container;
      else this.#setValue(container);
      this.#stack.push(container);
      this.#markPath();
      this.#state = c === 0x7b ? State.KeyOrEnd : State.ValueOrEnd;
    } else if (c === 0x22) {
      this.#state = State.String;
      this.#stringIsKey = false;
      this.#string = "";
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      this.#state = State.Number;
      this.#token = ch;
    } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
      this.#state = State.Literal;
      this.#token = ch;
    } else throw new SyntaxError("expected a value");
    if (this.#root === undefined) throw new SyntaxError("the arguments are not an object");
  }

  #endToken(): void {
    const token = this.#token;
    this.#token = "";
    let value: unknown;
    if (this.#state === State.Literal) {
      if (token === "true") value = true;
      else if (token === "false") value = false;
      else if (token === "null") value = null;
      else throw new SyntaxError("bad literal");
    } else {
      value = JSON.parse(token);
    }
    this.#setValue(value);
  }

  /** Puts a complete value (or a just-opened container) into the container on top of the stack. */
  #setValue(value: unknown): void {
    const top = this.#stack[this.#stack.length - 1];
    if (top === undefined) throw new SyntaxError("a value outside the object");
    if (top.kind === Kind.Object) {
      setKey(top.items as Record<string, unknown>, top.key!, value);
      top.key = undefined;
    } else (top.items as unknown[]).push(value);
    this.#state = State.CommaOrEnd;
    this.#markPath();
  }

  #close(kind: Kind): void {
    const top = this.#stack.pop();
    if (top === undefined || top.kind !== kind) throw new SyntaxError("mismatched close");
    this.#state = State.CommaOrEnd;
  }

  /** Every open container changed (its snapshot must be rebuilt). */
  #markPath(): void {
    const stack = this.#stack;
    for (let i = 0; i < stack.length; i++) stack[i]!.snap = undefined;
  }

  #snap(node: Container): unknown {
    if (node.snap !== undefined) return node.snap;
    const top = this.#stack[this.#stack.length - 1];
    const partial = node === top && this.#state === State.String && !this.#stringIsKey ? this.#string : undefined;
    let out: unknown;
    if (node.kind === Kind.Object) {
      const copy: Record<string, unknown> = {};
      const items = node.items as Record<string, unknown>;
      for (const key in items) {
        const v = items[key];
        setKey(copy, key, isContainer(v) ? this.#snap(v) : v);
      }
      if (partial !== undefined) setKey(copy, node.key!, partial);
      out = copy;
    } else {
      const items = node.items as unknown[];
      const copy = new Array<unknown>(items.length);
      for (let i = 0; i < items.length; i++) {
        const v = items[i];
        copy[i] = isContainer(v) ? this.#snap(v) : v;
      }
      if (partial !== undefined) copy.push(partial);
      out = copy;
    }
    // A snapshot holding a partial string is rebuilt next time; a settled one is shared.
    node.snap = partial === undefined ? out : undefined;
    return out;
  }
}

const enum Kind {
  Object,
  Array,
}

const enum State {
  Value,
  ValueOrEnd,
  Key,
  KeyOrEnd,
  Colon,
  CommaOrEnd,
  String,
  Number,
  Literal,
}

class Container {
  /** An object's key whose value is being read. */
  key: string | undefined = undefined;
  /** The snapshot of this container while nothing in it changed. */
  snap: unknown = undefined;
  constructor(
    readonly kind: Kind,
    readonly items: Record<string, unknown> | unknown[],
  ) {}
}

function isContainer(value: unknown): value is Container {
  return value instanceof Container;
}

/** Sets an own property, "__proto__" included (as JSON.parse does). */
function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

function isNumberChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;
}

function isLetter(c: number): boolean {
  return c >= 0x61 && c <= 0x7a;
}

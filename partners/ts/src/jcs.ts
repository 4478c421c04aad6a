/**
 * RFC 8785 JSON Canonicalization Scheme (JCS), written from the RFC: what `payload_sha256` is
 * computed over (spec § 5).
 *
 * Invariant: `canonicalize` is total over I-JSON values (RFC 7493) and throws `NotCanonical` for
 * anything else (lone surrogates, non-finite numbers, non-JSON types). Whether an integer in the
 * JSON *text* lies beyond ±(2^53−1) cannot be seen after `JSON.parse`, so `checkIJsonText`
 * checks the text.
 */
import { createHash } from "node:crypto";

export class NotCanonical extends Error {}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function serializeString(value: string): string {
  if (LONE_SURROGATE.test(value)) throw new NotCanonical("a string holds a lone surrogate");
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20) out += "\\u" + code.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

/** ECMAScript's Number::toString is exactly the JCS number format (RFC 8785 § 3.2.2.3). */
export function serializeNumber(value: number): string {
  if (!Number.isFinite(value)) throw new NotCanonical("a number is not finite");
  return Object.is(value, -0) ? "0" : String(value);
}

/** Sort by UTF-16 code units: what JavaScript's default string comparison does. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function serialize(value: unknown): string {
  if (value === null) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  if (typeof value === "number") return serializeNumber(value);
  if (typeof value === "string") return serializeString(value);
  if (Array.isArray(value)) return "[" + value.map(serialize).join(",") + "]";
  if (typeof value === "object") {
    const names = Object.keys(value as object).sort(byCodeUnits);
    const members = names.map(
      (name) => serializeString(name) + ":" + serialize((value as Record<string, unknown>)[name]),
    );
    return "{" + members.join(",") + "}";
  }
  throw new NotCanonical(`not a JSON value: ${typeof value}`);
}

/** The canonical UTF-8 bytes of a parsed JSON value. */
export function canonicalize(value: unknown): Buffer {
  return Buffer.from(serialize(value), "utf8");
}

export function sha256Hex(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The lowercase hex SHA-256 of a value's canonical form: `payload_sha256`. */
export function digest(value: unknown): string {
  return sha256Hex(canonicalize(value));
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * I-JSON of the raw text: an integer token (no fraction, no exponent) beyond ±(2^53−1) has no
 * exact value after parsing, so it has no canonical form (spec § 5).
 */
export function checkIJsonText(text: string): void {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      continue;
    }
    if (ch === "-" || (ch >= "0" && ch <= "9")) {
      let j = i + 1;
      while (j < text.length && /[0-9.eE+-]/.test(text[j]!)) j++;
      const token = text.slice(i, j);
      if (/^-?[0-9]+$/.test(token) && (BigInt(token) > MAX_SAFE || BigInt(token) < -MAX_SAFE)) {
        throw new NotCanonical(`integer outside I-JSON: ${token}`);
      }
      i = j - 1;
    }
  }
}

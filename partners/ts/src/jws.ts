/**
 * Compact JWS (RFC 7515) as the exchange uses it (spec § 3.1, § 6): ES256 only, a `typ` per use,
 * and a `kid` that names one key of the sender's registered JWKS — no other key is tried.
 *
 * Invariant: `verifyToken` throws a `Refusal` carrying the spec's code for the first check that
 * fails, in the spec's order (§ 4 step 3).
 */
import { CompactSign, compactVerify, exportJWK, generateKeyPair, importJWK, calculateJwkThumbprint } from "jose";
import type { JWK } from "jose";
import { Refusal } from "./refusals.js";

export const ENVELOPE = "tongban-envelope+jws";
export const RECEIPT = "tongban-receipt+jws";
export const FETCH = "tongban-fetch+jws";
export const RECORD = "tongban-record+jws";

export interface Jwks {
  keys: JWK[];
}

export interface PrivateKey {
  jwk: JWK; // private members included; never published
  kid: string;
}

export async function newPrivateKey(): Promise<PrivateKey> {
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { jwk: { ...jwk, kid, alg: "ES256", use: "sig" }, kid };
}

export function publicJwk(key: PrivateKey): JWK {
  const { d: _private, ...rest } = key.jwk;
  return rest;
}

export async function sign(claims: object, key: PrivateKey, typ: string): Promise<string> {
  const secret = await importJWK(key.jwk, "ES256");
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: "ES256", kid: key.kid, typ })
    .sign(secret);
}

function b64urlJson(part: string): unknown {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) throw new Error("not base64url");
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The claims of a token, read without verifying it (§ 4 step 2): `envelope_malformed` if unreadable. */
export function unverifiedClaims(token: string): Record<string, unknown> {
  const parts = token.split(".");
  let claims: unknown;
  try {
    if (parts.length !== 3) throw new Error("not three parts");
    claims = b64urlJson(parts[1]!);
  } catch {
    throw new Refusal("envelope_malformed");
  }
  if (!isObject(claims)) throw new Refusal("envelope_malformed");
  return claims;
}

/** The header of a token: `signature_malformed` if it is not a JWS header. */
export function header(token: string): Record<string, unknown> {
  const parts = token.split(".");
  let head: unknown;
  try {
    if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[2]!)) throw new Error("not a JWS");
    head = b64urlJson(parts[0]!);
  } catch {
    throw new Refusal("signature_malformed");
  }
  if (!isObject(head) || typeof head.alg !== "string") throw new Refusal("signature_malformed");
  return head;
}

/**
 * Verify `token` as a `typ` token of a sender whose registered keys are `jwks`; answers the claims.
 * Checks: well-formed, `alg` ES256 and the expected `typ`, a registered `kid`, a key of the
 * algorithm's type, a valid signature.
 */
export async function verifyToken(token: string, jwks: Jwks, typ: string): Promise<Record<string, unknown>> {
  const head = header(token);
  if (head.alg !== "ES256" || head.typ !== typ) throw new Refusal("signature_algorithm_refused");
  const kid = head.kid;
  const jwk = typeof kid === "string" ? jwks.keys.find((k) => k.kid === kid) : undefined;
  if (jwk === undefined) throw new Refusal("unknown_kid");
  if (jwk.kty !== "EC" || jwk.crv !== "P-256") throw new Refusal("signature_algorithm_refused");
  let key;
  try {
    key = await importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, "ES256");
  } catch {
    throw new Refusal("signature_algorithm_refused");
  }
  let verified;
  try {
    verified = await compactVerify(token, key, { algorithms: ["ES256"] });
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new Refusal(code === "ERR_JWS_SIGNATURE_VERIFICATION_FAILED" ? "signature_invalid" : "signature_malformed");
  }
  const claims: unknown = JSON.parse(new TextDecoder().decode(verified.payload));
  if (!isObject(claims)) throw new Refusal("envelope_malformed");
  return claims;
}

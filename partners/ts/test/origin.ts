/** A stand-in origin province (430000) for the tests: signs what it sends, checks what it gets. */
import { randomUUID } from "node:crypto";
import { digest, sha256Hex } from "../src/jcs.js";
import { ENVELOPE, FETCH, RECEIPT, newPrivateKey, publicJwk, sign, verifyToken } from "../src/jws.js";
import type { Jwks, PrivateKey } from "../src/jws.js";
import { rfc3339 } from "../src/clock.js";
import type { Endpoint } from "./helpers.js";

export const ORIGIN = "430000";
export const ORIGIN_BASE = "http://origin.test";

export class Origin implements Endpoint {
  key!: PrivateKey;
  handlerJwks: Jwks = { keys: [] };
  readonly got: { claims: Record<string, unknown>; payload: Record<string, unknown> }[] = [];
  readonly files = new Map<string, Buffer>();
  readonly fetched: string[] = [];

  static async create(): Promise<Origin> {
    const origin = new Origin();
    origin.key = await newPrivateKey();
    return origin;
  }

  jwks(): Jwks {
    return { keys: [publicJwk(this.key)] };
  }

  async envelope(type: string, number: string, seq: number, payload: unknown, to: string, override: object = {}): Promise<string> {
    const claims = {
      v: 1,
      id: randomUUID(),
      type,
      case: number,
      from: ORIGIN,
      to,
      sent_at: rfc3339(new Date()),
      seq,
      payload_sha256: digest(payload),
      ...override,
    };
    return sign(claims, this.key, ENVELOPE);
  }

  async receiveMessage(raw: Buffer): Promise<{ status: number; body: Record<string, unknown> }> {
    const body = JSON.parse(raw.toString("utf8")) as { envelope: string; payload: Record<string, unknown> };
    const claims = await verifyToken(body.envelope, this.handlerJwks, ENVELOPE);
    if (claims.payload_sha256 !== digest(body.payload)) return { status: 422, body: { code: "payload_digest_mismatch" } };
    this.got.push({ claims, payload: body.payload });
    const receipt = await sign(
      { receipt_for: claims.id, case: claims.case, payload_sha256: claims.payload_sha256, from: ORIGIN, to: claims.from, received_at: rfc3339(new Date()) },
      this.key,
      RECEIPT,
    );
    return { status: 200, body: { receipt, message_id: claims.id, status: "applied" } };
  }

  async serveFetch(raw: Buffer): Promise<{ status: number; body: Record<string, unknown> }> {
    const body = JSON.parse(raw.toString("utf8")) as { request: string };
    const claims = await verifyToken(body.request, this.handlerJwks, FETCH);
    const fileId = String(claims.file_id);
    if (!this.files.has(fileId)) return { status: 404, body: { code: "file_not_found" } };
    this.fetched.push(fileId);
    return { status: 200, body: { file_id: fileId, url: `${ORIGIN_BASE}/links/${fileId}`, expires_in: 120 } };
  }

  download(token: string): { content: Buffer } | undefined {
    const content = this.files.get(token);
    return content === undefined ? undefined : { content };
  }

  /** A file of the applicant's, named by reference in a payload. */
  file(fileId: string, slot: string, content: Buffer): Record<string, unknown> {
    this.files.set(fileId, content);
    return {
      file_id: fileId,
      slot,
      filename: `${slot}.pdf`,
      content_type: "application/pdf",
      size: content.length,
      sha256: sha256Hex(content),
      trust_level: "C",
      licence_ref: null,
    };
  }
}

export function forwarded(files: Record<string, unknown>[]): Record<string, unknown> {
  return {
    item_code: "KSTB-RS-004",
    item_version: 1,
    mode: "full_online",
    channel: "mobile",
    applicant: { subject: "s-1", issuer: "https://id.430000.example", name: "测试申请人甲", id_number: "430102199001010016", phone: "13800000001" },
    form: { residence_city: "长沙市", note: "A&B <b>" },
    files,
    submitted_at: rfc3339(new Date()),
  };
}

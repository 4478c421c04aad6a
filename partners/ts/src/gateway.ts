/**
 * A partner gateway of the Tongban exchange v1, as the handling province (办理地) of cases other
 * provinces forward to it, written from docs/exchange/README.md and the schemas alone.
 *
 * Invariants:
 * - A message is answered with a receipt only after it is stored; a replay gets the first receipt,
 *   byte for byte, and is never applied twice (§ 7, § 9).
 * - A sender's messages about a case are applied in `seq` order, each once; later ones park (§ 11).
 * - A message that does not fit the case's state is not dropped: the case is marked out of sync
 *   and the message retried (§ 8.1).
 * - Every refusal is recorded with what the request claimed, and changes nothing else (§ 4).
 * - Every act of the clerk that the origin must know is stored in the outbox with its `seq` in
 *   the same step as the act, and sent with retries until a receipt verifies (§ 12).
 * State lives in memory: a restart forgets everything (this is a test partner, not a product).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { checkIJsonText, canonicalize, digest, NotCanonical, sha256Hex } from "./jcs.js";
import { ENVELOPE, FETCH, RECEIPT, sign, unverifiedClaims, verifyToken, publicJwk } from "./jws.js";
import type { Jwks, PrivateKey } from "./jws.js";
import { Refusal } from "./refusals.js";
import { Schemas } from "./schemas.js";
import { beijingDate, caseClock, parseWithOffset, rfc3339 } from "./clock.js";
import type { Pause } from "./clock.js";

export const MAX_MESSAGE_BYTES = 131_072;
export const MAX_FETCH_BODY_BYTES = 262_144;
export const MAX_ENVELOPE_CHARS = 8192;
export const MAX_FETCH_REQUEST_CHARS = 4096;
export const MAX_DEPTH = 32;
export const MAX_FILE_BYTES = 50 * 1024 * 1024;
const STALE_MS = 15 * 60 * 1000;
const FUTURE_MS = 2 * 60 * 1000;
const LINK_SECONDS = 120;
const MAX_ATTEMPTS = 8;
const OPENING = new Set(["case.forwarded", "case.dispatched"]);

export interface Partner {
  code: string;
  endpoint: string;
  jwks: Jwks;
  status: "active" | "suspended";
}

export interface FileRef {
  file_id: string;
  slot: string;
  filename: string;
  content_type: string | null;
  size: number | null;
  sha256: string | null;
  trust_level: string;
  licence_ref: string | null;
}

export interface CaseFile extends FileRef {
  status: "pending" | "verified" | "failed";
  held: "partner" | "here"; // whose file it is: the origin's (fetched) or this province's
  content?: Buffer;
  attempts: number;
  next_at: number;
  error?: string;
}

export type State =
  | "submitted"
  | "accepted"
  | "not_accepted"
  | "supplement_requested"
  | "supplemented"
  | "approved"
  | "denied"
  | "result_issued"
  | "delivered"
  | "withdrawn"
  | "closed";

export interface Case {
  number: string;
  partner: string; // the origin province: the only one the case is shared with
  item_code: string;
  mode: string;
  state: State;
  applicant: Record<string, unknown>;
  form: Record<string, unknown>;
  files: CaseFile[];
  accepted_on: string | null;
  pauses: Pause[];
  supplement: Record<string, unknown>[] | null;
  decision: Record<string, unknown> | null;
  result: Record<string, unknown> | null;
  out_seq: number;
  out_of_sync: { message_id: string; type: string; found: string; attempts: number } | null;
  timeline: { at: string; what: string; details?: Record<string, unknown> }[];
}

interface Received {
  id: string;
  from: string;
  type: string;
  case: string;
  seq: number;
  payload_sha256: string;
  payload: Record<string, unknown>;
  envelope: string;
  receipt: string;
  status: "received" | "parked" | "applied" | "blocked";
  received_at: string;
  next_at: number;
  attempts: number;
}

export interface Sent {
  id: string;
  to: string;
  type: string;
  case: string;
  seq: number;
  payload: Record<string, unknown>;
  payload_sha256: string;
  envelope?: string; // the signature of the attempt that got the receipt
  receipt?: string;
  status: "pending" | "delivered" | "dead";
  attempts: number;
  next_at: number;
  last_error?: string;
}

export interface RefusalRecord {
  code: string;
  at: string;
  route: "messages" | "files";
  id?: unknown;
  from?: unknown;
  type?: unknown;
  case?: unknown;
}

export interface Item {
  statutory_days: number;
  promised_days: number;
}

export interface HttpAnswer {
  status: number; // 0: no answer
  body: unknown;
}

/** How this gateway reaches others: posting JSON and downloading a link. */
export interface Transport {
  postJson(url: string, body: unknown): Promise<HttpAnswer>;
  download(url: string, maxBytes: number): Promise<Buffer>;
}

export const httpTransport: Transport = {
  async postJson(url, body) {
    try {
      const answer = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await answer.text();
      let parsed: unknown = {};
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = {};
      }
      return { status: answer.status, body: parsed };
    } catch {
      return { status: 0, body: {} };
    }
  },
  async download(url, maxBytes) {
    const answer = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    if (answer.status !== 200 || answer.body === null) throw new Error(`download answered ${answer.status}`);
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of answer.body as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > maxBytes) throw new Error("the file exceeds its size limit");
      parts.push(Buffer.from(chunk));
    }
    return Buffer.concat(parts);
  },
};

export interface Options {
  province: string;
  key: PrivateKey;
  schemas: Schemas;
  publicBase: string; // this gateway's own base URL, for the download links it hands out
  items?: Record<string, Item>;
  defaultItem?: Item;
  transport?: Transport;
  now?: () => Date;
  retryFirstMs?: number; // § 12: 30 s
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  problem?: boolean;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Nesting depth of a JSON text, counted outside strings (checked before parsing). */
export function depthOf(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "{" || ch === "[") deepest = Math.max(deepest, ++depth);
    else if (ch === "}" || ch === "]") depth--;
  }
  return deepest;
}

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** A string anywhere in a parsed value that holds a control character other than tab, CR, LF. */
function holdsControl(value: unknown): boolean {
  if (typeof value === "string") return CONTROL.test(value);
  if (Array.isArray(value)) return value.some(holdsControl);
  if (isObject(value)) return Object.entries(value).some(([k, v]) => CONTROL.test(k) || holdsControl(v));
  return false;
}

/**
 * The JSON body of a request, checked as § 4 step 1 says, in its order: media type, size, depth,
 * JSON, control characters; throws a Refusal.
 */
export function readBody(raw: Buffer, contentType: string | undefined, limit: number, tooLarge: string): unknown {
  const media = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (media !== "application/json") throw new Refusal("unsupported_media_type");
  if (raw.length > limit) throw new Refusal(tooLarge);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    throw new Refusal("malformed_json");
  }
  if (depthOf(text) > MAX_DEPTH) throw new Refusal("json_too_deep");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Refusal("malformed_json");
  }
  if (holdsControl(body)) throw new Refusal("validation_failed");
  return body;
}

const CASE_NUMBER = /^[1-6][0-9]0000-[0-9]{8}-[0-9A-Z]{8}$/;
const PROVINCE = /^[1-6][0-9]0000$/;

export class Gateway {
  readonly province: string;
  readonly partners = new Map<string, Partner>();
  readonly cases = new Map<string, Case>();
  readonly received = new Map<string, Received>();
  readonly outbox: Sent[] = [];
  readonly refusals: RefusalRecord[] = [];
  private readonly lastApplied = new Map<string, number>(); // `${case}|${sender}` → seq
  private readonly links = new Map<string, { case: string; file_id: string; expires: number }>();
  private readonly items: Record<string, Item>;
  private readonly defaultItem: Item;
  private readonly transport: Transport;
  private readonly now: () => Date;
  private readonly retryFirstMs: number;
  private timer: NodeJS.Timeout | undefined;
  private working = false;

  constructor(private readonly options: Options) {
    this.province = options.province;
    this.items = options.items ?? {};
    this.defaultItem = options.defaultItem ?? { statutory_days: 20, promised_days: 10 };
    this.transport = options.transport ?? httpTransport;
    this.now = options.now ?? (() => new Date());
    this.retryFirstMs = options.retryFirstMs ?? 30_000;
  }

  jwks(): Jwks {
    return { keys: [publicJwk(this.options.key)] };
  }

  register(partner: Partner): void {
    if (!PROVINCE.test(partner.code) || partner.code === this.province) throw new Error("not a partner province");
    this.partners.set(partner.code, partner);
  }

  // — receiving a message (§ 4) —

  async receiveMessage(raw: Buffer, contentType: string | undefined): Promise<Answer> {
    let claimed: Record<string, unknown> = {};
    try {
      const body = readBody(raw, contentType, MAX_MESSAGE_BYTES, "message_too_large");
      if (
        !isObject(body) ||
        Object.keys(body).sort().join(",") !== "envelope,payload" ||
        typeof body.envelope !== "string" ||
        body.envelope.length > MAX_ENVELOPE_CHARS ||
        !isObject(body.payload)
      ) {
        throw new Refusal("validation_failed");
      }
      claimed = unverifiedClaims(body.envelope);
      const partner = this.sender(claimed);
      const claims = await verifyToken(body.envelope, partner.jwks, ENVELOPE);
      claimed = claims;
      this.checkEnvelopeClaims(claims);
      this.checkAddressAndTime(claims, true);
      const payload = body.payload;
      try {
        checkIJsonText(raw.toString("utf8"));
        if (digest(payload) !== claims.payload_sha256) throw new Refusal("payload_digest_mismatch");
      } catch (err) {
        if (err instanceof NotCanonical) throw new Refusal("payload_not_canonical");
        throw err;
      }
      if (!this.options.schemas.valid(String(claims.type), payload)) throw new Refusal("payload_invalid");
      return await this.store(body.envelope, claims, payload);
    } catch (err) {
      if (err instanceof Refusal) {
        this.refused(err.code, "messages", claimed);
        return { status: err.status, body: err.problem(false), problem: true };
      }
      throw err;
    }
  }

  private refused(code: string, route: "messages" | "files", claimed: Record<string, unknown>): void {
    const { id, from, type, case: number } = claimed;
    this.refusals.push({ code, at: rfc3339(this.now()), route, id, from, type, case: number });
  }

  /** § 4 step 2: a registered partner that is not suspended. */
  private sender(claims: Record<string, unknown>): Partner {
    // a `from` that is missing or not a string names no registered partner
    const partner = typeof claims.from === "string" ? this.partners.get(claims.from) : undefined;
    if (partner === undefined) throw new Refusal("unknown_sender");
    if (partner.status !== "active") throw new Refusal("partner_suspended");
    return partner;
  }

  /** § 4 step 4: a known type, every claim present and of its type, then the version. */
  private checkEnvelopeClaims(claims: Record<string, unknown>): void {
    if (typeof claims.type === "string" && !this.options.schemas.knows(claims.type)) {
      throw new Refusal("message_type_unsupported");
    }
    const asVersionOne = { ...claims, v: Number.isInteger(claims.v) ? 1 : claims.v };
    if (!this.options.schemas.validClaims("envelope", asVersionOne) || parseWithOffset(claims.sent_at) === undefined) {
      throw new Refusal("envelope_malformed");
    }
    if (claims.v !== 1) throw new Refusal("envelope_version_unsupported");
  }

  /** § 4 step 5 (and § 14 for a fetch, where both directions of the window are `message_stale`). */
  private checkAddressAndTime(claims: Record<string, unknown>, message: boolean): void {
    if (claims.to !== this.province) throw new Refusal("message_not_addressed_here");
    const sent = parseWithOffset(claims.sent_at);
    if (sent === undefined) throw new Refusal(message ? "envelope_malformed" : "message_stale");
    const age = this.now().getTime() - sent.getTime();
    if (age > STALE_MS) throw new Refusal("message_stale");
    if (-age > FUTURE_MS) throw new Refusal(message ? "message_from_the_future" : "message_stale");
  }

  /** § 4 step 7 and § 7: store, receipt, then apply in order. */
  private async store(envelope: string, claims: Record<string, unknown>, payload: Record<string, unknown>): Promise<Answer> {
    const id = String(claims.id);
    const known = this.received.get(id);
    if (known !== undefined) {
      if (known.from !== claims.from || known.payload_sha256 !== claims.payload_sha256) {
        throw new Refusal("message_id_reused");
      }
      return this.receiptAnswer(known);
    }
    const message: Received = {
      id,
      from: String(claims.from),
      type: String(claims.type),
      case: String(claims.case),
      seq: Number(claims.seq),
      payload_sha256: String(claims.payload_sha256),
      payload: JSON.parse(canonicalize(payload).toString("utf8")) as Record<string, unknown>,
      envelope,
      receipt: "",
      status: "received",
      received_at: rfc3339(this.now()),
      next_at: 0,
      attempts: 0,
    };
    message.receipt = await sign(
      {
        receipt_for: id,
        case: message.case,
        payload_sha256: message.payload_sha256,
        from: this.province,
        to: message.from,
        received_at: message.received_at,
      },
      this.options.key,
      RECEIPT,
    );
    this.received.set(id, message); // stored with its receipt before anyone sees the receipt
    this.applyInOrder(message);
    return this.receiptAnswer(message);
  }

  private receiptAnswer(message: Received): Answer {
    const status = message.status === "blocked" ? "received" : message.status; // stored, not applied yet
    return { status: 200, body: { receipt: message.receipt, message_id: message.id, status } };
  }

  // — applying (§ 8.1, § 11) —

  private applyInOrder(message: Received): void {
    const key = `${message.case}|${message.from}`;
    const last = this.lastApplied.get(key) ?? 0;
    if (message.seq <= last) {
      message.status = "applied"; // applied before under this seq: skip
      return;
    }
    if (message.seq > last + 1) {
      message.status = "parked";
      return;
    }
    if (!this.applyOne(message)) return;
    this.lastApplied.set(key, message.seq);
    for (let seq = message.seq + 1; ; seq++) {
      const next = [...this.received.values()].find(
        (m) => m.case === message.case && m.from === message.from && m.seq === seq && m.status === "parked",
      );
      if (next === undefined || !this.applyOne(next)) break;
      this.lastApplied.set(key, seq);
    }
  }

  /** Apply one message to its case; false when it does not fit the case's state (out of sync). */
  private applyOne(message: Received): boolean {
    const at = rfc3339(this.now());
    const existing = this.cases.get(message.case);
    const p = message.payload;
    if (OPENING.has(message.type)) {
      if (existing !== undefined) return this.outOfSync(message, existing);
      this.open(message);
      message.status = "applied";
      return true;
    }
    if (existing === undefined || existing.partner !== message.from) {
      return this.outOfSync(message, undefined);
    }
    const c = existing;
    const noted = (): boolean => {
      c.timeline.push({ at, what: `partner_${message.type.slice(5)}`, details: { noted: true } });
      return this.applied(message, c);
    };
    const stopped = ["withdrawn", "closed", "not_accepted"].includes(c.state);
    switch (message.type) {
      case "case.supplement_answered": {
        if (stopped) return noted();
        if (c.state !== "supplement_requested") return this.outOfSync(message, c);
        const pause = c.pauses.find((x) => x.kind === "supplement" && x.end === null);
        if (pause !== undefined) pause.end = beijingDate(this.now());
        const files = (p.files as FileRef[]) ?? [];
        c.files.push(...files.map((ref) => this.incoming(ref)));
        c.state = "supplemented";
        c.timeline.push({ at, what: "supplement_answered", details: { note: p.note, files: files.length } });
        return this.applied(message, c);
      }
      case "case.withdrawn": {
        if (stopped || c.state === "denied") return noted();
        c.state = ["approved", "result_issued", "delivered"].includes(c.state) ? "closed" : "withdrawn";
        c.timeline.push({ at, what: "withdrawn", details: { reason: p.reason } });
        return this.applied(message, c);
      }
      case "case.result_handed_over": {
        if (stopped || c.state === "delivered") return noted();
        if (c.state !== "result_issued") return this.outOfSync(message, c);
        c.state = "delivered";
        c.timeline.push({ at, what: "result_handed_over" });
        return this.applied(message, c);
      }
      case "case.cancelled": {
        if (stopped || c.state === "denied") return noted();
        if (!["approved", "result_issued", "delivered"].includes(c.state)) return this.outOfSync(message, c);
        c.state = "closed";
        c.timeline.push({ at, what: "cancelled", details: { reason: p.reason } });
        return this.applied(message, c);
      }
      case "case.revealed":
        c.timeline.push({ at, what: "partner_revealed", details: { fields: p.fields } });
        return this.applied(message, c);
      default:
        return this.outOfSync(message, c); // a handler's message, sent to the handler
    }
  }

  private applied(message: Received, c: Case): boolean {
    message.status = "applied";
    if (c.out_of_sync?.message_id === message.id) c.out_of_sync = null;
    return true;
  }

  private outOfSync(message: Received, c: Case | undefined): boolean {
    message.status = "blocked";
    message.attempts++;
    message.next_at = this.now().getTime() + Math.min(60_000 * 2 ** (message.attempts - 1), 3_600_000);
    if (c !== undefined && c.out_of_sync?.message_id !== message.id) {
      c.out_of_sync = { message_id: message.id, type: message.type, found: c.state, attempts: message.attempts };
      c.timeline.push({ at: rfc3339(this.now()), what: "out_of_sync", details: { message: message.id } });
    }
    console.warn(`case out of sync: ${message.case} ${message.type}`);
    return false;
  }

  private open(message: Received): void {
    const p = message.payload;
    const files = ((p.files as FileRef[]) ?? []).map((ref) => this.incoming(ref));
    this.cases.set(message.case, {
      number: message.case,
      partner: message.from,
      item_code: String(p.item_code),
      mode: message.type === "case.dispatched" ? "proxy_intake" : String(p.mode ?? "full_online"),
      state: "submitted",
      applicant: p.applicant as Record<string, unknown>,
      form: (p.form as Record<string, unknown>) ?? {},
      files,
      accepted_on: null,
      pauses: [],
      supplement: null,
      decision: null,
      result: null,
      out_seq: 0,
      out_of_sync: null,
      timeline: [{ at: rfc3339(this.now()), what: "opened_from_partner", details: { origin: message.from, files: files.length } }],
    });
  }

  /** A file a partner's message names: an e-licence is taken as its reference, the rest is fetched. */
  private incoming(ref: FileRef): CaseFile {
    const byReference = ref.licence_ref !== null && ref.licence_ref !== undefined;
    return { ...ref, status: byReference ? "verified" : "pending", held: "partner", attempts: 0, next_at: 0 };
  }

  // — the clerk's acts, each told to the origin (§ 8) —

  private caseFor(number: string): Case {
    const c = this.cases.get(number);
    if (c === undefined) throw new ActRefused(404, "case_not_found");
    return c;
  }

  private clock(c: Case): Record<string, unknown> {
    const item = this.items[c.item_code] ?? this.defaultItem;
    return caseClock(item.statutory_days, item.promised_days, c.accepted_on, c.pauses, beijingDate(this.now()));
  }

  private requireFiles(c: Case): void {
    if (c.files.some((f) => f.held === "partner" && f.status !== "verified")) {
      throw new ActRefused(409, "files_not_verified");
    }
  }

  private requireState(c: Case, ...states: State[]): void {
    if (!states.includes(c.state)) throw new ActRefused(409, "act_not_allowed");
  }

  accept(number: string): Case {
    const c = this.caseFor(number);
    this.requireState(c, "submitted", "supplemented");
    if (c.accepted_on !== null) throw new ActRefused(409, "act_not_allowed");
    this.requireFiles(c);
    c.state = "accepted";
    c.accepted_on = beijingDate(this.now());
    this.tell(c, "case.accepted", { act: "accept", state: c.state, clock: this.clock(c) });
    return c;
  }

  refuse(number: string, reason: string, legalBasis: string): Case {
    const c = this.caseFor(number);
    this.requireState(c, "submitted", "supplemented");
    if (c.accepted_on !== null) throw new ActRefused(409, "act_not_allowed");
    c.state = "not_accepted";
    const refusal = { reason, legal_basis: legalBasis };
    this.tell(c, "case.not_accepted", { act: "refuse", state: c.state, clock: this.clock(c), refusal });
    return c;
  }

  requestSupplement(number: string, items: Record<string, unknown>[]): Case {
    const c = this.caseFor(number);
    this.requireState(c, "submitted", "accepted", "supplemented");
    if (items.length < 1 || items.length > 50) throw new ActRefused(422, "validation_failed");
    c.state = "supplement_requested";
    c.supplement = items;
    // 补正 stops the clock only once it runs: before 受理 it has not started
    if (c.accepted_on !== null) c.pauses.push({ kind: "supplement", start: beijingDate(this.now()), end: null });
    this.tell(c, "case.supplement_requested", {
      act: "request_supplement",
      state: c.state,
      clock: this.clock(c),
      supplement: { items },
    });
    return c;
  }

  decide(number: string, approved: boolean, reasons: string[], legalBasis: string | null): Case {
    const c = this.caseFor(number);
    this.requireState(c, "accepted", "supplemented");
    if (c.accepted_on === null) throw new ActRefused(409, "act_not_allowed"); // 受理 first
    this.requireFiles(c);
    c.state = approved ? "approved" : "denied";
    c.decision = {
      approved,
      reasons,
      legal_basis: legalBasis,
      on_commitment: false,
      verification_due: null,
      decided_at: rfc3339(this.now()),
    };
    this.tell(c, "case.decided", { act: "decide", state: c.state, clock: this.clock(c), decision: c.decision });
    return c;
  }

  /** 出证: the result, with its document as a file this gateway serves to the origin's fetch. */
  issueResult(
    number: string,
    title: string,
    delivery: "electronic" | "mail" | "window_pickup",
    document: { filename: string; content_type: string; content: Buffer } | null,
  ): Case {
    const c = this.caseFor(number);
    this.requireState(c, "approved", "denied");
    const issuedAt = rfc3339(this.now());
    c.result = {
      delivery,
      title,
      licence_ref: null,
      carrier: null,
      tracking_number: null,
      issued_at: issuedAt,
      delivered_at: null,
    };
    const payload: Record<string, unknown> = { act: "issue_result", state: "result_issued", result: c.result };
    if (document !== null) {
      const file: CaseFile = {
        file_id: newFileId(),
        slot: "result",
        filename: document.filename,
        content_type: document.content_type,
        size: document.content.length,
        sha256: sha256Hex(document.content),
        trust_level: "A",
        licence_ref: null,
        status: "verified",
        held: "here",
        content: document.content,
        attempts: 0,
        next_at: 0,
      };
      c.files.push(file);
      payload.file = fileRef(file);
    }
    c.state = "result_issued";
    payload.clock = this.clock(c);
    this.tell(c, "case.result_issued", payload);
    return c;
  }

  /** The outbox entry of an act: id and seq fixed now, never changed afterwards (§ 12). */
  private tell(c: Case, type: string, payload: Record<string, unknown>): void {
    if (!this.options.schemas.valid(type, payload)) throw new Error(`${type} payload does not fit its schema`);
    c.out_seq += 1;
    this.outbox.push({
      id: randomUUID(),
      to: c.partner,
      type,
      case: c.number,
      seq: c.out_seq,
      payload,
      payload_sha256: digest(payload),
      status: "pending",
      attempts: 0,
      next_at: 0,
    });
    c.timeline.push({ at: rfc3339(this.now()), what: type.slice(5), details: { seq: c.out_seq } });
    this.kick();
  }

  // — sending (§ 7, § 12) —

  private backoff(attempts: number): number {
    return Math.min(this.retryFirstMs * 2 ** (attempts - 1), 3_600_000);
  }

  /** One attempt to deliver a message: signed anew, delivered only when the receipt verifies. */
  async deliver(message: Sent): Promise<void> {
    const partner = this.partners.get(message.to);
    message.attempts++;
    const failed = (why: string, final = false): void => {
      message.last_error = why;
      if (final || message.attempts >= MAX_ATTEMPTS) message.status = "dead";
      else message.next_at = this.now().getTime() + this.backoff(message.attempts);
    };
    if (partner === undefined || partner.status !== "active") return failed("partner not active");
    const claims = {
      v: 1,
      id: message.id,
      type: message.type,
      case: message.case,
      from: this.province,
      to: message.to,
      sent_at: rfc3339(this.now()),
      seq: message.seq,
      payload_sha256: message.payload_sha256,
    };
    const envelope = await sign(claims, this.options.key, ENVELOPE);
    const answer = await this.transport.postJson(`${partner.endpoint}/v1/exchange/messages`, {
      envelope,
      payload: message.payload,
    });
    if (answer.status === 0 || answer.status >= 500) return failed(`HTTP ${answer.status}`);
    const body = isObject(answer.body) ? answer.body : {};
    if (answer.status !== 200) {
      const code = String(body.code ?? answer.status);
      // a refusal will not go away by itself, except a clock out of step (§ 2, § 12)
      return failed(`refused: ${code}`, !["message_stale", "message_from_the_future"].includes(code));
    }
    try {
      const receipt = await verifyToken(String(body.receipt ?? ""), partner.jwks, RECEIPT);
      const expected = { receipt_for: message.id, payload_sha256: message.payload_sha256, from: message.to, to: this.province, case: message.case };
      for (const [name, value] of Object.entries(expected)) {
        if (receipt[name] !== value) throw new Error(`receipt ${name} differs`);
      }
    } catch (err) {
      return failed(`receipt does not verify: ${err instanceof Refusal ? err.code : (err as Error).message}`);
    }
    message.envelope = envelope;
    message.receipt = String(body.receipt);
    message.status = "delivered";
  }

  // — fetching the partner's files (§ 14) —

  async fetchFile(c: Case, file: CaseFile): Promise<void> {
    const partner = this.partners.get(c.partner);
    file.attempts++;
    try {
      if (partner === undefined) throw new Error("unknown partner");
      const request = await sign(
        { id: randomUUID(), case: c.number, file_id: file.file_id, from: this.province, to: c.partner, sent_at: rfc3339(this.now()) },
        this.options.key,
        FETCH,
      );
      const answer = await this.transport.postJson(`${partner.endpoint}/v1/exchange/files`, { request });
      const body = isObject(answer.body) ? answer.body : {};
      if (answer.status !== 200 || typeof body.url !== "string") throw new Error(`fetch answered ${answer.status} ${String(body.code ?? "")}`);
      const content = await this.transport.download(body.url, file.size ?? MAX_FILE_BYTES);
      if (sha256Hex(content) !== file.sha256) throw new Error("the file does not match its SHA-256");
      file.content = content;
      file.status = "verified";
      delete file.error;
    } catch (err) {
      file.error = (err as Error).message;
      if (file.attempts >= MAX_ATTEMPTS) file.status = "failed";
      else file.next_at = this.now().getTime() + this.backoff(file.attempts);
    }
  }

  // — serving this province's files (§ 14) —

  async serveFetch(raw: Buffer, contentType: string | undefined): Promise<Answer> {
    let claimed: Record<string, unknown> = {};
    try {
      const body = readBody(raw, contentType, MAX_FETCH_BODY_BYTES, "payload_too_large");
      if (
        !isObject(body) ||
        Object.keys(body).join(",") !== "request" ||
        typeof body.request !== "string" ||
        body.request.length > MAX_FETCH_REQUEST_CHARS
      ) {
        throw new Refusal("validation_failed");
      }
      claimed = unverifiedClaims(body.request);
      const partner = this.sender(claimed);
      const claims = await verifyToken(body.request, partner.jwks, FETCH);
      claimed = claims;
      const loose = { ...claims, sent_at: "2000-01-01T00:00:00+00:00" }; // time judged below
      if (!this.options.schemas.validClaims("fetch", loose)) throw new Refusal("envelope_malformed");
      this.checkAddressAndTime(claims, false);
      const c = this.cases.get(String(claims.case));
      if (c === undefined || c.partner !== claims.from) throw new Refusal("case_not_found");
      const file = c.files.find((f) => f.file_id === claims.file_id && f.status === "verified" && f.content);
      if (file === undefined) throw new Refusal("file_not_found");
      const token = randomBytes(24).toString("base64url");
      this.links.set(token, { case: c.number, file_id: file.file_id, expires: this.now().getTime() + LINK_SECONDS * 1000 });
      const url = `${this.options.publicBase}/v1/exchange/downloads/${token}`;
      return { status: 200, body: { file_id: file.file_id, url, expires_in: LINK_SECONDS } };
    } catch (err) {
      if (err instanceof Refusal) {
        this.refused(err.code, "files", claimed);
        return { status: err.status, body: err.problem(false), problem: true };
      }
      throw err;
    }
  }

  /** The content behind a download link, while the link lives. */
  download(token: string): { content: Buffer; content_type: string } | undefined {
    const link = this.links.get(token);
    if (link === undefined || link.expires < this.now().getTime()) return undefined;
    const file = this.cases.get(link.case)?.files.find((f) => f.file_id === link.file_id);
    if (file?.content === undefined) return undefined;
    return { content: file.content, content_type: file.content_type ?? "application/octet-stream" };
  }

  // — the work loop: outbox, file fetches, blocked messages —

  kick(): void {
    setImmediate(() => void this.work());
  }

  async work(): Promise<void> {
    if (this.working) return;
    this.working = true;
    try {
      const now = this.now().getTime();
      for (const message of this.outbox) {
        if (message.status === "pending" && message.next_at <= now) await this.deliver(message);
      }
      for (const c of this.cases.values()) {
        for (const file of c.files) {
          if (file.status === "pending" && file.next_at <= now) await this.fetchFile(c, file);
        }
      }
      for (const message of this.received.values()) {
        if (message.status === "blocked" && message.next_at <= now) {
          message.status = "received";
          const key = `${message.case}|${message.from}`;
          this.lastApplied.set(key, Math.min(this.lastApplied.get(key) ?? 0, message.seq - 1));
          this.applyInOrder(message);
        }
      }
    } finally {
      this.working = false;
    }
  }

  start(intervalMs = 500): void {
    this.timer ??= setInterval(() => void this.work(), intervalMs);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A case as the control API shows it (file contents left out). */
  view(c: Case): Record<string, unknown> {
    return {
      ...c,
      files: c.files.map(({ content: _content, ...rest }) => rest),
      clock: this.clock(c),
      outbox: this.outbox
        .filter((m) => m.case === c.number)
        .map(({ id, type, seq, status, attempts, last_error }) => ({ id, type, seq, status, attempts, last_error })),
    };
  }

  /** What this gateway exchanged about a case, as exchanged (§ 15): envelopes, payloads, receipts. */
  exchangeRecord(number: string): Record<string, unknown>[] {
    const received = [...this.received.values()]
      .filter((m) => m.case === number)
      .map((m) => ({ direction: "received", envelope: m.envelope, payload: m.payload, receipt: m.receipt, archived_at: m.received_at }));
    const sent = this.outbox
      .filter((m) => m.case === number && m.status === "delivered")
      .map((m) => ({ direction: "sent", envelope: m.envelope, payload: m.payload, receipt: m.receipt }));
    return [...received, ...sent];
  }
}

/** A clerk's act that the case does not allow (the control API's 4xx). */
export class ActRefused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code);
  }
}

const FILE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

function newFileId(): string {
  const bytes = randomBytes(12);
  return "F" + [...bytes].map((b) => FILE_ALPHABET[b % FILE_ALPHABET.length]).join("");
}

function fileRef(file: CaseFile): FileRef {
  const { file_id, slot, filename, content_type, size, sha256, trust_level, licence_ref } = file;
  return { file_id, slot, filename, content_type, size, sha256, trust_level, licence_ref };
}

export { CASE_NUMBER };

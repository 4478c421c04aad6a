/**
 * The HTTP face of the partner: the exchange routes of spec § 2 (no bearer token: the signature
 * authenticates), the download links it hands out, and a small control API for the clerk's acts
 * and the operator's partner registry, behind a bearer token of its own.
 */
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";
import { ActRefused, Gateway, MAX_FETCH_BODY_BYTES, MAX_MESSAGE_BYTES } from "./gateway.js";
import type { Answer, Partner } from "./gateway.js";
import { Refusal } from "./refusals.js";

async function readRaw(request: IncomingMessage, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    parts.push(chunk as Buffer);
    if (size > limit) break; // enough to know it is too large
  }
  return Buffer.concat(parts);
}

function send(response: ServerResponse, status: number, body: unknown, contentType = "application/json"): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "Content-Type": `${contentType}; charset=utf-8`, "Content-Length": Buffer.byteLength(text) });
  response.end(text);
}

function answer(response: ServerResponse, result: Answer, english: boolean): void {
  let body = result.body;
  if (result.problem === true && english) body = new Refusal(String(body.code)).problem(true);
  send(response, result.status, body, result.problem === true ? "application/problem+json" : "application/json");
}

function problem(response: ServerResponse, status: number, code: string): void {
  send(response, status, { type: `https://tongban.gov.cn/problems/${code}`, title: code, status, code }, "application/problem+json");
}

function authorised(request: IncomingMessage, token: string): boolean {
  const given = Buffer.from(request.headers.authorization ?? "");
  const wanted = Buffer.from(`Bearer ${token}`);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

async function controlBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = await readRaw(request, MAX_FETCH_BODY_BYTES);
  if (raw.length === 0) return {};
  const body: unknown = JSON.parse(raw.toString("utf8"));
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new ActRefused(422, "validation_failed");
  return body as Record<string, unknown>;
}

function text(value: unknown, what: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 2000) throw new ActRefused(422, `${what}_required`);
  return value;
}

function base64Content(value: unknown): Buffer {
  if (typeof value !== "string" || value.length === 0 || !/^[A-Za-z0-9+/]+=*$/.test(value)) {
    throw new ActRefused(422, "content_required");
  }
  return Buffer.from(value, "base64");
}

async function control(gateway: Gateway, request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
  const method = request.method ?? "GET";
  const parts = path.split("/").filter(Boolean); // control, …
  const body = method === "GET" ? {} : await controlBody(request);
  if (method === "PUT" && parts[1] === "partners" && parts.length === 3) {
    const jwks = body.jwks as Partner["jwks"];
    if (typeof body.endpoint !== "string" || !Array.isArray(jwks?.keys)) throw new ActRefused(422, "validation_failed");
    const status = body.status === "suspended" ? "suspended" : "active";
    gateway.register({ code: parts[2]!, endpoint: body.endpoint.replace(/\/$/, ""), jwks, status });
    return send(response, 200, { code: parts[2], endpoint: body.endpoint, kids: jwks.keys.map((k) => k.kid), status });
  }
  if (method === "GET" && parts[1] === "refusals") return send(response, 200, { items: gateway.refusals });
  if (method === "GET" && parts[1] === "cases" && parts.length === 2) {
    return send(response, 200, { items: [...gateway.cases.values()].map((c) => gateway.view(c)) });
  }
  const number = parts[2] ?? "";
  if (method === "GET" && parts[1] === "cases" && parts.length === 3) {
    const c = gateway.cases.get(number);
    return c === undefined ? problem(response, 404, "case_not_found") : send(response, 200, gateway.view(c));
  }
  if (method === "GET" && parts[1] === "cases" && parts[3] === "exchange-record") {
    return send(response, 200, { case: number, messages: gateway.exchangeRecord(number) });
  }
  if (method === "POST" && parts[1] === "cases" && parts.length === 4) {
    const act = parts[3];
    let c;
    if (act === "accept") c = gateway.accept(number);
    else if (act === "refuse") c = gateway.refuse(number, text(body.reason, "reason"), text(body.legal_basis, "legal_basis"));
    else if (act === "supplement-request") {
      const items = Array.isArray(body.items) ? (body.items as Record<string, unknown>[]) : [];
      for (const item of items) text(item.reason, "reason");
      c = gateway.requestSupplement(number, items);
    } else if (act === "decide") {
      const reasons = Array.isArray(body.reasons) ? body.reasons.map((r) => text(r, "reason")) : [];
      const basis = body.legal_basis === undefined || body.legal_basis === null ? null : text(body.legal_basis, "legal_basis");
      c = gateway.decide(number, body.approved === true, reasons, basis);
    } else if (act === "issue-result") {
      const delivery = body.delivery ?? "electronic";
      if (delivery !== "electronic" && delivery !== "mail" && delivery !== "window_pickup") throw new ActRefused(422, "validation_failed");
      const doc = body.document as Record<string, unknown> | undefined;
      const document =
        doc === undefined
          ? null
          : {
              filename: text(doc.filename, "filename"),
              content_type: text(doc.content_type, "content_type"),
              content: base64Content(doc.content_base64),
            };
      c = gateway.issueResult(number, text(body.title, "title"), delivery, document);
    } else return problem(response, 404, "not_found");
    return send(response, 200, gateway.view(c));
  }
  return problem(response, 404, "not_found");
}

export function serve(gateway: Gateway, controlToken: string): Server {
  return createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? "/", "http://partner");
      const path = url.pathname.replace(/\/+$/, "");
      const english = (request.headers["accept-language"] ?? "").toLowerCase().startsWith("en");
      try {
        if (path === "/v1/exchange/jwks" && request.method === "GET") return send(response, 200, gateway.jwks());
        if (path === "/v1/exchange/messages" && request.method === "POST") {
          const raw = await readRaw(request, MAX_MESSAGE_BYTES);
          return answer(response, await gateway.receiveMessage(raw, request.headers["content-type"]), english);
        }
        if (path === "/v1/exchange/files" && request.method === "POST") {
          const raw = await readRaw(request, MAX_FETCH_BODY_BYTES);
          return answer(response, await gateway.serveFetch(raw, request.headers["content-type"]), english);
        }
        if (path.startsWith("/v1/exchange/downloads/") && request.method === "GET") {
          const file = gateway.download(path.slice("/v1/exchange/downloads/".length));
          if (file === undefined) return problem(response, 404, "file_not_found");
          response.writeHead(200, { "Content-Type": file.content_type, "Content-Length": file.content.length });
          return response.end(file.content);
        }
        if (path === "/v1/health") return send(response, 200, { status: "ok", province: gateway.province });
        if (path.startsWith("/control/")) {
          if (!authorised(request, controlToken)) return problem(response, 401, "unauthorized");
          return await control(gateway, request, response, path);
        }
        return problem(response, 404, "not_found");
      } catch (err) {
        if (err instanceof ActRefused) return problem(response, err.status, err.code);
        if (err instanceof SyntaxError) return problem(response, 400, "malformed_json");
        console.error("unexpected error", (err as Error).message);
        if (!response.headersSent) problem(response, 500, "internal_error");
      }
    })();
  });
}

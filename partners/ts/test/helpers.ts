import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Gateway } from "../src/gateway.js";
import type { HttpAnswer, Transport } from "../src/gateway.js";
import { newPrivateKey } from "../src/jws.js";
import { Schemas } from "../src/schemas.js";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
export const SCHEMAS = new Schemas(resolve(REPO, "openapi/messages/v1"));

/** What answers at a base URL: the gateway under test or a stand-in origin. */
export interface Endpoint {
  receiveMessage(raw: Buffer, contentType: string): Promise<{ status: number; body: Record<string, unknown> }>;
  serveFetch(raw: Buffer, contentType: string): Promise<{ status: number; body: Record<string, unknown> }>;
  download(token: string): { content: Buffer } | undefined;
}

/** Gateways that reach each other in process, as if over HTTP. */
export function linked(): { transport: Transport; routes: Map<string, Endpoint> } {
  const routes = new Map<string, Endpoint>();
  const transport: Transport = {
    async postJson(url: string, body: unknown): Promise<HttpAnswer> {
      const { origin, pathname } = new URL(url);
      const target = routes.get(origin);
      if (target === undefined) return { status: 0, body: {} };
      const raw = Buffer.from(JSON.stringify(body));
      const answer = pathname.endsWith("/messages")
        ? await target.receiveMessage(raw, "application/json")
        : await target.serveFetch(raw, "application/json");
      return { status: answer.status, body: answer.body };
    },
    async download(url: string): Promise<Buffer> {
      const { origin, pathname } = new URL(url);
      const file = routes.get(origin)?.download(pathname.split("/").pop() ?? "");
      if (file === undefined) throw new Error("no such link");
      return file.content;
    },
  };
  return { transport, routes };
}

export async function gatewayAt(
  province: string,
  base: string,
  net: ReturnType<typeof linked>,
  now?: () => Date,
): Promise<Gateway> {
  const gateway = new Gateway({
    province,
    key: await newPrivateKey(),
    schemas: SCHEMAS,
    publicBase: base,
    transport: net.transport,
    retryFirstMs: 10,
    ...(now === undefined ? {} : { now }),
  });
  net.routes.set(base, gateway);
  return gateway;
}

export function pair(a: Gateway, aBase: string, b: Gateway, bBase: string): void {
  a.register({ code: b.province, endpoint: bBase, jwks: b.jwks(), status: "active" });
  b.register({ code: a.province, endpoint: aBase, jwks: a.jwks(), status: "active" });
}

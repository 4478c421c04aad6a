#!/usr/bin/env node
/**
 * tongban-partner: run the partner gateway, or make its key.
 *
 *   node dist/src/main.js keygen --out key.json            (prints the public JWKS to register)
 *   node dist/src/main.js serve --province 530000 --port 8530 --key key.json \
 *        --control-token SECRET [--schemas DIR] [--items items.json] [--public-base URL]
 *        [--retry-first-ms 30000] [--ready-file FILE]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Gateway } from "./gateway.js";
import type { Item } from "./gateway.js";
import { newPrivateKey, publicJwk } from "./jws.js";
import type { PrivateKey } from "./jws.js";
import { Schemas } from "./schemas.js";
import { serve } from "./server.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const DEFAULT_SCHEMAS = resolve(HERE, "../../../../openapi/messages/v1");

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      out: { type: "string" },
      province: { type: "string" },
      port: { type: "string", default: "0" },
      host: { type: "string", default: "127.0.0.1" },
      key: { type: "string" },
      "control-token": { type: "string" },
      schemas: { type: "string", default: DEFAULT_SCHEMAS },
      items: { type: "string" },
      "public-base": { type: "string" },
      "retry-first-ms": { type: "string", default: "30000" },
      "ready-file": { type: "string" },
    },
  });
  if (command === "keygen") {
    const key = await newPrivateKey();
    if (values.out === undefined) throw new Error("--out is required");
    writeFileSync(values.out, JSON.stringify(key.jwk, null, 2) + "\n", { mode: 0o600 });
    console.log(JSON.stringify({ keys: [publicJwk(key)] }, null, 2));
    return 0;
  }
  if (command !== "serve") {
    console.error("usage: main.js keygen --out FILE | serve --province CODE --port N --key FILE --control-token T");
    return 2;
  }
  const province = values.province ?? "";
  const token = values["control-token"] ?? process.env.TONGBAN_PARTNER_CONTROL_TOKEN ?? "";
  if (!/^[1-6][0-9]0000$/.test(province) || values.key === undefined || token.length < 16) {
    console.error("serve needs --province (GB/T 2260), --key and a --control-token of 16 characters or more");
    return 2;
  }
  const jwk = JSON.parse(readFileSync(values.key, "utf8")) as PrivateKey["jwk"];
  const items = values.items === undefined ? {} : (JSON.parse(readFileSync(values.items, "utf8")) as Record<string, Item>);
  let publicBase = values["public-base"] ?? "";
  const gateway = new Gateway({
    province,
    key: { jwk, kid: String(jwk.kid) },
    schemas: new Schemas(values.schemas),
    get publicBase() {
      return publicBase;
    },
    items,
    retryFirstMs: Number(values["retry-first-ms"]),
  });
  const server = serve(gateway, token);
  await new Promise<void>((done) => server.listen(Number(values.port), values.host, done));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : Number(values.port);
  publicBase ||= `http://${values.host}:${port}`;
  gateway.start();
  console.log(`tongban partner ${province} listening on ${publicBase}`);
  if (values["ready-file"] !== undefined) {
    writeFileSync(values["ready-file"], JSON.stringify({ province, url: publicBase, jwks: gateway.jwks() }));
  }
  const stop = (): void => {
    gateway.stop();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  return -1; // keeps running
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    console.error((err as Error).message);
    process.exit(1);
  },
);


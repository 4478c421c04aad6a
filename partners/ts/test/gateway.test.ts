import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { ActRefused, MAX_MESSAGE_BYTES } from "../src/gateway.js";
import type { Gateway } from "../src/gateway.js";
import { FETCH, RECEIPT, sign, verifyToken } from "../src/jws.js";
import { rfc3339 } from "../src/clock.js";
import { gatewayAt, linked } from "./helpers.js";
import { ORIGIN, ORIGIN_BASE, Origin, forwarded } from "./origin.js";

const HERE = "530000";
const BASE = "http://partner.test";
const NUMBER = "430000-20261130-7KQ2M9XA";

async function setUp(): Promise<{ gateway: Gateway; origin: Origin }> {
  const net = linked();
  const gateway = await gatewayAt(HERE, BASE, net);
  const origin = await Origin.create();
  net.routes.set(ORIGIN_BASE, origin);
  origin.handlerJwks = gateway.jwks();
  gateway.register({ code: ORIGIN, endpoint: ORIGIN_BASE, jwks: origin.jwks(), status: "active" });
  return { gateway, origin };
}

function wire(envelope: string, payload: unknown): Buffer {
  return Buffer.from(JSON.stringify({ envelope, payload }));
}

async function send(gateway: Gateway, envelope: string, payload: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  return gateway.receiveMessage(wire(envelope, payload), "application/json");
}

async function settle(gateway: Gateway, rounds = 4): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await gateway.work();
    await new Promise((done) => setTimeout(done, 15));
  }
}

test("a forwarded case is receipted, its file fetched by signed request and checked; a replay gets the same receipt", async () => {
  const { gateway, origin } = await setUp();
  const scan = Buffer.from("%PDF-1.7 身份证扫描件");
  const payload = forwarded([origin.file("F7KQ2M9XAHW3P", "id_card", scan)]);
  const envelope = await origin.envelope("case.forwarded", NUMBER, 1, payload, HERE);
  const first = await send(gateway, envelope, payload);
  assert.equal(first.status, 200);
  const receipt = await verifyToken(String(first.body.receipt), gateway.jwks(), RECEIPT);
  assert.equal(receipt.from, HERE);
  assert.equal(receipt.to, ORIGIN);
  assert.equal(first.body.status, "applied");
  assert.equal(gateway.cases.get(NUMBER)?.files[0]?.status, "pending");

  await settle(gateway);
  assert.deepEqual(origin.fetched, ["F7KQ2M9XAHW3P"]);
  assert.equal(gateway.cases.get(NUMBER)?.files[0]?.status, "verified");

  const again = await send(gateway, await origin.envelope("case.forwarded", NUMBER, 1, payload, HERE, { id: receipt.receipt_for }), payload);
  assert.equal(again.body.receipt, first.body.receipt);
  assert.equal(gateway.cases.size, 1);
});

test("a file whose content does not match its SHA-256 is not used", async () => {
  const { gateway, origin } = await setUp();
  const ref = origin.file("F7KQ2M9XAHW3Q", "id_card", Buffer.from("original"));
  origin.files.set("F7KQ2M9XAHW3Q", Buffer.from("swapped"));
  const payload = forwarded([ref]);
  await send(gateway, await origin.envelope("case.forwarded", NUMBER, 1, payload, HERE), payload);
  await settle(gateway);
  const file = gateway.cases.get(NUMBER)?.files[0];
  assert.equal(file?.status, "pending");
  assert.match(String(file?.error), /SHA-256/);
  assert.throws(() => gateway.accept(NUMBER), (err: ActRefused) => err.code === "files_not_verified");
});

test("refusals follow the spec's order, are recorded, and change nothing", async () => {
  const { gateway, origin } = await setUp();
  const payload = forwarded([]);
  const cases: [string, Promise<string>, unknown][] = [
    ["message_not_addressed_here", origin.envelope("case.forwarded", NUMBER, 1, payload, "110000", { sent_at: "2020-01-01T00:00:00+08:00" }), payload],
    ["message_stale", origin.envelope("case.forwarded", NUMBER, 1, payload, HERE, { sent_at: "2020-01-01T00:00:00+08:00" }), payload],
    ["message_from_the_future", origin.envelope("case.forwarded", NUMBER, 1, payload, HERE, { sent_at: rfc3339(new Date(Date.now() + 600_000)) }), payload],
    ["envelope_malformed", origin.envelope("case.forwarded", NUMBER, 1, payload, HERE, { sent_at: "2026-11-30T10:00:00" }), payload],
    ["envelope_version_unsupported", origin.envelope("case.forwarded", NUMBER, 1, payload, HERE, { v: 2 }), payload],
    ["message_type_unsupported", origin.envelope("case.teleported", NUMBER, 1, payload, HERE), payload],
    ["payload_digest_mismatch", origin.envelope("case.forwarded", NUMBER, 1, payload, HERE), { ...payload, item_version: 2 }],
    ["payload_invalid", origin.envelope("case.forwarded", NUMBER, 1, { ...payload, item_version: "two" }, HERE), { ...payload, item_version: "two" }],
    ["unknown_sender", origin.envelope("case.forwarded", NUMBER, 1, payload, HERE, { from: "650000" }), payload],
  ];
  for (const [code, envelope, body] of cases) {
    const answer = await send(gateway, await envelope, body);
    assert.equal(answer.body.code, code);
  }
  const huge = '{"envelope":"' + (await origin.envelope("case.forwarded", NUMBER, 1, payload, HERE)) + '","payload":{"n":9007199254740993}}';
  assert.equal((await gateway.receiveMessage(Buffer.from(huge), "application/json")).body.code, "payload_not_canonical");
  assert.equal((await gateway.receiveMessage(Buffer.from("{"), "application/json")).body.code, "malformed_json");
  assert.equal((await gateway.receiveMessage(Buffer.from("{}"), "text/plain")).body.code, "unsupported_media_type");
  assert.equal((await gateway.receiveMessage(Buffer.from("[".repeat(40) + "]".repeat(40)), "application/json")).body.code, "json_too_deep");
  assert.equal((await gateway.receiveMessage(Buffer.alloc(MAX_MESSAGE_BYTES + 1, 32), "text/plain")).body.code, "unsupported_media_type");
  assert.equal((await gateway.receiveMessage(Buffer.alloc(MAX_MESSAGE_BYTES + 1, 32), "application/json")).body.code, "message_too_large");
  const control = { ...payload, form: { note: "bell\u0007" } };
  const rung = await send(gateway, await origin.envelope("case.forwarded", NUMBER, 1, control, HERE), control);
  assert.equal(rung.body.code, "validation_failed");
  assert.equal(gateway.cases.size, 0);
  assert.equal(gateway.received.size, 0);
  assert.equal(gateway.refusals.length, cases.length + 7);
  assert.equal(gateway.refusals[0]?.case, NUMBER);
});

test("an id reused with another payload is refused 409", async () => {
  const { gateway, origin } = await setUp();
  const payload = forwarded([]);
  const first = await send(gateway, await origin.envelope("case.forwarded", NUMBER, 1, payload, HERE, { id: "m-1" }), payload);
  assert.equal(first.status, 200);
  const other = { ...payload, item_version: 3 };
  const again = await send(gateway, await origin.envelope("case.forwarded", NUMBER, 1, other, HERE, { id: "m-1" }), other);
  assert.equal(again.status, 409);
  assert.equal(again.body.code, "message_id_reused");
});

test("seq 2 before seq 1 is parked, then applied right after it", async () => {
  const { gateway, origin } = await setUp();
  const withdraw = { reason: "乱序" };
  const early = await send(gateway, await origin.envelope("case.withdrawn", NUMBER, 2, withdraw, HERE), withdraw);
  assert.equal(early.body.status, "parked");
  const payload = forwarded([]);
  await send(gateway, await origin.envelope("case.forwarded", NUMBER, 1, payload, HERE), payload);
  assert.equal(gateway.cases.get(NUMBER)?.state, "withdrawn");
});

test("a message the case's state does not allow marks it out of sync and is kept, not dropped", async () => {
  const { gateway, origin } = await setUp();
  const payload = forwarded([]);
  await send(gateway, await origin.envelope("case.forwarded", NUMBER, 1, payload, HERE), payload);
  const answer = { note: "未要求补正", files: [] };
  const early = await send(gateway, await origin.envelope("case.supplement_answered", NUMBER, 2, answer, HERE), answer);
  assert.equal(early.status, 200);
  assert.equal(early.body.status, "received");
  assert.equal(gateway.cases.get(NUMBER)?.out_of_sync?.type, "case.supplement_answered");
  assert.equal(gateway.cases.get(NUMBER)?.state, "submitted");
});

test("补正, answer, acceptance, decision and result reach the origin signed, in seq order; the result file is served by signed fetch", async () => {
  const { gateway, origin } = await setUp();
  const payload = forwarded([origin.file("F7KQ2M9XAHW3P", "id_card", Buffer.from("scan"))]);
  await send(gateway, await origin.envelope("case.forwarded", NUMBER, 1, payload, HERE), payload);
  await settle(gateway);
  gateway.requestSupplement(NUMBER, [{ material: "labour_contract", reason: "缺少劳动合同" }]);
  await settle(gateway);
  assert.equal(origin.got[0]?.claims.type, "case.supplement_requested");

  const answer = { note: "已补", files: [origin.file("F7KQ2M9XAHW3R", "labour_contract", Buffer.from("contract"))] };
  await send(gateway, await origin.envelope("case.supplement_answered", NUMBER, 2, answer, HERE), answer);
  assert.equal(gateway.cases.get(NUMBER)?.state, "supplemented");
  assert.throws(() => gateway.decide(NUMBER, true, [], null), (err: ActRefused) => err.code === "act_not_allowed");
  await settle(gateway);
  gateway.accept(NUMBER);
  gateway.decide(NUMBER, true, ["材料齐全"], "《就业服务与就业管理规定》");
  const document = Buffer.from("%PDF-1.7 就业创业证");
  gateway.issueResult(NUMBER, "就业创业证", "electronic", { filename: "就业创业证.pdf", content_type: "application/pdf", content: document });
  await settle(gateway);

  assert.deepEqual(
    origin.got.map((m) => [m.claims.type, m.claims.seq]),
    [["case.supplement_requested", 1], ["case.accepted", 2], ["case.decided", 3], ["case.result_issued", 4]],
  );
  assert.ok(gateway.outbox.every((m) => m.status === "delivered" && m.receipt !== undefined));
  const clock = origin.got[1]?.payload.clock as Record<string, unknown>;
  assert.equal((clock.pauses as unknown[]).length, 0); // 补正 before 受理: the clock had not started
  assert.notEqual(clock.started_on, null);

  const ref = origin.got[3]?.payload.file as Record<string, unknown>;
  const request = await sign(
    { id: "f-1", case: NUMBER, file_id: ref.file_id, from: ORIGIN, to: HERE, sent_at: rfc3339(new Date()) },
    origin.key,
    FETCH,
  );
  const link = await gateway.serveFetch(Buffer.from(JSON.stringify({ request })), "application/json");
  assert.equal(link.status, 200);
  const token = String(link.body.url).split("/").pop() ?? "";
  assert.deepEqual(gateway.download(token)?.content, document);

  const stranger = await sign(
    { id: "f-2", case: "430000-20261130-AAAAAAAA", file_id: ref.file_id, from: ORIGIN, to: HERE, sent_at: rfc3339(new Date()) },
    origin.key,
    FETCH,
  );
  const refused = await gateway.serveFetch(Buffer.from(JSON.stringify({ request: stranger })), "application/json");
  assert.equal(refused.body.code, "case_not_found");
});

test("a receipt that does not verify leaves the message undelivered, to be retried", async () => {
  const { gateway, origin } = await setUp();
  const payload = forwarded([]);
  await send(gateway, await origin.envelope("case.forwarded", NUMBER, 1, payload, HERE), payload);
  gateway.register({ code: ORIGIN, endpoint: ORIGIN_BASE, jwks: { keys: [] }, status: "active" }); // keys not registered
  gateway.requestSupplement(NUMBER, [{ reason: "缺少材料" }]);
  await gateway.work();
  const message = gateway.outbox[0]!;
  assert.equal(message.status, "pending");
  assert.match(String(message.last_error), /receipt does not verify/);
  assert.equal(message.attempts, 1);
});

test("a 补正 after 受理 stops the clock until the answer arrives", async () => {
  const { gateway, origin } = await setUp();
  const payload = forwarded([]);
  await send(gateway, await origin.envelope("case.forwarded", NUMBER, 1, payload, HERE), payload);
  gateway.accept(NUMBER);
  gateway.requestSupplement(NUMBER, [{ field: "using_entity", reason: "使用单位名称不全" }]);
  await settle(gateway);
  const asked = origin.got.find((m) => m.claims.type === "case.supplement_requested");
  const pauses = (asked?.payload.clock as { pauses: { kind: string; end: string | null }[] }).pauses;
  assert.deepEqual(pauses.map((p) => [p.kind, p.end]), [["supplement", null]]);
  const answer = { note: "已补", files: [] };
  await send(gateway, await origin.envelope("case.supplement_answered", NUMBER, 2, answer, HERE), answer);
  assert.notEqual(gateway.cases.get(NUMBER)?.pauses[0]?.end, null);
});

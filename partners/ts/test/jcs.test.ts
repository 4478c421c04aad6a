import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { canonicalize, checkIJsonText, digest, NotCanonical, serializeNumber } from "../src/jcs.js";
import { REPO } from "./helpers.js";

interface Vectors {
  numbers: { ieee754: string; canonical: string; note: string }[];
  documents: { name: string; input: string; canonical: string; sha256: string }[];
}

const vectors = JSON.parse(readFileSync(resolve(REPO, "docs/exchange/jcs-vectors.json"), "utf8")) as Vectors;

test("every RFC 8785 number vector formats as the RFC says", () => {
  assert.ok(vectors.numbers.length >= 20);
  for (const v of vectors.numbers) {
    const value = Buffer.from(v.ieee754, "hex").readDoubleBE(0);
    if (!Number.isFinite(value)) {
      assert.throws(() => serializeNumber(value), NotCanonical, v.note);
    } else {
      assert.equal(serializeNumber(value), v.canonical, v.note);
    }
  }
});

test("every document vector canonicalises byte for byte, with its digest", () => {
  assert.ok(vectors.documents.length >= 10);
  for (const v of vectors.documents) {
    const parsed: unknown = JSON.parse(v.input);
    assert.equal(canonicalize(parsed).toString("utf8"), v.canonical, v.name);
    assert.equal(digest(parsed), v.sha256, v.name);
  }
});

test("the spec's digest example: escapes and number forms do not change the digest", () => {
  const payload: unknown = JSON.parse('{"reason": "A\\u0026B 公司撤回申请", "n": 1.0}');
  assert.equal(canonicalize(payload).toString("utf8"), '{"n":1,"reason":"A&B 公司撤回申请"}');
  assert.equal(digest(payload), "8473bb737f265fd1a71701624eaaa20610eaa39620c8b728f9ffb087ff3cd5fd");
});

test("outside I-JSON there is no canonical form", () => {
  assert.throws(() => canonicalize({ a: "\ud800" }), NotCanonical);
  assert.throws(() => canonicalize([Infinity]), NotCanonical);
  assert.throws(() => checkIJsonText('{"n": 9007199254740993}'), NotCanonical);
  assert.throws(() => checkIJsonText('[-9007199254740992]'), NotCanonical);
  checkIJsonText('{"n": 9007199254740991, "s": "9007199254740993", "f": 1e21}');
});

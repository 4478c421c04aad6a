"""Conformance kit for the Tongban exchange (跨省通办交换一致性测试工具).

A partner province runs it against a gateway (its own, or ours) to check that the gateway speaks
the exchange as `docs/exchange/README.md` specifies it: keys published, signed receipts, replays,
out-of-order arrival, every refusal, the signed file fetch, size limits. It also verifies an
exported exchange record (evidence bundle) offline.

It is written from the specification alone and depends only on the Python standard library and
PyJWT with its crypto extra; it imports nothing from the gateway's code.

    python -m conformance keygen --as 510000 --out kit-key.json
    python -m conformance run --endpoint URL --as 510000 --key kit-key.json --to 430000 --junit out.xml
    python -m conformance verify bundle.json [--jwks trusted-jwks.json]
"""

"""python -m conformance {keygen,run,verify} — see conformance/__init__.py and docs/exchange/."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from conformance import jose
from conformance.cases import Partner
from conformance.report import junit, render, run
from conformance.verify import verify_bundle


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    keygen = commands.add_parser("keygen", help="a new ES256 private JWK for the kit's province")
    keygen.add_argument("--out", type=Path, required=True)
    go = commands.add_parser("run", help="run the conformance cases against a gateway")
    go.add_argument("--endpoint", required=True, help="base URL of the gateway under test")
    go.add_argument("--as", dest="province", required=True, help="the province the kit acts as")
    go.add_argument("--key", type=Path, required=True, help="its private JWK (registered as a partner)")
    go.add_argument("--to", required=True, help="the province code of the gateway under test")
    go.add_argument("--shared-file", help="CASE:FILE_ID[:SHA256] of a file the gateway shares with us")
    go.add_argument("--skip", action="append", default=[], help="NAME=REASON: report a case as skipped")
    go.add_argument("--only", action="append", default=[], help="run only these cases")
    go.add_argument("--junit", type=Path, help="write JUnit XML here")
    check = commands.add_parser("verify", help="verify an exported exchange record offline")
    check.add_argument("bundle", type=Path)
    check.add_argument("--jwks", type=Path, help="the exporting province's keys, obtained out of band")
    args = parser.parse_args(argv)

    if args.command == "keygen":
        private = jose.new_private_jwk()
        args.out.write_text(json.dumps(private, indent=2) + "\n", encoding="utf-8")
        print(json.dumps({"keys": [jose.public_jwk(private)]}, indent=2))
        return 0
    if args.command == "verify":
        trusted = json.loads(args.jwks.read_text(encoding="utf-8")) if args.jwks else None
        ok, notes = verify_bundle(args.bundle.read_bytes(), trusted)
        print("\n".join(notes))
        print("VERIFIED" if ok else "NOT VERIFIED")
        return 0 if ok else 1
    shared = None
    if args.shared_file:
        parts = args.shared_file.split(":")
        shared = (parts[0], parts[1], parts[2] if len(parts) > 2 else None)
    partner = Partner(
        endpoint=args.endpoint,
        code=args.province,
        key=json.loads(args.key.read_text(encoding="utf-8")),
        to=args.to,
        shared_file=shared,
    )
    skip = dict(s.split("=", 1) if "=" in s else (s, "skipped on request") for s in args.skip)
    outcomes = run(partner, skip, set(args.only) or None)
    print(render(outcomes, args.endpoint))
    if args.junit:
        junit(outcomes, args.endpoint, args.junit)
    return 1 if any(o.verdict == "fail" for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

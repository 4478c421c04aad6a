"""Register the other provinces of the local stack as partners, through the operators' use case
(so the registry's audit says who did it): their gateway URL and their KMS signing key's JWK."""

from __future__ import annotations

import boto3

from chalicelib import container
from chalicelib.adapters.signing import KmsSigner
from chalicelib.domain.identity import Principal, Role

SEEDER = Principal(subject="local-stack-seed", role=Role.OPERATOR, issuer="local")


def seed_partners(entries: list[dict[str, str]]) -> int:
    service = container.partners()
    for entry in entries:
        kms = boto3.client("kms", region_name=entry["region"])
        jwks = {"keys": [KmsSigner(entry["key"], kms).public_jwk()]}
        service.put(entry["code"], {"endpoint": entry["endpoint"], "jwks": jwks}, SEEDER, "本地联调环境")
    return len(entries)

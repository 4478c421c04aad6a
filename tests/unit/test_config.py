"""Stage settings from explicit environment mappings, and the app's refusal to start when unsafe."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import container
from chalicelib.adapters import secrets
from chalicelib.config import CURSOR_KEY_MIN_LENGTH, ConfigurationError, IssuerConfig, load_settings
from infra.devtokens import DevIssuer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEV = DevIssuer.generate("430000")
JWKS = DEV.jwks()


def issuers(*entries: dict[str, Any]) -> str:
    return json.dumps(list(entries))


def remote_issuer(**overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "issuer": "https://idp.hunan.gov.cn",
        "audience": "tongban-gateway:430000",
        "jwks_uri": "https://idp.hunan.gov.cn/.well-known/jwks.json",
    }
    entry.update(overrides)
    return {k: v for k, v in entry.items() if v is not None}


LOCAL = {"TONGBAN_STAGE": "local"}
KEY_SECRET = {"TONGBAN_CURSOR_KEY_SECRET": "tongban-430000-cursor-key"}  # what the package sets


def test_defaults() -> None:
    settings = load_settings(LOCAL)
    assert settings.stage == "local"
    assert settings.province_code == "430000"
    assert settings.province_name == "湖南省"
    assert settings.resource_prefix == "tongban-430000"
    assert settings.issuers == ()
    assert settings.tracing is False


def test_explicit_values() -> None:
    settings = load_settings(
        {
            "TONGBAN_STAGE": "prod-440000",
            "TONGBAN_PROVINCE": "440000",
            "TONGBAN_RESOURCE_PREFIX": "tb-gd",
            "TONGBAN_ISSUERS": issuers(remote_issuer()),
            "POWERTOOLS_TRACE_DISABLED": "false",
            **KEY_SECRET,
        }
    )
    assert (settings.stage, settings.province_code, settings.resource_prefix) == (
        "prod-440000",
        "440000",
        "tb-gd",
    )
    assert settings.province_name == "广东省"
    assert settings.tracing is True
    assert settings.issuers == (
        IssuerConfig(
            issuer="https://idp.hunan.gov.cn",
            audience="tongban-gateway:430000",
            jwks_uri="https://idp.hunan.gov.cn/.well-known/jwks.json",
        ),
    )


def test_prefix_defaults_to_the_province() -> None:
    assert load_settings({**LOCAL, "TONGBAN_PROVINCE": "510000"}).resource_prefix == "tongban-510000"


@pytest.mark.parametrize("province", ["999999", "430100", "43", "", "abcdef", "4300000"])
def test_invalid_province_code_is_refused(province: str) -> None:
    with pytest.raises(ConfigurationError, match="TONGBAN_PROVINCE"):
        load_settings({**LOCAL, "TONGBAN_PROVINCE": province})


@pytest.mark.parametrize(
    "raw",
    [
        "{not json",
        "[{",
        '{"issuer": "x"}',  # an object, not a list
        '["https://idp.example"]',
        "null",
        "42",
        json.dumps([{"issuer": "https://idp.example"}]),  # no audience
        json.dumps([{"audience": "tongban-gateway:430000", "jwks_uri": "https://x"}]),  # no issuer
    ],
)
def test_malformed_issuers_are_refused(raw: str) -> None:
    with pytest.raises(ConfigurationError, match="TONGBAN_ISSUERS"):
        load_settings({**LOCAL, "TONGBAN_ISSUERS": raw})


def test_empty_issuers_mean_none() -> None:
    assert load_settings({**LOCAL, "TONGBAN_ISSUERS": ""}).issuers == ()
    assert load_settings({**LOCAL, "TONGBAN_ISSUERS": "[]"}).issuers == ()


def test_issuer_with_both_jwks_and_jwks_uri_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="exactly one of jwks, jwks_uri"):
        load_settings({**LOCAL, "TONGBAN_ISSUERS": issuers(remote_issuer(jwks=JWKS))})


def test_issuer_with_neither_jwks_nor_jwks_uri_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="exactly one of jwks, jwks_uri"):
        load_settings({**LOCAL, "TONGBAN_ISSUERS": issuers(remote_issuer(jwks_uri=None))})


@pytest.mark.parametrize(
    "uri",
    [
        "http://idp.hunan.gov.cn/.well-known/jwks.json",
        "file:///etc/jwks.json",
        "idp.hunan.gov.cn/jwks.json",
        "",
    ],
)
def test_jwks_uri_must_be_https(uri: str) -> None:
    with pytest.raises(ConfigurationError, match="https"):
        load_settings({**LOCAL, "TONGBAN_ISSUERS": issuers(remote_issuer(jwks_uri=uri))})


def test_inline_jwks_issuer_is_accepted() -> None:
    entry = {"issuer": "https://pinned.example", "audience": "aud", "jwks": JWKS}
    (issuer,) = load_settings(
        {"TONGBAN_STAGE": "prod-430000", "TONGBAN_ISSUERS": issuers(entry), **KEY_SECRET}
    ).issuers
    assert issuer.jwks == JWKS
    assert issuer.jwks_uri is None
    assert issuer.development is False


@pytest.mark.parametrize("stage", ["prod-430000", "prod", "staging", "LOCAL", "local-430000"])
def test_development_issuer_outside_the_local_stage_is_refused(stage: str) -> None:
    with pytest.raises(ConfigurationError, match="development issuer"):
        load_settings({"TONGBAN_STAGE": stage, "TONGBAN_ISSUERS": issuers(DEV.issuer_config())})


def test_development_issuer_among_real_ones_is_refused_outside_local() -> None:
    raw = issuers(remote_issuer(), DEV.issuer_config())
    with pytest.raises(ConfigurationError, match="development issuer"):
        load_settings({"TONGBAN_STAGE": "prod-430000", "TONGBAN_ISSUERS": raw})


def test_development_issuer_in_the_local_stage_is_accepted() -> None:
    settings = load_settings({"TONGBAN_STAGE": "local", "TONGBAN_ISSUERS": issuers(DEV.issuer_config())})
    (issuer,) = settings.issuers
    assert issuer.development is True
    assert issuer.issuer == "https://dev-idp.tongban.invalid/430000"
    assert issuer.audience == "tongban-gateway:430000"
    assert issuer.jwks == JWKS


@pytest.mark.parametrize("stage", [None, "", "  "])
def test_a_stage_that_is_not_named_is_refused(stage: str | None) -> None:
    env = {"TONGBAN_ISSUERS": issuers(DEV.issuer_config())}
    if stage is not None:
        env["TONGBAN_STAGE"] = stage
    with pytest.raises(ConfigurationError, match="TONGBAN_STAGE"):
        load_settings(env)


@pytest.mark.parametrize("stage", ["local", "prod-430000"])
def test_development_issuer_without_its_flag_is_refused_in_every_stage(stage: str) -> None:
    unflagged = {k: v for k, v in DEV.issuer_config().items() if k != "development"}
    with pytest.raises(ConfigurationError, match="lacks its development flag"):
        load_settings({"TONGBAN_STAGE": stage, "TONGBAN_ISSUERS": issuers(unflagged)})


@pytest.mark.parametrize("flag", [False, "true", 1])
def test_only_a_literal_true_flag_makes_a_development_issuer(flag: Any) -> None:
    entry = {**DEV.issuer_config(), "development": flag}
    with pytest.raises(ConfigurationError, match="lacks its development flag"):
        load_settings({"TONGBAN_STAGE": "local", "TONGBAN_ISSUERS": issuers(entry)})


def test_any_issuer_on_an_invalid_host_counts_as_a_development_issuer() -> None:
    entry = remote_issuer(issuer="https://idp.example.invalid:8443/x", jwks_uri=None, jwks=JWKS)
    with pytest.raises(ConfigurationError, match="lacks its development flag"):
        load_settings({"TONGBAN_STAGE": "prod-430000", "TONGBAN_ISSUERS": issuers(entry)})


def test_issuer_claim_names_and_token_lifetime_default_and_can_be_set() -> None:
    entry = remote_issuer(
        claims={"id_number": "idcard", "name": "real_name"}, max_token_lifetime_seconds=3600
    )
    (issuer,) = load_settings(
        {"TONGBAN_STAGE": "prod-430000", "TONGBAN_ISSUERS": issuers(entry), **KEY_SECRET}
    ).issuers
    assert (issuer.claim("id_number"), issuer.claim("name"), issuer.claim("phone")) == (
        "idcard",
        "real_name",
        "phone",
    )
    assert issuer.max_token_lifetime_seconds == 3600
    (default,) = load_settings(
        {"TONGBAN_STAGE": "prod-430000", "TONGBAN_ISSUERS": issuers(remote_issuer()), **KEY_SECRET}
    ).issuers
    assert default.max_token_lifetime_seconds == 86400
    assert default.claim("credit_code") == "credit_code"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"claims": {"passport": "pp"}}, "unknown identity claims passport"),
        ({"claims": {"name": ""}}, "non-empty string"),
        ({"claims": ["name"]}, "claims must be an object"),
        ({"max_token_lifetime_seconds": 0}, "positive integer"),
        ({"max_token_lifetime_seconds": "3600"}, "positive integer"),
        ({"max_token_lifetime_seconds": True}, "positive integer"),
    ],
)
def test_malformed_claim_names_or_lifetime_are_refused_at_start(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_settings(
            {"TONGBAN_STAGE": "prod-430000", "TONGBAN_ISSUERS": issuers(remote_issuer(**overrides))}
        )


def test_resource_names_derive_from_the_prefix() -> None:
    settings = load_settings({**LOCAL, "TONGBAN_PROVINCE": "450000"})
    assert settings.table("catalog") == "tongban-450000-catalog"
    assert settings.table("idempotency") == "tongban-450000-idempotency"
    assert settings.queue("inbound") == "tongban-450000-inbound.fifo"
    assert settings.queue("outbound") == "tongban-450000-outbound"
    assert settings.queue("uploads") == "tongban-450000-uploads"
    assert settings.bucket == "tongban-450000-files"


def test_unknown_logical_resource_is_an_error() -> None:
    settings = load_settings(LOCAL)
    with pytest.raises(KeyError):
        settings.table("nope")
    with pytest.raises(KeyError):
        settings.queue("nope")


def import_app(stage: str, **overrides: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TONGBAN_CURSOR_KEY")}
    env.update(
        TONGBAN_STAGE=stage,
        TONGBAN_PROVINCE="430000",
        TONGBAN_ISSUERS=issuers(DEV.issuer_config()),
        AWS_DEFAULT_REGION=env.get("AWS_DEFAULT_REGION", "cn-north-1"),
        POWERTOOLS_TRACE_DISABLED="true",
    )
    env.update(overrides)
    return subprocess.run(
        [sys.executable, "-c", "import app"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_app_refuses_to_start_with_a_development_issuer_in_prod() -> None:
    result = import_app("prod")
    assert result.returncode != 0
    assert "ConfigurationError" in result.stderr
    assert "development issuer" in result.stderr


def test_app_refuses_to_start_without_a_named_stage() -> None:
    result = import_app("")
    assert result.returncode != 0
    assert "TONGBAN_STAGE is not set" in result.stderr


def test_app_starts_with_a_development_issuer_in_local() -> None:
    result = import_app("local")
    assert result.returncode == 0, result.stderr


# --- the cursor key ------------------------------------------------------------------------------

INLINE_KEY = "k" * CURSOR_KEY_MIN_LENGTH
PROD = {"TONGBAN_STAGE": "prod-430000", "TONGBAN_ISSUERS": issuers(remote_issuer())}


@pytest.mark.parametrize("stage", ["prod-430000", "staging", "LOCAL"])
def test_a_deployed_stage_without_a_cursor_key_is_refused(stage: str) -> None:
    with pytest.raises(ConfigurationError, match=f"stage {stage} has no cursor key"):
        load_settings({**PROD, "TONGBAN_STAGE": stage})
    with pytest.raises(ConfigurationError, match="no cursor key"):
        load_settings({**PROD, "TONGBAN_STAGE": stage, "TONGBAN_CURSOR_KEY_SECRET": "  "})


def test_the_local_stage_needs_no_cursor_key() -> None:
    settings = load_settings(LOCAL)
    assert (settings.cursor_key, settings.cursor_key_secret) == ("", "")


def test_a_deployed_stage_takes_the_secret_or_the_key_itself() -> None:
    by_secret = load_settings({**PROD, **KEY_SECRET})
    assert (by_secret.cursor_key, by_secret.cursor_key_secret) == ("", "tongban-430000-cursor-key")
    inline = load_settings({**PROD, "TONGBAN_CURSOR_KEY": INLINE_KEY})
    assert (inline.cursor_key, inline.cursor_key_secret) == (INLINE_KEY, "")
    assert INLINE_KEY not in repr(inline)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TONGBAN_CURSOR_KEY": INLINE_KEY, **KEY_SECRET}, "not both"),
        ({"TONGBAN_CURSOR_KEY": INLINE_KEY[1:]}, "at least 32 characters"),
    ],
)
@pytest.mark.parametrize("stage", ["local", "prod-430000"])
def test_a_malformed_cursor_key_is_refused_in_every_stage(
    env: dict[str, str], message: str, stage: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_settings({**PROD, "TONGBAN_STAGE": stage, **env})


def test_other_misconfiguration_is_reported_before_a_missing_cursor_key() -> None:
    with pytest.raises(ConfigurationError, match="development issuer"):
        load_settings({"TONGBAN_STAGE": "prod-430000", "TONGBAN_ISSUERS": issuers(DEV.issuer_config())})


@pytest.fixture
def fresh_cursor_key() -> Iterator[None]:
    before = container.current()
    yield
    container.install(before)  # the rest of the session derives it from the test stage again


def install(env: dict[str, str]) -> None:
    """A composition root with the stage's settings, as the process's current one."""
    container.install(container.bootstrap(load_settings(env)))


def _read_from(values: list[str | None], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Serve `values` as the secret's successive reads; the names read are returned as they come."""
    read: list[str] = []

    def secret_text(secret_id: str) -> str | None:
        read.append(secret_id)
        return values[len(read) - 1]

    monkeypatch.setattr(secrets, "secret_text", secret_text)
    return read


def test_the_cursor_key_is_read_from_its_secret_once_per_process(
    fresh_cursor_key: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    install({**PROD, **KEY_SECRET})
    read = _read_from(["s" * 64, "another key, after a rotation, x"], monkeypatch)
    assert container.cursor_key() == b"s" * 64
    assert container.cursor_key() == b"s" * 64
    assert read == ["tongban-430000-cursor-key"]


@pytest.mark.parametrize("stored", [None, "s" * (CURSOR_KEY_MIN_LENGTH - 1)])
def test_a_secret_that_holds_no_usable_key_is_refused(
    stored: str | None, fresh_cursor_key: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    install({**PROD, **KEY_SECRET})
    _read_from([stored], monkeypatch)
    with pytest.raises(ConfigurationError, match="cursor key secret"):
        container.cursor_key()


def test_an_inline_key_is_used_as_it_is_and_the_local_stage_derives_one(
    fresh_cursor_key: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = _read_from([], monkeypatch)
    install({**PROD, "TONGBAN_CURSOR_KEY": INLINE_KEY})
    assert container.cursor_key() == INLINE_KEY.encode()
    install(LOCAL)
    assert container.cursor_key() == b"tongban-cursor|local|430000|tongban-430000"
    assert read == []


def test_app_refuses_to_start_in_a_deployed_stage_without_a_cursor_key() -> None:
    result = import_app("prod-430000", TONGBAN_ISSUERS=issuers(remote_issuer()))
    assert result.returncode != 0
    assert "ConfigurationError" in result.stderr
    assert "has no cursor key" in result.stderr


def test_app_starts_in_a_deployed_stage_with_its_secret_named_and_reads_it_only_on_use() -> None:
    # No AWS endpoint answers here: the start must not read the secret (ADR 0002: cold start).
    result = import_app(
        "prod-430000",
        TONGBAN_ISSUERS=issuers(remote_issuer()),
        TONGBAN_CURSOR_KEY_SECRET="tongban-430000-cursor-key",
        AWS_ENDPOINT_URL="http://127.0.0.1:9",
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("jwks", "message"),
    [
        ({}, "non-empty keys list"),
        ({"keys": []}, "non-empty keys list"),
        ({"keys": [{"kty": "oct", "kid": "k", "k": "c2VjcmV0"}]}, "kty EC or RSA"),
        ({"keys": [{**JWKS["keys"][0], "kid": ""}]}, "needs a kid"),
        ({"keys": [{k: v for k, v in JWKS["keys"][0].items() if k != "y"}]}, "lacks y"),
        ({"keys": [{"kty": "RSA", "kid": "r1", "e": "AQAB"}]}, "lacks n"),
        ({"keys": [{**JWKS["keys"][0], "d": "c2VjcmV0"}]}, "private key"),
    ],
)
def test_an_inline_jwks_that_cannot_verify_is_refused_at_start(jwks: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_settings({**LOCAL, "TONGBAN_ISSUERS": issuers(remote_issuer(jwks_uri=None, jwks=jwks))})

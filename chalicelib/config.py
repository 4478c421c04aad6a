"""Stage settings, read once from the environment that `.chalice/config.json` or the local stack sets.

One deployment serves one province; resource names derive from one prefix that the CloudFormation
template in `infra/` also uses, so the app and the template cannot disagree on a name.

Fails closed: the stage must be named (`TONGBAN_STAGE`; the local stack, the tests and
`.chalice/config.json` name it); a development issuer — flagged `development`, or on a reserved
`.invalid` host where only a development issuer can live — is accepted only in the local stage and
only with its flag; outside the local stage the cursor key must be configured (`read_cursor_key`).

Every environment variable the app reads is read here, by `load_settings`, and listed in the
README's configuration table (a test compares the two). The composition root (`container.py`)
holds the one `Settings` of the process; nothing else reads the environment.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain.regions import is_province, province_name
from chalicelib.domain.window_desk import WindowDesk

LOCAL_STAGE = "local"
DEFAULT_CATALOG_DRIFT_ALARM_MINUTES = 30
# RFC 6761: `.invalid` never resolves, so an issuer there is a development issuer (infra/devtokens.py).
DEVELOPMENT_ISSUER_BASE = "https://dev-idp.tongban.invalid/"
DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 86400
# Logical identity claims (实名认证) and their default claim names; an issuer may rename them.
IDENTITY_CLAIMS = ("subject_kind", "id_number", "name", "phone", "assurance", "credit_code", "entity_name")

# Logical name → physical suffix; infra/template.yaml names the same resources.
TABLES = {"catalog": "catalog", "idempotency": "idempotency", "cases": "cases"}
QUEUES = {
    "inbound": "inbound.fifo",
    "outbound": "outbound",
    "uploads": "uploads",
    "notifications": "notifications",
    "outbound_dlq": "outbound-dlq",
    "inbound_dlq": "inbound-dlq.fifo",
    "uploads_dlq": "uploads-dlq",
    "notifications_dlq": "notifications-dlq",
}


VIDEO_PROVIDERS = ("local", "chime", "none")  # none: no video service configured (sessions answer 503)
SMS_PROVIDERS = ("local", "sns", "end_user_messaging", "none")  # none: walk-in applicants get no SMS
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigurationError(RuntimeError):
    """The stage is misconfigured; the app refuses to start rather than run unsafely."""


@dataclass(frozen=True)
class IssuerConfig:
    """A trusted token issuer (统一身份认证) with its keys: inline JWKS or a JWKS URL."""

    issuer: str
    audience: str
    jwks: Mapping[str, Any] | None = None
    jwks_uri: str | None = None
    development: bool = False
    claims: Mapping[str, str] = field(default_factory=dict)  # logical identity claim → claim name
    max_token_lifetime_seconds: int = DEFAULT_MAX_TOKEN_LIFETIME_SECONDS

    def claim(self, logical: str) -> str:
        """The name of the claim that carries the logical identity claim `logical`."""
        return self.claims.get(logical, logical)


@dataclass(frozen=True)
class VideoSettings:
    """The video provider of 视频会商 (`TONGBAN_VIDEO_PROVIDER`): the local stand-in (local stage
    only), Amazon Chime SDK Meetings (`chime`, with its media and control regions: neither may be
    a China region, which have no Chime), or `none` (the default outside the local stage)."""

    provider: str = "local"
    media_region: str = "ap-northeast-1"
    control_region: str | None = None  # None: the process's own region


def _video(env: Mapping[str, str], stage: str) -> VideoSettings:
    provider = env.get("TONGBAN_VIDEO_PROVIDER", "").strip() or ("local" if stage == LOCAL_STAGE else "none")
    if provider not in VIDEO_PROVIDERS:
        raise ConfigurationError(
            f"TONGBAN_VIDEO_PROVIDER {provider!r} is not one of {', '.join(VIDEO_PROVIDERS)}"
        )
    if provider == "local" and stage != LOCAL_STAGE:
        raise ConfigurationError("the local video stand-in is allowed only in the local stage")
    media = env.get("TONGBAN_VIDEO_MEDIA_REGION", "").strip() or "ap-northeast-1"
    control = env.get("TONGBAN_VIDEO_CONTROL_REGION", "").strip() or None
    if provider == "chime":
        region = control or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or ""
        if media.startswith("cn-") or region.startswith("cn-"):
            raise ConfigurationError(
                "Amazon Chime SDK has no China region: set TONGBAN_VIDEO_MEDIA_REGION and "
                "TONGBAN_VIDEO_CONTROL_REGION to regions that have it, or use another provider"
            )
    return VideoSettings(provider=provider, media_region=media, control_region=control)


@dataclass(frozen=True)
class SmsSettings:
    """The SMS provider for walk-in applicants (`TONGBAN_SMS_PROVIDER`): the local stand-in (local
    stage only), Amazon SNS `Publish` (`sns`, optional sender id), AWS End User Messaging
    `SendTextMessage` (`end_user_messaging`, from an origination identity, optional configuration
    set), or `none` (the default outside the local stage)."""

    provider: str = "local"
    sender_id: str | None = None
    origination_identity: str = ""
    configuration_set: str | None = None


def sms_settings(env: Mapping[str, str], stage: str) -> SmsSettings:
    """The SMS provider the stage's configuration names; the local stand-in only in the local stage."""
    local = stage == LOCAL_STAGE
    provider = env.get("TONGBAN_SMS_PROVIDER", "local" if local else "none").strip()
    if provider not in SMS_PROVIDERS:
        raise ConfigurationError(
            f"TONGBAN_SMS_PROVIDER {provider!r} is not one of {', '.join(SMS_PROVIDERS)}"
        )
    if provider == "local" and not local:
        raise ConfigurationError("the local SMS stand-in is allowed only in the local stage")
    origination = env.get("TONGBAN_SMS_ORIGINATION_IDENTITY", "").strip()
    if provider == "end_user_messaging" and not origination:
        raise ConfigurationError("end_user_messaging needs TONGBAN_SMS_ORIGINATION_IDENTITY")
    return SmsSettings(
        provider=provider,
        sender_id=env.get("TONGBAN_SMS_SENDER_ID") or None,
        origination_identity=origination,
        configuration_set=env.get("TONGBAN_SMS_CONFIGURATION_SET") or None,
    )


@dataclass(frozen=True)
class Settings:
    stage: str
    province_code: str
    resource_prefix: str
    # The cursor key (`read_cursor_key`): given inline, or the name or ARN of the secret that holds it.
    cursor_key: str = field(default="", repr=False)
    cursor_key_secret: str = ""
    issuers: tuple[IssuerConfig, ...] = field(default=())
    tracing: bool = False
    # where applicants reach this gateway (the receipt's QR code and print links); None: not public
    public_base_url: str | None = None
    windows: Mapping[str, WindowDesk] = field(default_factory=dict)  # 专窗 id → its receipt details
    # minutes a catalog difference with a partner may last before the drift alarm is raised
    catalog_drift_alarm_minutes: int = DEFAULT_CATALOG_DRIFT_ALARM_MINUTES
    video: VideoSettings = field(default_factory=VideoSettings)
    sms: SmsSettings = field(default_factory=SmsSettings)
    log_level: str = "INFO"

    @property
    def province_name(self) -> str:
        return province_name(self.province_code)

    def table(self, logical: str) -> str:
        return f"{self.resource_prefix}-{TABLES[logical]}"

    def queue(self, logical: str) -> str:
        return f"{self.resource_prefix}-{QUEUES[logical]}"

    @property
    def bucket(self) -> str:
        return f"{self.resource_prefix}-files"

    @property
    def evidence_bucket(self) -> str:
        """The write-once archive of exchanged messages and receipts (infra/template.yaml)."""
        return f"{self.resource_prefix}-evidence"

    @property
    def signing_key(self) -> str:
        """The KMS key that signs exchange envelopes and receipts (alias in infra/template.yaml)."""
        return f"alias/{self.resource_prefix}-signing"

    def __post_init__(self) -> None:
        """At most one cursor key source; outside the local stage, exactly one (checked last, so
        any other misconfiguration is reported first)."""
        if self.cursor_key and self.cursor_key_secret:
            raise ConfigurationError("give one of TONGBAN_CURSOR_KEY, TONGBAN_CURSOR_KEY_SECRET, not both")
        if self.cursor_key and len(self.cursor_key) < CURSOR_KEY_MIN_LENGTH:
            raise ConfigurationError(
                f"TONGBAN_CURSOR_KEY must have at least {CURSOR_KEY_MIN_LENGTH} characters"
            )
        if not self.cursor_key and not self.cursor_key_secret and self.stage != LOCAL_STAGE:
            raise ConfigurationError(
                f"stage {self.stage} has no cursor key: set TONGBAN_CURSOR_KEY_SECRET (the package does)"
                " or TONGBAN_CURSOR_KEY; only the local stage may derive one"
            )


def _issuers(raw: str, stage: str) -> tuple[IssuerConfig, ...]:
    try:
        entries = json.loads(raw) if raw else []
        issuers = tuple(
            IssuerConfig(
                issuer=e["issuer"],
                audience=e["audience"],
                jwks=e.get("jwks"),
                jwks_uri=e.get("jwks_uri"),
                development=e.get("development", False) is True,
                claims=_claim_names(e.get("claims", {})),
                max_token_lifetime_seconds=_lifetime(e.get("max_token_lifetime_seconds")),
            )
            for e in entries
        )
    except (ValueError, KeyError, TypeError) as err:
        raise ConfigurationError(f"TONGBAN_ISSUERS is not a valid issuer list: {err}") from None
    for issuer in issuers:
        if (issuer.jwks is None) == (issuer.jwks_uri is None):
            raise ConfigurationError(f"issuer {issuer.issuer}: give exactly one of jwks, jwks_uri")
        if issuer.jwks is not None:
            check_jwks(issuer.issuer, issuer.jwks)
        if issuer.jwks_uri is not None and not issuer.jwks_uri.startswith("https://"):
            raise ConfigurationError(f"issuer {issuer.issuer}: jwks_uri must be https")
        if issuer.development and stage != LOCAL_STAGE:
            raise ConfigurationError(f"development issuer {issuer.issuer} is allowed only in the local stage")
        if is_development_issuer(issuer.issuer) and not issuer.development:
            raise ConfigurationError(f"development issuer {issuer.issuer} lacks its development flag")
    return issuers


def is_development_issuer(issuer: str) -> bool:
    """An issuer URL that only a development issuer can have (a reserved `.invalid` host)."""
    host = issuer.partition("://")[2].partition("/")[0].partition(":")[0].lower().rstrip(".")
    return issuer.startswith(DEVELOPMENT_ISSUER_BASE) or host == "invalid" or host.endswith(".invalid")


def _claim_names(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise TypeError("claims must be an object")
    unknown = sorted(set(raw) - set(IDENTITY_CLAIMS))
    if unknown:
        raise ValueError(f"unknown identity claims {', '.join(unknown)}")
    if not all(isinstance(v, str) and v for v in raw.values()):
        raise ValueError("every claim name must be a non-empty string")
    return dict(raw)


def _lifetime(raw: Any) -> int:
    if raw is None:
        return DEFAULT_MAX_TOKEN_LIFETIME_SECONDS
    if not isinstance(raw, int) or isinstance(raw, bool) or raw <= 0:
        raise ValueError("max_token_lifetime_seconds must be a positive integer")
    return raw


# Members a public JWK of each accepted key type must carry (RFC 7518 §6.2.1, §6.3.1).
JWK_MEMBERS = {"EC": ("crv", "x", "y"), "RSA": ("n", "e")}


def check_jwks(issuer: str, jwks: Mapping[str, Any]) -> None:
    """Refuse at start-up an inline key set that could never verify a token.

    The shape is checked here, without importing the crypto library, so a cold start stays cheap;
    the keys themselves are parsed on first use.
    """
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(keys, list) or not keys:
        raise ConfigurationError(f"issuer {issuer}: jwks must hold a non-empty keys list")
    for key in keys:
        members = JWK_MEMBERS.get(str(key.get("kty"))) if isinstance(key, Mapping) else None
        if members is None:
            raise ConfigurationError(f"issuer {issuer}: every key needs kty EC or RSA")
        if not isinstance(key.get("kid"), str) or not key["kid"]:
            raise ConfigurationError(f"issuer {issuer}: every key needs a kid")
        if key.get("d") is not None:
            raise ConfigurationError(f"issuer {issuer}: key {key['kid']} is a private key")
        missing = [m for m in members if not isinstance(key.get(m), str) or not key[m]]
        if missing:
            raise ConfigurationError(f"issuer {issuer}: key {key['kid']} lacks {', '.join(missing)}")


def load_settings(env: Mapping[str, str] = os.environ) -> Settings:
    stage = env.get("TONGBAN_STAGE", "").strip()
    if not stage:
        raise ConfigurationError("TONGBAN_STAGE is not set: name the stage (the local stack sets local)")
    province = env.get("TONGBAN_PROVINCE", "430000")
    if not is_province(province):
        raise ConfigurationError(f"TONGBAN_PROVINCE {province!r} is not a GB/T 2260 province code")
    return Settings(
        stage=stage,
        province_code=province,
        resource_prefix=env.get("TONGBAN_RESOURCE_PREFIX", f"tongban-{province}"),
        cursor_key=env.get("TONGBAN_CURSOR_KEY", ""),
        cursor_key_secret=env.get("TONGBAN_CURSOR_KEY_SECRET", "").strip(),
        issuers=_issuers(env.get("TONGBAN_ISSUERS", ""), stage),
        tracing=env.get("POWERTOOLS_TRACE_DISABLED", "true").lower() != "true",
        public_base_url=_public_base_url(env.get("TONGBAN_PUBLIC_BASE_URL", ""), stage),
        windows=_windows(env.get("TONGBAN_WINDOWS", "")),
        catalog_drift_alarm_minutes=_minutes(
            "TONGBAN_CATALOG_DRIFT_ALARM_MINUTES", env.get("TONGBAN_CATALOG_DRIFT_ALARM_MINUTES", "")
        ),
        video=_video(env, stage),
        sms=sms_settings(env, stage),
        log_level=_log_level(env.get("POWERTOOLS_LOG_LEVEL", "")),
    )


def _log_level(raw: str) -> str:
    level = raw.strip().upper() or "INFO"
    if level not in LOG_LEVELS:
        raise ConfigurationError(f"POWERTOOLS_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
    return level


def _public_base_url(raw: str, stage: str) -> str | None:
    """An absolute http(s) origin (and path prefix) without query; https outside the local stage."""
    url = raw.strip().rstrip("/")
    if not url:
        return None
    scheme, _, rest = url.partition("://")
    if scheme not in ("https", "http") or not rest or "?" in url or "#" in url:
        raise ConfigurationError("TONGBAN_PUBLIC_BASE_URL must be an absolute http(s) URL without query")
    if scheme != "https" and stage != LOCAL_STAGE:
        raise ConfigurationError("TONGBAN_PUBLIC_BASE_URL must be https outside the local stage")
    return url


def _windows(raw: str) -> dict[str, WindowDesk]:
    """TONGBAN_WINDOWS: {"W-430000-01": {"name": …, "address": …, "phone": …}, …}."""
    try:
        entries = json.loads(raw) if raw.strip() else {}
        if not isinstance(entries, dict):
            raise TypeError("an object keyed by window id is needed")
        return {str(window): WindowDesk.parse(str(window), entry) for window, entry in entries.items()}
    except (ValueError, TypeError) as err:
        raise ConfigurationError(f"TONGBAN_WINDOWS is not a valid window list: {err}") from None


def _minutes(name: str, raw: str) -> int:
    """A positive whole number of minutes (at most a week), or the default when unset."""
    if not raw.strip():
        return DEFAULT_CATALOG_DRIFT_ALARM_MINUTES
    if not raw.strip().isdigit() or not 0 < int(raw) <= 7 * 24 * 60:
        raise ConfigurationError(f"{name} must be a whole number of minutes from 1 to 10080")
    return int(raw)


CURSOR_KEY_MIN_LENGTH = 32


def read_cursor_key(stage: Settings) -> bytes:
    """The key that authenticates pagination cursors (HMAC-SHA256); the root reads it once
    (`container.cursor_key()`).

    A deployed stage names the Secrets Manager secret that holds it (`TONGBAN_CURSOR_KEY_SECRET`,
    generated by the packaged template), read once per process on first use, so a cold start that
    pages nothing makes no call; or gives it inline (`TONGBAN_CURSOR_KEY`). Only the local stage may
    go without: the key is then derived from the stage's own settings, which still makes every
    cursor tamper-evident but lets anyone who knows those settings mint one. Every instance of a
    stage must share the key: a cursor from one page is used on the next request, which another
    instance may serve.
    """
    if stage.cursor_key:
        return stage.cursor_key.encode("utf-8")
    if stage.cursor_key_secret:
        from chalicelib.adapters.secrets import secret_text  # boto3 only when a cursor is first used

        key = secret_text(stage.cursor_key_secret)
        if key is None or len(key) < CURSOR_KEY_MIN_LENGTH:
            raise ConfigurationError(
                f"the cursor key secret must hold text of at least {CURSOR_KEY_MIN_LENGTH} characters"
            )
        return key.encode("utf-8")
    return f"tongban-cursor|{stage.stage}|{stage.province_code}|{stage.resource_prefix}".encode()


def print_link_key_of(cursor_key: bytes) -> bytes:
    """The key that signs receipt print links (HMAC-SHA256), derived from the cursor key with its
    own label so that neither can stand in for the other; a deployed stage sets TONGBAN_CURSOR_KEY."""
    import hashlib
    import hmac

    return hmac.new(cursor_key, b"tongban-receipt-print-link", hashlib.sha256).digest()

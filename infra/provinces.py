"""Per-province stage configuration (one stack per province), read from infra/provinces/*.json.

One file per province holds everything that differs between provinces: code, name, AWS region,
resource prefix, the deployed Chalice stage, trusted token issuers, the partner seed and the deploy
settings (log retention, alarm thresholds, per-function timeout, memory and concurrency).
`infra/provinces/TEMPLATE.json.example` is the starting point for a new province.

Chalice schedules are evaluated in UTC. The app's jobs are `Rate(...)` today and need no
conversion; a future job that must run at a Beijing wall-clock time gets its UTC `Cron` fields from
`utc_cron()` (the province's `schedule_timezone`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.config import is_development_issuer

PROVINCES_DIR = Path(__file__).resolve().parent / "provinces"
POLICIES_DIR = Path(__file__).resolve().parent / "policies"

_CODE = re.compile(r"^[1-6][0-9]0000$")
_PREFIX = re.compile(r"^tongban-[1-6][0-9]0000(-[a-z0-9]{1,12})?$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]$")
# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557)
ALARM_KEYS = (
    "queue_oldest_message_seconds",
    "api_5xx_per_5_minutes",
    "lambda_errors_per_5_minutes",
    "lambda_throttles_per_5_minutes",
    "overdue_cases_per_sweep",
)


class ProvinceConfigError(ValueError):
    """A province file is incomplete or inconsistent."""


@dataclass(frozen=True)
class FunctionSettings:
    timeout: int
    memory: int
    reserved_concurrency: int | None = None


@dataclass(frozen=True)
class Partner:
    code: str
    endpoint: str


@dataclass(frozen=True)
class DeploySettings:
    log_retention_days: int = 180
    max_receive_count: int = 5
    alarms: dict[str, int] = field(default_factory=dict)
    functions: dict[str, FunctionSettings] = field(default_factory=dict)


@dataclass(frozen=True)
class ProvinceStage:
    code: str
    name: str
    region: str
    resource_prefix: str
    local_port: int
    schedule_timezone: str
    issuers: tuple[dict[str, Any], ...]
    stage: str = ""
    partners: tuple[Partner, ...] = ()
    deploy: DeploySettings = field(default_factory=DeploySettings)
    public_base_url: str | None = None  # where applicants reach the gateway (receipt QR code)
    windows: dict[str, dict[str, str]] = field(default_factory=dict)  # 专窗 id → name, address, phone
    video: dict[str, str] = field(default_factory=lambda: {"provider": "none"})
    sms: dict[str, str] = field(default_factory=lambda: {"provider": "none"})

    @property
    def partition(self) -> str:
        return "aws-cn" if self.region.startswith("cn-") else "aws"

    @property
    def cursor_key_secret(self) -> str:
        """The name of the secret that holds the cursor key (CursorKeySecret in infra/template.yaml)."""
        return f"{self.resource_prefix}-cursor-key"

    def function_name(self, function: str) -> str:
        """The deployed Lambda name: prefix plus the handler name with hyphens."""
        return f"{self.resource_prefix}-{function.replace('_', '-')}"


def _require(data: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in data:
        raise ProvinceConfigError(f"{where}: missing {key}")
    value = data[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ProvinceConfigError(f"{where}: {key} must be {kind.__name__}")
    return value


def _issuers(raw: Any, where: str) -> tuple[dict[str, Any], ...]:
    if not isinstance(raw, list):
        raise ProvinceConfigError(f"{where}: issuers must be a list")
    for entry in raw:
        if not isinstance(entry, dict) or not {"issuer", "audience"} <= entry.keys():
            raise ProvinceConfigError(f"{where}: every issuer needs issuer and audience")
        if entry.get("development") or is_development_issuer(str(entry["issuer"])):
            raise ProvinceConfigError(f"{where}: a development issuer is for the local stage only")
        uri = entry.get("jwks_uri")
        if ("jwks" in entry) == (uri is not None):
            raise ProvinceConfigError(
                f"{where}: issuer {entry['issuer']}: give exactly one of jwks, jwks_uri"
            )
        if uri is not None and not str(uri).startswith("https://"):
            raise ProvinceConfigError(f"{where}: issuer {entry['issuer']}: jwks_uri must be https")
    return tuple(raw)


def _partners(raw: Any, code: str, where: str) -> tuple[Partner, ...]:
    if not isinstance(raw, list):
        raise ProvinceConfigError(f"{where}: partners must be a list")
    partners = []
    for entry in raw:
        partner = Partner(code=str(entry.get("code")), endpoint=str(entry.get("endpoint")))
        if not _CODE.match(partner.code) or partner.code == code:
            raise ProvinceConfigError(f"{where}: partner code {partner.code!r} is not another province")
        if not partner.endpoint.startswith("https://"):
            raise ProvinceConfigError(f"{where}: partner {partner.code} endpoint must be https")
        partners.append(partner)
    return tuple(partners)


def _windows(raw: Any, code: str, where: str) -> dict[str, dict[str, str]]:
    """The province's windows (跨省通办专窗) as their receipts print them."""
    from chalicelib.domain.window_desk import WindowDesk

    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ProvinceConfigError(f"{where}: windows must be an object keyed by window id")
    for window, entry in raw.items():
        if not str(window).startswith(f"W-{code}-"):
            raise ProvinceConfigError(f"{where}: window {window} is not one of W-{code}-…")
        try:
            WindowDesk.parse(str(window), entry)
        except ValueError as err:
            raise ProvinceConfigError(f"{where}: {err}") from None
    return dict(raw)


def _deploy(raw: Any, where: str) -> DeploySettings:
    if raw is None:
        return DeploySettings()
    retention = int(raw.get("log_retention_days", 180))
    if retention not in LOG_RETENTION_DAYS:
        raise ProvinceConfigError(f"{where}: log_retention_days {retention} is not a CloudWatch period")
    receives = int(raw.get("max_receive_count", 5))
    if not 1 <= receives <= 20:
        raise ProvinceConfigError(f"{where}: max_receive_count must be within 1..20")
    alarms = {key: int(value) for key, value in dict(raw.get("alarms", {})).items()}
    if missing := set(ALARM_KEYS) - alarms.keys():
        raise ProvinceConfigError(f"{where}: alarms lack {', '.join(sorted(missing))}")
    functions = {}
    for name, entry in dict(raw.get("functions", {})).items():
        settings = FunctionSettings(
            timeout=int(entry["timeout"]),
            memory=int(entry["memory"]),
            reserved_concurrency=(
                None if entry.get("reserved_concurrency") is None else int(entry["reserved_concurrency"])
            ),
        )
        if not 1 <= settings.timeout <= 900 or not 128 <= settings.memory <= 10240:
            raise ProvinceConfigError(f"{where}: function {name}: timeout or memory out of range")
        functions[name] = settings
    return DeploySettings(retention, receives, alarms, functions)


_VIDEO_KEYS = {
    "provider": "TONGBAN_VIDEO_PROVIDER",
    "media_region": "TONGBAN_VIDEO_MEDIA_REGION",
    "control_region": "TONGBAN_VIDEO_CONTROL_REGION",
}


def _video(raw: Any, where: str) -> dict[str, str]:
    """视频会商's provider of a deployed province: `chime` (with regions that have Chime: China's
    have none) or `none`. The local stand-in is the local stack's alone (chalicelib.config)."""
    video = {"provider": "none"} if raw is None else raw
    if (
        not isinstance(video, dict)
        or set(video) - set(_VIDEO_KEYS)
        or video.get("provider") not in ("chime", "none")
    ):
        raise ProvinceConfigError(
            f"{where}: video must be {{provider: chime|none, media_region, control_region}}"
        )
    for key in ("media_region", "control_region"):
        region = video.get(key)
        if region is not None and (
            not isinstance(region, str) or not _REGION.match(region) or region.startswith("cn-")
        ):
            raise ProvinceConfigError(
                f"{where}: video.{key} must be an AWS region outside China (Chime has none there)"
            )
    if video["provider"] == "chime" and "control_region" not in video:
        raise ProvinceConfigError(f"{where}: video.control_region is required for chime")
    return {str(k): str(v) for k, v in video.items()}


_SMS_KEYS = {
    "provider": "TONGBAN_SMS_PROVIDER",
    "sender_id": "TONGBAN_SMS_SENDER_ID",
    "origination_identity": "TONGBAN_SMS_ORIGINATION_IDENTITY",
    "configuration_set": "TONGBAN_SMS_CONFIGURATION_SET",
}
# End User Messaging's origination identity, as an ARN so that the grant can name it
_ORIGINATION_ARN = re.compile(
    r"^arn:aws(-cn)?:sms-voice:[a-z0-9-]+:[0-9]{12}:(phone-number|pool|sender-id)/[A-Za-z0-9_/-]+$"
)
_CONFIGURATION_SET = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _sms(raw: Any, where: str) -> dict[str, str]:
    """SMS to walk-in applicants of a deployed province: `sns`, `end_user_messaging` (from an
    origination identity given as its ARN, so the function's grant names it) or `none`. The local
    stand-in is the local stack's alone (chalicelib/adapters/sms.py)."""
    sms = {"provider": "none"} if raw is None else raw
    if (
        not isinstance(sms, dict)
        or set(sms) - set(_SMS_KEYS)
        or sms.get("provider") not in ("sns", "end_user_messaging", "none")
        or not all(isinstance(v, str) for v in sms.values())
    ):
        raise ProvinceConfigError(
            f"{where}: sms must be {{provider: sns|end_user_messaging|none, sender_id, "
            "origination_identity, configuration_set}"
        )
    if sms["provider"] == "end_user_messaging":
        if not _ORIGINATION_ARN.match(sms.get("origination_identity", "")):
            raise ProvinceConfigError(
                f"{where}: sms.origination_identity must be the ARN of an End User Messaging phone "
                "number, pool or sender id (arn:…:sms-voice:<region>:<account>:phone-number/…)"
            )
        if "configuration_set" in sms and not _CONFIGURATION_SET.match(sms["configuration_set"]):
            raise ProvinceConfigError(f"{where}: sms.configuration_set must be a configuration set name")
    elif set(sms) - {"provider", "sender_id"}:
        raise ProvinceConfigError(
            f"{where}: sms.origination_identity and sms.configuration_set are End User Messaging's"
        )
    return dict(sms)


def _chime_region(video: dict[str, str], region: str, where: str) -> None:
    """Amazon Chime SDK Meetings is not offered in China's regions: a stack there (partition aws-cn,
    whose credentials the global partition's Chime does not accept) cannot use it at all."""
    if video["provider"] == "chime" and region.startswith("cn-"):
        raise ProvinceConfigError(
            f"{where}: video.provider chime cannot be packaged for {region}: Amazon Chime SDK "
            "Meetings is not offered in China regions; choose none, or a domestic provider "
            "(docs/video-providers.md)"
        )


def parse(data: dict[str, Any], where: str = "province") -> ProvinceStage:
    """A validated province stage from the decoded JSON of its file."""
    code = _require(data, "code", str, where)
    if not _CODE.match(code):
        raise ProvinceConfigError(f"{where}: code {code!r} is not a GB/T 2260 province code")
    prefix = _require(data, "resource_prefix", str, where)
    if not _PREFIX.match(prefix) or not prefix.startswith(f"tongban-{code}"):
        raise ProvinceConfigError(f"{where}: resource_prefix {prefix!r} must be tongban-{code}[-suffix]")
    region = _require(data, "region", str, where)
    if not _REGION.match(region):
        raise ProvinceConfigError(f"{where}: region {region!r} is not an AWS region")
    timezone = _require(data, "schedule_timezone", str, where)
    ZoneInfo(timezone)  # raises for an unknown zone
    video = _video(data.get("video"), where)
    _chime_region(video, region, where)
    return ProvinceStage(
        code=code,
        name=_require(data, "name", str, where),
        region=region,
        resource_prefix=prefix,
        local_port=int(_require(data, "local_port", int, where)),
        schedule_timezone=timezone,
        issuers=_issuers(data.get("issuers", []), where),
        stage=str(data.get("stage") or f"prod-{code}"),
        partners=_partners(data.get("partners", []), code, where),
        deploy=_deploy(data.get("deploy"), where),
        public_base_url=_https(data.get("public_base_url"), "public_base_url", where),
        windows=_windows(data.get("windows"), code, where),
        video=video,
        sms=_sms(data.get("sms"), where),
    )


def _https(raw: Any, key: str, where: str) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.startswith("https://"):
        raise ProvinceConfigError(f"{where}: {key} must be an https URL")
    return raw


def load(code: str) -> ProvinceStage:
    path = PROVINCES_DIR / f"{code}.json"
    stage = parse(json.loads(path.read_text(encoding="utf-8")), str(path.name))
    if stage.code != code:
        raise ProvinceConfigError(f"{path.name}: code {stage.code} does not match the file name")
    return stage


def all_codes() -> list[str]:
    return sorted(p.stem for p in PROVINCES_DIR.glob("*.json"))


# --- Chalice stages ------------------------------------------------------------------------------


def chalice_stage(province: ProvinceStage, functions: list[str]) -> dict[str, Any]:
    """The `.chalice/config.json` stage of a province: environment, and per function its policy
    file (autogen off), timeout, memory and reserved concurrency."""
    lambdas: dict[str, Any] = {}
    for function in functions:
        settings = province.deploy.functions.get(function)
        if settings is None:
            raise ProvinceConfigError(f"{province.code}: deploy.functions lacks {function}")
        entry: dict[str, Any] = {
            "iam_policy_file": f"../infra/policies/{function}.json",
            "lambda_timeout": settings.timeout,
            "lambda_memory_size": settings.memory,
        }
        if settings.reserved_concurrency is not None:
            entry["reserved_concurrency"] = settings.reserved_concurrency
        lambdas[function] = entry
    environment = {
        "TONGBAN_STAGE": province.stage,
        "TONGBAN_PROVINCE": province.code,
        "TONGBAN_RESOURCE_PREFIX": province.resource_prefix,
        "TONGBAN_ISSUERS": json.dumps(list(province.issuers), ensure_ascii=False, separators=(",", ":")),
        # the name of infra/template.yaml's CursorKeySecret (read by name: chalicelib/config.py)
        "TONGBAN_CURSOR_KEY_SECRET": province.cursor_key_secret,
        **receipt_env(province),
        **{_VIDEO_KEYS[key]: value for key, value in province.video.items()},
        **{_SMS_KEYS[key]: value for key, value in province.sms.items()},
        "POWERTOOLS_TRACE_DISABLED": "false",
        "POWERTOOLS_METRICS_DISABLED": "false",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
    drift_minutes = province.deploy.alarms.get("catalog_drift_minutes")
    if drift_minutes is not None:  # how long a catalog difference with a partner may last (the app's alarm)
        environment["TONGBAN_CATALOG_DRIFT_ALARM_MINUTES"] = str(drift_minutes)
    return {
        "api_gateway_stage": "api",
        # AWS China has no edge-optimised APIs; a regional endpoint works in every partition
        "api_gateway_endpoint_type": "REGIONAL",
        "autogen_policy": False,
        "xray": True,
        "environment_variables": environment,
        "tags": {"tongban:province": province.code},
        "lambda_functions": lambdas,
    }


def receipt_env(province: ProvinceStage) -> dict[str, str]:
    """TONGBAN_PUBLIC_BASE_URL and TONGBAN_WINDOWS of the province, where its file sets them."""
    env = {}
    if province.public_base_url:
        env["TONGBAN_PUBLIC_BASE_URL"] = province.public_base_url
    if province.windows:
        env["TONGBAN_WINDOWS"] = json.dumps(province.windows, ensure_ascii=False, separators=(",", ":"))
    return env


# --- schedules -----------------------------------------------------------------------------------

_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")  # EventBridge numbers them 1..7


def _utc_offset_hours(timezone: str) -> int:
    """The zone's fixed offset from UTC in whole hours; a zone with DST cannot map to one cron."""
    zone = ZoneInfo(timezone)
    year = datetime.now(UTC).year
    offsets = {datetime(year, month, 1, 12, tzinfo=zone).utcoffset() for month in range(1, 13)}
    if len(offsets) != 1:
        raise ValueError(f"{timezone} observes daylight saving time: one UTC cron cannot follow it")
    (offset,) = offsets
    assert offset is not None
    if offset % timedelta(hours=1):
        raise ValueError(f"{timezone} is not a whole-hour offset")
    return int(offset / timedelta(hours=1))


def _shift_weekday(field_value: str, days: int) -> str:
    def one(day: str) -> str:
        if day.isdigit():
            return str((int(day) - 1 + days) % 7 + 1)
        return _DAYS[(_DAYS.index(day.upper()) + days) % 7]

    if "-" in field_value or "#" in field_value or "L" in field_value.upper():
        raise ValueError(f"day-of-week {field_value!r}: only single days or lists can be shifted")
    return ",".join(one(d) for d in field_value.split(","))


def utc_cron(local_cron: str, timezone: str = "Asia/Shanghai") -> tuple[str, str, str, str, str, str]:
    """Convert an EventBridge cron in local wall-clock time (`minutes hours day-of-month month
    day-of-week year`) to the UTC fields of `chalice.Cron(*fields)`: 02:00 on Mondays in Beijing,
    `0 2 ? * MON *`, is `("0", "18", "?", "*", "SUN", "*")`.

    Hours must be numbers (a list is fine). When every hour moves to the previous (or next) day,
    a day-of-week list moves with it; a fixed day of month that would have to move is refused
    rather than converted wrongly.
    """
    fields = local_cron.split()
    if len(fields) != 6:
        raise ValueError(
            "an EventBridge cron has six fields: minutes hours day-of-month month day-of-week year"
        )
    minutes, hours, day_of_month, month, day_of_week, year = fields
    offset = _utc_offset_hours(timezone)
    if not all(h.isdigit() and 0 <= int(h) <= 23 for h in hours.split(",")):
        raise ValueError(f"hours {hours!r}: give hours as numbers (0-23) or a list of them")
    shifted = [int(h) - offset for h in hours.split(",")]
    day_moves = {(-1 if h < 0 else 1 if h > 23 else 0) for h in shifted}
    utc_hours = ",".join(str(h % 24) for h in sorted(shifted, key=lambda h: h % 24))
    if day_moves == {0}:
        return minutes, utc_hours, day_of_month, month, day_of_week, year
    if len(day_moves) > 1 and (day_of_month != "*" or day_of_week not in ("?", "*")):
        raise ValueError("the hours fall on different UTC days: split the job into two schedules")
    if day_of_month not in ("*", "?"):
        raise ValueError(f"day-of-month {day_of_month!r} would move to another UTC day: not converted")
    (move,) = day_moves if len(day_moves) == 1 else (0,)
    if day_of_week not in ("?", "*"):
        day_of_week = _shift_weekday(day_of_week, move)
    return minutes, utc_hours, day_of_month, month, day_of_week, year

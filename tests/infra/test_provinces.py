"""Province files, the Chalice stages generated from them, and Beijing-time schedules."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.config import load_settings
from infra import provinces
from infra.merge import AppFunction
from infra.package import CHALICE_CONFIG, chalice_config


@pytest.mark.parametrize("code", provinces.all_codes())
def test_every_province_file_is_valid_and_complete(code: str, functions: list[AppFunction]) -> None:
    province = provinces.load(code)
    assert province.stage == f"prod-{code}"
    assert province.issuers and all(i["jwks_uri"].startswith("https://") for i in province.issuers)
    others = set(provinces.all_codes()) - {code}
    assert {p.code for p in province.partners} == others
    assert all(p.endpoint.endswith(".gov.cn.example") for p in province.partners)  # example values
    assert {f.name for f in functions} <= province.deploy.functions.keys()


def test_chalice_config_holds_the_generated_stage_of_every_province(functions: list[AppFunction]) -> None:
    committed = json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))
    wanted = chalice_config(provinces.all_codes(), functions)
    assert committed == wanted, "run `python -m infra.package <code>` to regenerate .chalice/config.json"
    assert committed["stages"]["local"]["environment_variables"]["TONGBAN_STAGE"] == "local"


@pytest.mark.parametrize("code", provinces.all_codes())
def test_the_app_accepts_the_environment_of_each_stage(code: str) -> None:
    stage = json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))["stages"][f"prod-{code}"]
    settings = load_settings(stage["environment_variables"])
    assert settings.province_code == code and settings.tracing
    assert settings.resource_prefix == f"tongban-{code}"
    assert not any(i.development for i in settings.issuers)
    for function, entry in stage["lambda_functions"].items():
        assert entry["iam_policy_file"] == f"../infra/policies/{function}.json"


def test_template_example_names_every_field() -> None:
    example = json.loads((provinces.PROVINCES_DIR / "TEMPLATE.json.example").read_text(encoding="utf-8"))
    real = json.loads((provinces.PROVINCES_DIR / "430000.json").read_text(encoding="utf-8"))
    assert example.keys() == real.keys()
    assert example["deploy"].keys() == real["deploy"].keys()


def _valid() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((provinces.PROVINCES_DIR / "430000.json").read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"code": "431000"}, "province code"),
        ({"resource_prefix": "tongban-450000"}, "resource_prefix"),
        ({"region": "mars"}, "region"),
        ({"issuers": [{"issuer": "x", "audience": "y", "jwks_uri": "http://x"}]}, "https"),
        (
            {"issuers": [{"issuer": "x", "audience": "y", "jwks_uri": "https://x", "development": True}]},
            "local",
        ),
        (
            {
                "issuers": [
                    {
                        "issuer": "https://dev-idp.tongban.invalid/430000",
                        "audience": "y",
                        "jwks_uri": "https://x",
                    }
                ]
            },
            "local",
        ),
        ({"partners": [{"code": "430000", "endpoint": "https://x"}]}, "another province"),
    ],
)
def test_inconsistent_province_files_are_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(provinces.ProvinceConfigError, match=message):
        provinces.parse({**_valid(), **change})


def test_log_retention_must_be_a_cloudwatch_period() -> None:
    data = _valid()
    data["deploy"] = {**data["deploy"], "log_retention_days": 100}
    with pytest.raises(provinces.ProvinceConfigError, match="log_retention_days"):
        provinces.parse(data)


@pytest.mark.parametrize(
    ("beijing", "utc"),
    [
        ("0 9 * * ? *", ("0", "1", "*", "*", "?", "*")),  # 09:00 daily
        ("30 2 ? * MON *", ("30", "18", "?", "*", "SUN", "*")),  # 02:30 Monday → Sunday 18:30 UTC
        ("0 1 ? * 2,6 *", ("0", "17", "?", "*", "1,5", "*")),  # numbered days move too
        ("0 8,20 * * ? *", ("0", "0,12", "*", "*", "?", "*")),
        ("15 23 ? * SAT *", ("15", "15", "?", "*", "SAT", "*")),
    ],
)
def test_beijing_cron_is_converted_to_utc(beijing: str, utc: tuple[str, ...]) -> None:
    assert provinces.utc_cron(beijing, "Asia/Shanghai") == utc


@pytest.mark.parametrize(
    "beijing",
    [
        "0 2 1 * ? *",  # the 1st of the month at 02:00 is the last day of the previous month in UTC
        "0 2 ? * MON-FRI *",  # a range cannot be shifted safely
        "0 */2 * * ? *",  # hours must be numbers
        "0 2 * *",  # not six fields
    ],
)
def test_crons_that_cannot_be_converted_exactly_are_refused(beijing: str) -> None:
    with pytest.raises(ValueError):
        provinces.utc_cron(beijing)


def test_zones_with_daylight_saving_time_are_refused() -> None:
    with pytest.raises(ValueError, match="daylight"):
        provinces.utc_cron("0 9 * * ? *", "Europe/Berlin")

"""The receipt's rules without AWS: paper time, names for codes, the chosen delivery, the progress
link, the per-window configuration, and the print link's signature and expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.config import ConfigurationError, load_settings
from chalicelib.domain import print_link
from chalicelib.domain.case import Channel, Handler, IdentityCheck, Intake
from chalicelib.domain.catalog_terms import Delivery
from chalicelib.domain.clock import BEIJING
from chalicelib.domain.receipt import (
    chosen_delivery,
    intake_receipt,
    paper_time,
    progress_url,
    province_label,
)
from chalicelib.domain.window_desk import WindowDesk
from tests.factories import case_model

LOCAL = {"TONGBAN_STAGE": "local", "TONGBAN_PROVINCE": "430000"}
DESK = WindowDesk(
    name="长沙市政务服务中心跨省通办专窗", address="长沙市岳麓区金星中路 1 号", phone="0731-88888888"
)
NOW = datetime(2026, 11, 30, 14, 5, 30, tzinfo=BEIJING)


def intake_case(form: dict[str, Any] | None = None, offered: tuple[Delivery, ...] = ()) -> Any:
    at = datetime(2026, 11, 30, 6, 5, tzinfo=UTC)  # 14:05 in Beijing
    identity = IdentityCheck(method="id_card_reader", document="居民身份证", at=at, by="clerk")
    return case_model(
        handler=Handler(
            province="450000", authority="A-450000-01", authority_name="南宁市公安局", channel=Channel.WINDOW
        ),
        intake=Intake(
            window="W-430000-01",
            province="430000",
            identity=identity,
            query_code="7KQ2M9XA",
            receipt_issued_at=at,
        ),
        form=form or {},
        result_delivery=list(offered),
    )


def test_times_are_beijing_time_as_written_on_paper() -> None:
    utc = datetime(2026, 11, 30, 17, 4, tzinfo=UTC)  # past midnight in Beijing
    assert paper_time(utc, "zh") == "2026年12月1日 01:04"
    assert paper_time(utc, "en") == "1 December 2026, 01:04 (UTC+8)"


def test_provinces_are_named_not_coded() -> None:
    assert province_label("450000", "zh") == "广西壮族自治区"
    assert province_label("430000", "en") == "Hunan Province"
    assert province_label("990000", "zh") == "990000"  # never a crash on a receipt


def test_the_progress_link_carries_number_and_code_only_when_there_is_a_public_url() -> None:
    url = progress_url("https://zwfw.example/", "430000-20261130-AB", "7KQ2M9XA")
    assert url == "https://zwfw.example/v1/public/cases/430000-20261130-AB/progress?code=7KQ2M9XA"
    assert progress_url(None, "430000-20261130-AB", "7KQ2M9XA") is None
    assert progress_url("https://zwfw.example", "430000-20261130-AB", None) is None


def test_the_delivery_is_the_applicants_choice_then_the_window() -> None:
    mail = intake_case({"delivery": "邮寄", "mailing_address": "广西壮族自治区南宁市青秀区民族大道 100 号"})
    assert chosen_delivery(mail) == ("mail", "广西壮族自治区南宁市青秀区民族大道 100 号")
    pickup = intake_case({"delivery": "窗口领取", "mailing_address": "x"})
    assert chosen_delivery(pickup) == ("window_pickup", None)
    offered = (Delivery.ELECTRONIC, Delivery.WINDOW_PICKUP)
    assert chosen_delivery(intake_case(offered=offered)) == ("window_pickup", None)
    assert chosen_delivery(intake_case(offered=(Delivery.ELECTRONIC,))) == ("electronic", None)


def test_the_receipt_masks_the_address_and_names_everything() -> None:
    case = intake_case({"delivery": "邮寄", "mailing_address": "广西壮族自治区南宁市青秀区民族大道 100 号"})
    receipt = intake_receipt(case, DESK, "https://zwfw.example", "zh")
    assert receipt["delivery"]["address"].startswith("广西壮族自治*") and "民族大道" not in str(receipt)
    assert receipt["handling_province"] == "广西壮族自治区" and receipt["intake_province"] == "湖南省"
    assert receipt["issued_at_text"] == "2026年11月30日 14:05"
    assert receipt["window"]["phone"] == "0731-88888888"
    english = intake_receipt(case, DESK, None, "en")
    assert english["progress_url"] is None and english["delivery"]["text"].startswith("By mail to: ")


def test_windows_and_the_public_url_are_settings() -> None:
    raw = '{"W-430000-01": {"name": "专窗", "address": "地址", "phone": "0731-1"}}'
    settings = load_settings(
        {**LOCAL, "TONGBAN_WINDOWS": raw, "TONGBAN_PUBLIC_BASE_URL": "http://127.0.0.1:8430/"}
    )
    assert settings.windows == {"W-430000-01": WindowDesk(name="专窗", address="地址", phone="0731-1")}
    assert settings.public_base_url == "http://127.0.0.1:8430"
    assert load_settings(LOCAL).public_base_url is None and load_settings(LOCAL).windows == {}


@pytest.mark.parametrize(
    "env",
    [
        {"TONGBAN_WINDOWS": "[]"},
        {"TONGBAN_WINDOWS": '{"W-430000-01": {"address": "no name"}}'},
        {"TONGBAN_WINDOWS": '{"W-430000-01": {"name": "专窗", "fax": "1"}}'},
        {"TONGBAN_WINDOWS": "{not json"},
        {"TONGBAN_PUBLIC_BASE_URL": "zwfw.example"},
        {"TONGBAN_PUBLIC_BASE_URL": "https://zwfw.example/?a=1"},
        {"TONGBAN_PUBLIC_BASE_URL": "http://zwfw.example", "TONGBAN_STAGE": "prod-430000"},
    ],
)
def test_a_bad_window_list_or_public_url_is_refused_at_start(env: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError):
        load_settings({**LOCAL, **env})


KEY = b"k" * 32


def presented(link: print_link.PrintLink, key: bytes = KEY, **changes: str) -> dict[str, Any]:
    query = {
        "fmt": link.format,
        "lang": link.lang,
        "expires": str(link.expires),
        "sig": link.signature(key, "430000"),
    }
    return {**query, **changes}


def test_a_print_link_opens_only_what_it_was_signed_for_until_it_expires() -> None:
    link = print_link.mint("430000-20261130-AB", "pdf", "zh", NOW)
    assert link.expires == int(NOW.timestamp()) + 300
    assert print_link.check(KEY, "430000", link.number, now=NOW, **presented(link)) == link
    for refused in (
        presented(link, b"x" * 32),
        presented(link, fmt="html"),
        presented(link, lang="en"),
        presented(link, expires=str(link.expires + 60)),
        presented(link, sig=""),
        presented(link, expires="-1"),
    ):
        with pytest.raises(print_link.PrintLinkRefused):
            print_link.check(KEY, "430000", link.number, now=NOW, **refused)
    with pytest.raises(print_link.PrintLinkRefused):  # another province's gateway, another case
        print_link.check(KEY, "450000", link.number, now=NOW, **presented(link))
    with pytest.raises(print_link.PrintLinkRefused):
        print_link.check(KEY, "430000", "430000-20261130-CD", now=NOW, **presented(link))
    later = NOW + timedelta(seconds=301)
    with pytest.raises(print_link.PrintLinkExpired):
        print_link.check(KEY, "430000", link.number, now=later, **presented(link))


def test_a_province_file_gives_its_windows_and_public_url_to_the_stage() -> None:
    import json

    from infra import provinces

    hunan = provinces.load("430000")
    env = provinces.receipt_env(hunan)
    assert env["TONGBAN_PUBLIC_BASE_URL"].startswith("https://")
    windows = load_settings({**LOCAL, **env}).windows
    assert set(windows) == {"W-430000-01", "W-430000-02"} and all(
        w.address and w.phone for w in windows.values()
    )
    data = json.loads((provinces.PROVINCES_DIR / "430000.json").read_text(encoding="utf-8"))
    for bad in (
        {"windows": {"W-450000-01": {"name": "另一省的窗口"}}},
        {"windows": {"W-430000-01": {"address": "无名"}}},
        {"public_base_url": "http://zwfw.example"},
    ):
        with pytest.raises(provinces.ProvinceConfigError):
            provinces.parse({**data, **bad})

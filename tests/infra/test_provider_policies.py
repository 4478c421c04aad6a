"""The IAM a province's configured providers need (infra/provider_policies.py): exactly the actions
their adapters call, on the function that calls them, and nothing for a province without them."""

from __future__ import annotations

import json
import subprocess
import warnings
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra import provinces
from infra.merge import AppFunction, build
from infra.package import Package
from infra.provider_policies import provider_statements, role_id
from tests.infra.test_data_resources import _refs
from tests.infra.test_package import BIN
from tests.infra.test_policies import wildcard_violations

ORIGINATION = "arn:aws:sms-voice:ap-southeast-1:123456789012:phone-number/phone-0123456789abcdef"
PROVIDER_ACTIONS = ("chime:", "sns:", "sms-voice:")


def _province(region: str = "ap-southeast-1", **changes: Any) -> provinces.ProvinceStage:
    """430000's file moved to a region with Chime, with the providers `changes` names."""
    data = json.loads((provinces.PROVINCES_DIR / "430000.json").read_text(encoding="utf-8"))
    return provinces.parse({**data, "region": region, **changes})


CHIME = {"provider": "chime", "media_region": "ap-southeast-1", "control_region": "us-east-1"}


def _policies(merge: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in merge["Resources"].items() if v.get("Type") == "AWS::IAM::Policy"}


def _actions(policy: dict[str, Any], effect: str = "Allow") -> set[str]:
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    return {a for s in statements if s["Effect"] == effect for a in s["Action"]}


def test_chime_and_sns_grant_their_adapters_calls_to_the_calling_functions(
    functions: list[AppFunction],
) -> None:
    province = _province(video=CHIME, sms={"provider": "sns", "sender_id": "TONGBAN"})
    policies = _policies(build(province, functions))
    assert set(policies) == {"APIHandlerProviderPolicy", "DeliverNoticesProviderPolicy"}
    video, sms = policies["APIHandlerProviderPolicy"], policies["DeliverNoticesProviderPolicy"]
    assert video["Properties"]["Roles"] == [{"Ref": "ApiHandlerRole"}]
    assert _actions(video) == {
        "chime:CreateMeeting",
        "chime:BatchCreateAttendee",
        "chime:CreateAttendee",
        "chime:DeleteMeeting",
    }
    create, meetings = video["Properties"]["PolicyDocument"]["Statement"]
    assert create["Condition"] == {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}
    assert meetings["Resource"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:chime:us-east-1:${AWS::AccountId}:meeting/*"}
    ]
    assert sms["Properties"]["Roles"] == [{"Ref": "DeliverNoticesRole"}]
    assert _actions(sms) == {"sns:Publish"} == _actions(sms, "Deny")
    for policy in policies.values():
        assert wildcard_violations(policy["Properties"]["PolicyDocument"]) == []


def test_end_user_messaging_is_granted_on_its_origination_identity_only(functions: list[AppFunction]) -> None:
    sms = {"provider": "end_user_messaging", "origination_identity": ORIGINATION, "configuration_set": "cs1"}
    policies = _policies(build(_province(sms=sms), functions))
    assert set(policies) == {"DeliverNoticesProviderPolicy"}
    (statement,) = policies["DeliverNoticesProviderPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == ["sms-voice:SendTextMessage"]
    assert statement["Resource"] == [
        ORIGINATION,
        {"Fn::Sub": "arn:${AWS::Partition}:sms-voice:${AWS::Region}:${AWS::AccountId}:configuration-set/cs1"},
    ]
    assert wildcard_violations(policies["DeliverNoticesProviderPolicy"]["Properties"]["PolicyDocument"]) == []


@pytest.mark.parametrize("code", provinces.all_codes())
def test_a_province_without_providers_gets_no_provider_actions(
    code: str, functions: list[AppFunction], templates: dict[str, dict[str, Any]]
) -> None:
    province = provinces.load(code)
    assert province.video["provider"] == "none" and province.sms["provider"] == "none"
    assert provider_statements(province) == {}
    assert _policies(build(province, functions)) == {}
    resources = templates[code]["Resources"]
    assert not [k for k, v in resources.items() if v["Type"] == "AWS::IAM::Policy"]
    granted = {
        action
        for role in resources.values()
        if role["Type"] == "AWS::IAM::Role"
        for policy in role["Properties"]["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
        for action in statement["Action"]
    }
    assert granted and not [a for a in granted if a.startswith(PROVIDER_ACTIONS)]


def test_local_or_none_grants_nothing_even_outside_china() -> None:
    assert provider_statements(_province(video={"provider": "none"}, sms={"provider": "none"})) == {}


def test_the_wildcard_check_keeps_the_provider_exceptions_narrow() -> None:
    def doc(*statements: dict[str, Any]) -> dict[str, Any]:
        return {"Statement": list(statements)}

    unbound = {"Effect": "Allow", "Action": ["chime:CreateMeeting"], "Resource": "*"}
    publish = {
        "Effect": "Allow",
        "Action": ["sns:Publish"],
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:RequestedRegion": "cn-north-1"}},
    }
    other_on_meetings = {
        "Effect": "Allow",
        "Action": ["chime:DeleteAttendee"],
        "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:chime:us-east-1:${AWS::AccountId}:meeting/*"}],
    }
    other_deny = {"Effect": "Deny", "Action": ["s3:GetObject"], "Resource": "*"}
    assert len(wildcard_violations(doc(unbound))) == 1  # no region condition
    assert len(wildcard_violations(doc(publish))) == 1  # no Deny of topics beside it
    assert len(wildcard_violations(doc(other_on_meetings))) == 1
    assert len(wildcard_violations(doc(other_deny))) == 1


def test_chime_is_refused_for_a_province_in_china() -> None:
    with pytest.raises(provinces.ProvinceConfigError, match="not offered in China regions"):
        _province(region="cn-northwest-1", video=CHIME)


@pytest.mark.parametrize(
    "sms",
    [
        {"provider": "end_user_messaging"},
        {"provider": "end_user_messaging", "origination_identity": "+8613800000000"},
        {"provider": "sns", "origination_identity": ORIGINATION},
        {"provider": "local"},
        {"provider": "sns", "sender_id": 1},
    ],
)
def test_sms_settings_that_cannot_be_granted_are_refused(sms: dict[str, Any]) -> None:
    with pytest.raises(provinces.ProvinceConfigError, match="sms"):
        _province(sms=sms)


def test_the_stage_environment_names_the_sms_provider() -> None:
    sms = {"provider": "end_user_messaging", "origination_identity": ORIGINATION}
    env = provinces.chalice_stage(_province(sms=sms), [])["environment_variables"]
    assert env["TONGBAN_SMS_PROVIDER"] == "end_user_messaging"
    assert env["TONGBAN_SMS_ORIGINATION_IDENTITY"] == ORIGINATION


def _with_providers(
    template: dict[str, Any], functions: list[AppFunction]
) -> tuple[provinces.ProvinceStage, dict[str, Any]]:
    """A packaged template with the providers' policies of a province that configures chime and sns."""
    province = _province(video=CHIME, sms={"provider": "sns"})
    merged = json.loads(json.dumps(template))
    merged["Resources"].update(_policies(build(province, functions)))
    return province, merged


def test_role_ids_are_the_roles_chalice_packages(
    templates: dict[str, dict[str, Any]], functions: list[AppFunction]
) -> None:
    for template in templates.values():
        for function in functions:
            role = template["Resources"][function.logical_id]["Properties"]["Role"]["Fn::GetAtt"][0]
            assert role == role_id(function)


def test_provider_policies_lint_clean_and_build_in_moto(
    packages: dict[str, Package],
    templates: dict[str, dict[str, Any]],
    functions: list[AppFunction],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from moto import mock_aws

    code = next(iter(templates))
    _, merged = _with_providers(templates[code], functions)
    linted = tmp_path / "with-providers.json"
    linted.write_text(json.dumps(merged), encoding="utf-8")
    run = subprocess.run([str(BIN / "cfn-lint"), str(linted)], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr

    # moto builds the roles, the providers' policies on them and what the roles name (the signing
    # key, the cursor key secret); the functions need their code zip, so they stay out
    wanted = {role_id(f) for f in functions} | {
        k for k, v in merged["Resources"].items() if v["Type"] == "AWS::IAM::Policy"
    }
    while (
        more := set().union(*(_refs(merged["Resources"][k]) for k in wanted))
        & merged["Resources"].keys() - wanted
    ):
        wanted |= more
    stack = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": merged["Parameters"],
        "Resources": {k: merged["Resources"][k] for k in wanted},
    }
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "210987654322")
    with mock_aws(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cloudformation = boto3.client("cloudformation", region_name="ap-southeast-1")
        cloudformation.create_stack(
            StackName="providers", TemplateBody=json.dumps(stack), Capabilities=["CAPABILITY_IAM"]
        )
        assert cloudformation.describe_stacks(StackName="providers")["Stacks"][0]["StackStatus"] == (
            "CREATE_COMPLETE"
        )
        created = cloudformation.describe_stack_resources(StackName="providers")["StackResources"]
        names = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in created if "LogicalResourceId" in r}
        iam = boto3.client("iam", region_name="ap-southeast-1")
        video = iam.get_role_policy(RoleName=names["ApiHandlerRole"], PolicyName="api_handler-providers")
        assert {a for st in video["PolicyDocument"]["Statement"] for a in st["Action"]} == {
            "chime:CreateMeeting",
            "chime:BatchCreateAttendee",
            "chime:CreateAttendee",
            "chime:DeleteMeeting",
        }
        assert video["PolicyDocument"]["Statement"][1]["Resource"] == [
            "arn:aws:chime:us-east-1:210987654322:meeting/*"
        ]
        sms = iam.get_role_policy(
            RoleName=names["DeliverNoticesRole"], PolicyName="deliver_notices-providers"
        )
        assert [(st["Effect"], st["Action"]) for st in sms["PolicyDocument"]["Statement"]] == [
            ("Allow", ["sns:Publish"]),
            ("Deny", ["sns:Publish"]),
        ]
        assert iam.list_role_policies(RoleName=names["CheckUploadsRole"])["PolicyNames"] == [
            "CheckUploadsRolePolicy"
        ]

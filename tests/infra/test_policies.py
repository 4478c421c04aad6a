"""Least privilege: one policy per function, every action on named resources.

The only wildcards allowed are those AWS requires, listed here: X-Ray's PutTraceSegments and
PutTelemetryRecords take no resource. Object actions name the files or evidence bucket's objects
(`<bucket>/*`). The stack's own signing key and cursor key secret are named by reference. A
province's providers (infra/provider_policies.py) add three narrow ones, each tied to its action:
Chime's CreateMeeting (no resource type) and SNS Publish to a phone number (no ARN) on `*` only
with an `aws:RequestedRegion` condition — Publish only beside a Deny of every topic — and Chime's
meeting actions on `meeting/*` of this account (Chime names the meeting). The one Deny allowed is
that one. Nothing else may hold `*` in an action or a resource.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from infra.merge import AppFunction
from infra.package import Package
from infra.provinces import POLICIES_DIR

STAR_RESOURCE_ACTIONS = frozenset({"xray:PutTraceSegments", "xray:PutTelemetryRecords"})
OBJECT_ACTIONS = frozenset({"s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"})
BUCKET_OBJECTS = frozenset(
    {
        "arn:${AWS::Partition}:s3:::${ResourcePrefix}-files/*",
        "arn:${AWS::Partition}:s3:::${ResourcePrefix}-evidence/*",
    }
)
NAMED = re.compile(r"^arn:\$\{AWS::Partition\}:(dynamodb|sqs|s3|logs):[^*]*$")
# the providers' exceptions (infra/provider_policies.py)
REGION_BOUND_STAR_ACTIONS = frozenset({"chime:CreateMeeting", "sns:Publish"})
CHIME_MEETING_ACTIONS = frozenset(
    {"chime:BatchCreateAttendee", "chime:CreateAttendee", "chime:DeleteMeeting"}
)
CHIME_MEETINGS = re.compile(r"^arn:\$\{AWS::Partition\}:chime:[a-z0-9-]+:\$\{AWS::AccountId\}:meeting/\*$")
SNS_TOPICS = "arn:${AWS::Partition}:sns:*:*:*"
SMS_VOICE = re.compile(
    r"^arn:(aws(-cn)?|\$\{AWS::Partition\}):sms-voice:([a-z0-9-]+|\$\{AWS::Region\}):"
    r"([0-9]{12}|\$\{AWS::AccountId\}):"
    r"(phone-number|pool|sender-id|configuration-set)/[^*]+$"
)
NO_TOPIC_PUBLISH = {"Effect": "Deny", "Action": ["sns:Publish"], "Resource": [SNS_TOPICS]}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _text(resource: Any) -> str:
    if isinstance(resource, str):
        return resource
    if isinstance(resource, dict) and "Fn::Sub" in resource:
        return str(resource["Fn::Sub"])
    if resource == {"Fn::GetAtt": ["SigningKey", "Arn"]}:
        return "SigningKey.Arn"
    if resource == {"Ref": "CursorKeySecret"}:
        return "CursorKeySecret"
    return json.dumps(resource)


def wildcard_violations(document: dict[str, Any]) -> list[str]:
    problems = []
    for statement in document["Statement"]:
        assert "NotAction" not in statement and "NotResource" not in statement
        actions = _list(statement["Action"])
        resources = [_text(r) for r in _list(statement["Resource"])]
        if statement["Effect"] == "Deny":
            if {k: statement[k] for k in ("Effect", "Action", "Resource")} != {
                **NO_TOPIC_PUBLISH,
                "Resource": [{"Fn::Sub": SNS_TOPICS}],
            }:
                problems.append(f"{statement.get('Sid')}: the only Deny is SNS Publish to topics")
            continue
        assert statement["Effect"] == "Allow"
        for action in actions:
            if "*" in action:
                problems.append(f"{statement.get('Sid')}: wildcard action {action}")
        for resource in resources:
            if resource == "*":
                region_bound = (
                    len(actions) == 1
                    and actions[0] in REGION_BOUND_STAR_ACTIONS
                    and set(statement.get("Condition", {}).get("StringEquals", {})) == {"aws:RequestedRegion"}
                )
                if not set(actions) <= STAR_RESOURCE_ACTIONS and not region_bound:
                    problems.append(
                        f"{statement.get('Sid')}: * for {sorted(set(actions) - STAR_RESOURCE_ACTIONS)}"
                    )
                if actions == ["sns:Publish"] and not any(
                    s["Effect"] == "Deny" and _list(s["Action"]) == ["sns:Publish"]
                    for s in document["Statement"]
                ):
                    problems.append(f"{statement.get('Sid')}: SNS Publish on * without the Deny of topics")
            elif CHIME_MEETINGS.match(resource):
                if set(actions) - CHIME_MEETING_ACTIONS:
                    problems.append(f"{statement.get('Sid')}: Chime meetings only for meeting actions")
            elif SMS_VOICE.match(resource):
                if set(actions) != {"sms-voice:SendTextMessage"}:
                    problems.append(f"{statement.get('Sid')}: SMS identities only to send text")
            elif resource.endswith(":*") and ":log-group:/aws/lambda/${ResourcePrefix}-" in resource:
                if set(actions) - {"logs:CreateLogStream", "logs:PutLogEvents"}:
                    problems.append(f"{statement.get('Sid')}: log streams only for logging actions")
            elif resource in BUCKET_OBJECTS:
                if set(actions) - OBJECT_ACTIONS:
                    problems.append(f"{statement.get('Sid')}: bucket objects only for object actions")
            elif resource == "CursorKeySecret":
                if set(actions) != {"secretsmanager:GetSecretValue"}:
                    problems.append(f"{statement.get('Sid')}: the cursor key secret may only be read")
            elif resource != "SigningKey.Arn" and not NAMED.match(resource):
                problems.append(f"{statement.get('Sid')}: resource {resource} is not a named resource")
    return problems


def _policy(function: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((POLICIES_DIR / f"{function}.json").read_text(encoding="utf-8"))
    return document


def test_every_function_has_its_own_policy_file(functions: list[AppFunction]) -> None:
    assert {p.stem for p in POLICIES_DIR.glob("*.json")} == {f.name for f in functions}


@pytest.mark.parametrize("path", sorted(POLICIES_DIR.glob("*.json")), ids=lambda p: p.stem)
def test_no_policy_holds_a_wildcard_beyond_the_listed_exceptions(path: Path) -> None:
    assert wildcard_violations(_policy(path.stem)) == []


def test_the_check_catches_wildcards() -> None:
    bad = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["dynamodb:*"],
                "Resource": [
                    {"Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/x"}
                ],
            },
            {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": ["secretsmanager:PutSecretValue"],
                "Resource": {"Ref": "CursorKeySecret"},
            },
            {
                "Effect": "Allow",
                "Action": ["dynamodb:GetItem"],
                "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:1:table/*"}],
            },
        ]
    }
    assert len(wildcard_violations(bad)) == 4


def test_only_the_api_reads_the_idempotency_table_and_only_consumers_receive(
    functions: list[AppFunction],
) -> None:
    for function in functions:
        text = json.dumps(_policy(function.name))
        assert ("-idempotency" in text) == (function.name == "api_handler")
        consumes = "sqs:ReceiveMessage" in text
        assert consumes == (function.queue_suffix is not None or function.name == "api_handler")


def test_only_the_api_reads_the_cursor_key_and_only_that_one_secret(functions: list[AppFunction]) -> None:
    for function in functions:
        statements = _policy(function.name)["Statement"]
        reads = [s for s in statements if any(a.startswith("secretsmanager:") for a in _list(s["Action"]))]
        if function.name == "api_handler":
            (statement,) = reads
            assert _list(statement["Action"]) == ["secretsmanager:GetSecretValue"]
            assert _list(statement["Resource"]) == [{"Ref": "CursorKeySecret"}]
        else:
            assert reads == [], function.name


def test_the_packaged_roles_carry_exactly_the_policy_files(
    templates: dict[str, dict[str, Any]], packages: dict[str, Package], functions: list[AppFunction]
) -> None:
    for template in templates.values():
        resources = template["Resources"]
        for function in functions:
            role = resources[function.logical_id]["Properties"]["Role"]["Fn::GetAtt"][0]
            (policy,) = resources[role]["Properties"]["Policies"]
            assert policy["PolicyDocument"] == _policy(function.name)
        roles = [r for r in resources.values() if r["Type"] == "AWS::IAM::Role"]
        assert len(roles) == len(functions)
        assert not any("ManagedPolicyArns" in r["Properties"] for r in roles)

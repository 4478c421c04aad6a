"""The IAM a province's configured providers need, granted only when the province configures them.

The policy files in `infra/policies/` are what every province's functions need; a provider chosen
per province (`video`, `sms` in `infra/provinces/<code>.json`) adds exactly the actions its adapter
calls, to the one function that calls them, as an inline policy of its own
(`<Function>ProviderPolicy`, an `AWS::IAM::Policy` on the function's role in the merge template).
A province with `none` (or a provider with no AWS calls) gets no such policy.

- video `chime` (adapters/video.py) → api_handler: `chime:CreateMeeting` on `*` (the action has no
  resource type) in the control region only (`aws:RequestedRegion`); `chime:BatchCreateAttendee`,
  `chime:CreateAttendee`, `chime:DeleteMeeting` on this account's meetings in the control region
  (`meeting/*`: Chime names a meeting when it creates it).
- sms `sns` (adapters/sms.py) → deliver_notices: `sns:Publish` on `*` (a phone number has no ARN)
  in the province's region only, with a Deny of `sns:Publish` on every topic, so the grant reaches
  phone numbers alone.
- sms `end_user_messaging` → deliver_notices: `sms-voice:SendTextMessage` on the configured
  origination identity's ARN (phone number, pool or sender id) and on the configuration set, if any.
- video `none`, sms `none`: nothing.

These are the only wildcards beyond X-Ray's (tests/infra/test_policies.py lists them): each one is
tied to its action, its provider and a region condition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra.merge import AppFunction
    from infra.provinces import ProvinceStage

VIDEO_FUNCTION = "api_handler"  # 视频会商: scheduled, joined and ended by API calls (api/window.py)
SMS_FUNCTION = "deliver_notices"  # SMS goes out as each notice is delivered (events/handlers.py)

CHIME_CREATE = "chime:CreateMeeting"
CHIME_MEETING_ACTIONS = ("chime:BatchCreateAttendee", "chime:CreateAttendee", "chime:DeleteMeeting")
SNS_PUBLISH = "sns:Publish"
SMS_VOICE_SEND = "sms-voice:SendTextMessage"


def sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def _region_is(region: str) -> dict[str, Any]:
    return {"StringEquals": {"aws:RequestedRegion": region}}


def video_statements(province: ProvinceStage) -> list[dict[str, Any]]:
    """What the Chime SDK Meetings adapter calls, in the province's control region."""
    if province.video.get("provider") != "chime":
        return []
    region = province.video["control_region"]
    return [
        {
            "Sid": "ChimeCreateMeeting",
            "Effect": "Allow",
            "Action": [CHIME_CREATE],
            "Resource": "*",
            "Condition": _region_is(region),
        },
        {
            "Sid": "ChimeMeetings",
            "Effect": "Allow",
            "Action": list(CHIME_MEETING_ACTIONS),
            "Resource": [sub(f"arn:${{AWS::Partition}}:chime:{region}:${{AWS::AccountId}}:meeting/*")],
        },
    ]


def sms_statements(province: ProvinceStage) -> list[dict[str, Any]]:
    """What the configured SMS adapter calls."""
    provider = province.sms.get("provider")
    if provider == "sns":
        return [
            {
                "Sid": "SmsToPhoneNumbers",
                "Effect": "Allow",
                "Action": [SNS_PUBLISH],
                "Resource": "*",
                "Condition": _region_is(province.region),
            },
            {
                "Sid": "NoTopicPublish",
                "Effect": "Deny",
                "Action": [SNS_PUBLISH],
                "Resource": [sub("arn:${AWS::Partition}:sns:*:*:*")],
            },
        ]
    if provider == "end_user_messaging":
        resources: list[Any] = [province.sms["origination_identity"]]
        if province.sms.get("configuration_set"):
            name = province.sms["configuration_set"]
            resources.append(
                sub(
                    f"arn:${{AWS::Partition}}:sms-voice:${{AWS::Region}}:${{AWS::AccountId}}:configuration-set/{name}"
                )
            )
        return [{"Sid": "SmsSendText", "Effect": "Allow", "Action": [SMS_VOICE_SEND], "Resource": resources}]
    return []


def provider_statements(province: ProvinceStage) -> dict[str, list[dict[str, Any]]]:
    """Function name → the statements its providers need (functions needing none are absent)."""
    grants: dict[str, list[dict[str, Any]]] = {}
    for function, statements in (
        (VIDEO_FUNCTION, video_statements(province)),
        (SMS_FUNCTION, sms_statements(province)),
    ):
        if statements:
            grants.setdefault(function, []).extend(statements)
    return grants


def role_id(function: AppFunction) -> str:
    """The logical id `chalice package` gives a function's own role (autogen_policy off)."""
    from chalice.utils import to_cfn_resource_name

    return to_cfn_resource_name(f"{function.name}_role")


def provider_policies(province: ProvinceStage, functions: list[AppFunction]) -> dict[str, Any]:
    """The merge template's inline policies for the province's providers, one per function."""
    by_name = {f.name: f for f in functions}
    out: dict[str, Any] = {}
    for name, statements in provider_statements(province).items():
        function = by_name.get(name)
        if function is None:
            raise ValueError(f"{province.code}: the provider's function {name} is not in app.py")
        out[f"{function.logical_id}ProviderPolicy"] = {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyName": f"{name}-providers",
                "Roles": [{"Ref": role_id(function)}],
                "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
            },
        }
    return out

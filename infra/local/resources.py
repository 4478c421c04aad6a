"""Create one province's data resources from infra/template.yaml through CloudFormation.

moto's CloudFormation creates the resources but ignores a few properties; those are read from
the same template and applied by API, so the local stack matches what production deploys.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import boto3
import yaml

TEMPLATE = Path(__file__).resolve().parents[1] / "template.yaml"


class _CfnLoader(yaml.SafeLoader):  # type: ignore[misc]
    """YAML loader that keeps CloudFormation short-form tags as their long-form dicts."""


def _tag(name: str, split: bool = False) -> None:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if split:
                value = str(value).split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {("Ref" if name == "Ref" else f"Fn::{name}"): value}

    _CfnLoader.add_constructor(f"!{name}", construct)


for _name in ("Ref", "Sub", "Join", "If", "Equals", "Select", "Split", "ImportValue"):
    _tag(_name)
_tag("GetAtt", split=True)


def load_template() -> dict[str, Any]:
    template: dict[str, Any] = yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506
    return template


def _resolve(value: Any, names: dict[str, str]) -> Any:
    """Resolve the few intrinsics the gap properties use (Sub, Ref, GetAtt …Arn)."""
    if isinstance(value, dict) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Fn::Sub":
            return re.sub(r"\$\{([^}]+)\}", lambda m: names.get(m.group(1), m.group(0)), arg)
        if key == "Ref" and arg in names:
            return names[arg]
        if key == "Fn::GetAtt" and f"{arg[0]}.{arg[1]}" in names:
            return names[f"{arg[0]}.{arg[1]}"]
    if isinstance(value, dict):
        return {k: _resolve(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, names) for v in value]
    return value


def create_province_stack(
    province: str, prefix: str, region: str, template_body: str | None = None
) -> dict[str, str]:
    """Create the stack `prefix` (from infra/template.yaml, or the given body) and return its outputs."""
    cloudformation = boto3.client("cloudformation", region_name=region)
    cloudformation.create_stack(
        StackName=prefix,
        TemplateBody=template_body or TEMPLATE.read_text(encoding="utf-8"),
        Parameters=[
            {"ParameterKey": "ResourcePrefix", "ParameterValue": prefix},
            {"ParameterKey": "ProvinceCode", "ParameterValue": province},
        ],
    )
    cloudformation.get_waiter("stack_create_complete").wait(
        StackName=prefix, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    stack = cloudformation.describe_stacks(StackName=prefix)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    _apply_what_moto_ignores(prefix, province, region)
    return outputs


def _moto_evaluable(policy: dict[str, Any]) -> dict[str, Any]:
    """The policy without its conditional statements.

    moto 5.2.5 evaluates bucket-policy conditions with no request context: a statement whose
    condition it cannot match counts as DENIED for every matching request, so the TLS-only Deny
    would refuse every object request (boto3 or presigned). The local stack serves plain HTTP, where
    AWS would refuse it too; dropping the statement is the only way to have a usable bucket locally.
    """
    return {**policy, "Statement": [s for s in policy["Statement"] if "Condition" not in s]}


def _notification_configuration(cfn: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's NotificationConfiguration in the shape of PutBucketNotificationConfiguration."""

    def key_filter(entry: dict[str, Any]) -> dict[str, Any]:
        rules = entry.get("Filter", {}).get("S3Key", {}).get("Rules", [])
        return {"Filter": {"Key": {"FilterRules": rules}}} if rules else {}

    queues = [
        {"QueueArn": q["Queue"], "Events": [q["Event"]], **key_filter(q)}
        for q in cfn.get("QueueConfigurations", [])
    ]
    return {"QueueConfigurations": queues}


def _apply_what_moto_ignores(prefix: str, province: str, region: str) -> None:
    resources = load_template()["Resources"]
    partition = "aws-cn" if region.startswith("cn-") else "aws"
    sqs = boto3.client("sqs", region_name=region)
    account = boto3.client("sts", region_name=region).get_caller_identity()["Account"]
    names = {
        "ResourcePrefix": prefix,
        "ProvinceCode": province,
        "EvidenceRetentionDays": str(load_template()["Parameters"]["EvidenceRetentionDays"]["Default"]),
        "AWS::Partition": partition,
        "AWS::Region": region,
        "AWS::AccountId": account,
    }
    for logical, resource in resources.items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::S3::Bucket":
            bucket = _resolve(props["BucketName"], names)
            names[logical] = bucket
            names[f"{logical}.Arn"] = f"arn:{partition}:s3:::{bucket}"
        elif resource["Type"] == "AWS::SQS::Queue":
            url = sqs.get_queue_url(QueueName=_resolve(props["QueueName"], names))["QueueUrl"]
            names[logical] = url
            names[f"{logical}.Arn"] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
                "Attributes"
            ]["QueueArn"]
    dynamodb = boto3.client("dynamodb", region_name=region)
    s3 = boto3.client("s3", region_name=region)
    for resource in resources.values():
        props = _resolve(resource.get("Properties", {}), names)
        kind = resource["Type"]
        if kind == "AWS::DynamoDB::Table" and "TimeToLiveSpecification" in props:
            dynamodb.update_time_to_live(
                TableName=props["TableName"], TimeToLiveSpecification=props["TimeToLiveSpecification"]
            )
        elif kind == "AWS::S3::Bucket":
            bucket = props["BucketName"]
            s3.put_public_access_block(
                Bucket=bucket, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
            )
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration=props["VersioningConfiguration"])
            if "ObjectLockConfiguration" in props:  # after versioning, which Object Lock needs
                lock = props["ObjectLockConfiguration"]
                retention = {**lock["Rule"]["DefaultRetention"]}
                retention["Days"] = int(retention["Days"])
                s3.put_object_lock_configuration(
                    Bucket=bucket,
                    ObjectLockConfiguration={
                        "ObjectLockEnabled": "Enabled",
                        "Rule": {"DefaultRetention": retention},
                    },
                )
            # CloudFormation's ServerSideEncryptionByDefault is the API's ApplyServerSide…
            rules = [
                {
                    "ApplyServerSideEncryptionByDefault": r["ServerSideEncryptionByDefault"],
                    "BucketKeyEnabled": r.get("BucketKeyEnabled", False),
                }
                for r in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
            ]
            s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": rules})
            if "NotificationConfiguration" in props:
                # moto sends an s3:TestEvent to each queue here, as S3 does.
                s3.put_bucket_notification_configuration(
                    Bucket=bucket,
                    NotificationConfiguration=_notification_configuration(props["NotificationConfiguration"]),
                )
        elif kind == "AWS::S3::BucketPolicy":
            policy = _moto_evaluable(props["PolicyDocument"])
            if policy["Statement"]:
                s3.put_bucket_policy(Bucket=props["Bucket"], Policy=json.dumps(policy))
        elif kind == "AWS::SQS::QueuePolicy":
            for url in props["Queues"]:
                sqs.set_queue_attributes(
                    QueueUrl=url, Attributes={"Policy": json.dumps(props["PolicyDocument"])}
                )
        elif kind == "AWS::KMS::Alias" and "KeyPolicy" in _target_key(resources, resource):
            _fix_key(
                boto3.client("kms", region_name=region),
                props["AliasName"],
                _target_key(resources, resource),
                names,
            )


def _target_key(resources: dict[str, Any], alias: dict[str, Any]) -> dict[str, Any]:
    """The properties of the key an alias resource names with `!Ref`."""
    ref = alias["Properties"]["TargetKeyId"]
    logical = ref.get("Ref") if isinstance(ref, dict) else None
    return dict(resources.get(str(logical), {}).get("Properties", {}))


def _fix_key(kms: Any, alias: str, cfn: dict[str, Any], names: dict[str, str]) -> None:
    """moto's CloudFormation makes every key symmetric and stores its policy as an object where its
    API expects a JSON string (and then fails every call that checks it). Create the key the
    template describes by API and point the alias at it."""
    policy = json.dumps(_resolve(cfn["KeyPolicy"], names))
    target = next(a for a in kms.list_aliases()["Aliases"] if a["AliasName"] == alias)["TargetKeyId"]
    key = kms.create_key(
        KeySpec=cfn.get("KeySpec", "SYMMETRIC_DEFAULT"),
        KeyUsage=cfn.get("KeyUsage", "ENCRYPT_DECRYPT"),
        Policy=policy,
        Description=str(_resolve(cfn.get("Description", ""), names)),
    )["KeyMetadata"]["KeyId"]
    kms.update_alias(AliasName=alias, TargetKeyId=key)
    kms.put_key_policy(KeyId=target, PolicyName="default", Policy=policy)
    kms.schedule_key_deletion(KeyId=target, PendingWindowInDays=7)

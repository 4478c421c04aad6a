"""The packaged template's data resources, created by moto's CloudFormation.

moto cannot deploy the functions (their code is a local zip) or the API, so the stack is the
packaged template without the Lambda, IAM and API Gateway resources. What moto realises (tables
and indexes, bucket, queues with redrive and visibility, log groups) is checked on the created
resources; what its CloudFormation ignores (point-in-time recovery, TTL, the bucket's versioning,
public-access block and TLS-only policy) is checked on the template's properties.
"""

from __future__ import annotations

import json
import re
import warnings
from typing import Any

import boto3
import pytest

from infra import provinces

NOT_IN_MOTO = ("AWS::Serverless::", "AWS::Lambda::", "AWS::IAM::", "AWS::ApiGateway::")
TABLES = {
    "catalog": set(),
    "idempotency": set(),
    "cases": {"owner-index", "inbox-index", "due-index", "outbox-index", "rectification-index"},
}


def _refs(value: Any) -> set[str]:
    if isinstance(value, dict):
        found = {str(value["Ref"])} if "Ref" in value else set()
        if "Fn::GetAtt" in value:
            found.add(str(value["Fn::GetAtt"][0]))
        if "Fn::Sub" in value:
            text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
            found |= {name.split(".")[0] for name in re.findall(r"\$\{([^}!]+)\}", text)}
        return found.union(*(_refs(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_refs(v) for v in value))
    return set()


def data_stack(template: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The packaged template's resources that moto can create, with the outputs that refer to them,
    for `prefix` (bucket names are global in moto too: the session's stack holds the province's)."""
    parameters = {**template["Parameters"]}
    parameters["ResourcePrefix"] = {
        **parameters["ResourcePrefix"],
        "Default": prefix,
        "AllowedValues": [prefix],
    }
    resources = {k: v for k, v in template["Resources"].items() if not v["Type"].startswith(NOT_IN_MOTO)}
    for logical, resource in resources.items():
        assert _refs(resource) <= resources.keys() | template["Parameters"].keys() | {
            "AWS::AccountId",
            "AWS::Partition",
            "AWS::Region",
        }, logical
    outputs = {k: v for k, v in template.get("Outputs", {}).items() if _refs(v) <= resources.keys()}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": parameters,
        "Resources": resources,
        "Outputs": outputs,
    }


@pytest.mark.parametrize("code", provinces.all_codes())
def test_data_resources_of_the_packaged_template_build_in_moto(
    code: str, templates: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto import mock_aws

    province = provinces.load(code)
    template = templates[code]
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "210987654321")  # apart from the session's stack
    region, prefix = province.region, f"{province.resource_prefix}-packaged"
    with mock_aws(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # moto warns for each type it does not model (alarms, policies)
        cloudformation = boto3.client("cloudformation", region_name=region)
        cloudformation.create_stack(StackName=prefix, TemplateBody=json.dumps(data_stack(template, prefix)))
        stack = cloudformation.describe_stacks(StackName=prefix)["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE"

        dynamodb = boto3.client("dynamodb", region_name=region)
        for suffix, indexes in TABLES.items():
            table = dynamodb.describe_table(TableName=f"{prefix}-{suffix}")["Table"]
            assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
            assert {i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])} == indexes

        s3 = boto3.client("s3", region_name=region)
        bucket = f"{prefix}-files"
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"

        sqs = boto3.client("sqs", region_name=region)
        consumers = {
            "uploads": "check_uploads",
            "notifications": "deliver_notices",
            "inbound.fifo": "apply_messages",
            "outbound": "send_messages",
        }
        for suffix, function in consumers.items():
            url = sqs.get_queue_url(QueueName=f"{prefix}-{suffix}")["QueueUrl"]
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            dlq = suffix.replace(".fifo", "-dlq.fifo") if suffix.endswith(".fifo") else f"{suffix}-dlq"
            redrive = json.loads(attributes["RedrivePolicy"])
            assert redrive["deadLetterTargetArn"].endswith(f":{prefix}-{dlq}")
            assert int(redrive["maxReceiveCount"]) == province.deploy.max_receive_count
            assert int(attributes["VisibilityTimeout"]) >= 6 * province.deploy.functions[function].timeout
            assert attributes["SqsManagedSseEnabled"] == "true"
            assert (attributes.get("FifoQueue") == "true") == suffix.endswith(".fifo")

        logs = boto3.client("logs", region_name=region)
        groups = {
            g["logGroupName"]: g.get("retentionInDays") for g in logs.describe_log_groups()["logGroups"]
        }
        for function in province.deploy.functions:
            assert (
                groups[f"/aws/lambda/{province.function_name(function)}"]
                == province.deploy.log_retention_days
            )


@pytest.mark.parametrize("code", provinces.all_codes())
def test_what_moto_ignores_is_in_the_packaged_template(
    code: str, templates: dict[str, dict[str, Any]]
) -> None:
    resources = templates[code]["Resources"]
    tables = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::DynamoDB::Table"]
    assert len(tables) == 3
    assert all(t["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] for t in tables)
    assert all(t["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS"} for t in tables)
    ttl = {
        t["TableName"]["Fn::Sub"]: t.get("TimeToLiveSpecification", {}).get("AttributeName") for t in tables
    }
    assert ttl == {
        "${ResourcePrefix}-catalog": None,
        "${ResourcePrefix}-idempotency": "expiration",
        "${ResourcePrefix}-cases": "expires_at",
    }
    bucket = resources["FilesBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    (statement,) = resources["FilesBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny" and statement["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}
    }

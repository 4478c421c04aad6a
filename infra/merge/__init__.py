"""The merge template `chalice package --merge-template` folds into the generated SAM template.

Built at package time from `infra/template.yaml` (the one source of the data resources, which the
local stack also creates) and the province file, then:

- the queues' visibility timeout is raised to at least six times their consumer's timeout;
- every SQS event source reports partial batch failures (`ReportBatchItemFailures`; chalice 1.34
  does not set it) and its function waits for the queue it reads;
- every function gets a fixed name (`<prefix>-<handler>`) and a log group with the province's
  retention, created before the function so Lambda never creates it without one;
- alarms, to an encrypted SNS topic operators subscribe to: each DLQ's depth > 0, the oldest
  message age on each main queue, API Gateway 5xx, each function's errors and throttles, and cases
  that went overdue in the hourly sweep (a metric filter on the sweep's `deadline sweep` log line,
  as the app emits no EMF metric for it), and cases out of sync with a partner (a metric filter on
  the `case out of sync` log line of every function that applies, sends or retries messages: it
  fires again on each failed retry, so the alarm stays up until the case is back in sync), and
  catalog drift: the scheduled catalog check's EMF metric `CatalogDriftOverdue` (differences with a
  partner's catalog that lasted longer than the stage's threshold) above 0.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from chalice.utils import to_cfn_resource_name

from infra.local.resources import load_template
from infra.provider_policies import provider_policies
from infra.provinces import ProvinceStage

NAMESPACE = "TongbanGateway"  # chalicelib/observability.py
OVERDUE_METRIC = "OverdueCases"
OUT_OF_SYNC_METRIC = "OutOfSyncCases"
CATALOG_DRIFT_METRIC = "CatalogDriftOverdue"  # chalicelib/events/handlers.py, Powertools EMF
SERVICE = "tongban-gateway"  # the Powertools service dimension of every EMF metric
OUT_OF_SYNC_LOGGERS = ("api_handler", "apply_messages", "send_messages", "relay_messages")
API_STAGE = "api"
SCHEDULE_SWEEP = "sweep_deadlines"
VISIBILITY_FACTOR = 6


@dataclass(frozen=True)
class AppFunction:
    """A Lambda function of app.py: its handler name and, for an SQS consumer, the queue suffix
    (the name after `<prefix>-`)."""

    name: str
    queue_suffix: str | None = None

    @property
    def logical_id(self) -> str:
        return "APIHandler" if self.name == "api_handler" else to_cfn_resource_name(self.name)

    @property
    def event_id(self) -> str:
        return f"{self.logical_id}SqsEventSource"


def sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def _queue_suffix(resource: dict[str, Any]) -> str:
    name = resource["Properties"]["QueueName"]["Fn::Sub"]
    return str(name).removeprefix("${ResourcePrefix}-")


def _queues(resources: dict[str, Any]) -> dict[str, str]:
    """Queue suffix → logical id in the data template."""
    return {_queue_suffix(r): k for k, r in resources.items() if r["Type"] == "AWS::SQS::Queue"}


def _alarm(description: str, metric: dict[str, Any], threshold: int, **extra: Any) -> dict[str, Any]:
    props = {
        "AlarmDescription": description,
        "ActionsEnabled": True,
        "AlarmActions": [{"Ref": "AlarmTopic"}],
        "OKActions": [{"Ref": "AlarmTopic"}],
        "ComparisonOperator": "GreaterThanThreshold",
        "EvaluationPeriods": 1,
        "Period": 300,
        "Statistic": "Sum",
        "Threshold": threshold,
        "TreatMissingData": "notBreaching",
        **metric,
        **extra,
    }
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": props}


def _alarm_topic() -> dict[str, Any]:
    key_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministers",
                "Effect": "Allow",
                "Principal": {"AWS": sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "CloudWatchPublishesAlarms",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
            },
        ],
    }
    return {
        "AlarmTopicKey": {
            "Type": "AWS::KMS::Key",
            "Properties": {
                "Description": sub("Tongban Gateway ${ProvinceCode}: encrypts the alarm topic"),
                "EnableKeyRotation": True,
                "KeyPolicy": key_policy,
            },
        },
        "AlarmTopic": {
            "Type": "AWS::SNS::Topic",
            "Properties": {
                "TopicName": sub("${ResourcePrefix}-alarms"),
                "KmsMasterKeyId": {"Ref": "AlarmTopicKey"},
            },
        },
        "AlarmTopicPolicy": {
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {
                "Topics": [{"Ref": "AlarmTopic"}],
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "CloudWatchAlarms",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            "Action": "sns:Publish",
                            "Resource": {"Ref": "AlarmTopic"},
                            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
                        }
                    ],
                },
            },
        },
    }


def build(province: ProvinceStage, functions: list[AppFunction]) -> dict[str, Any]:
    """The merge template of one province."""
    data = load_template()
    resources: dict[str, Any] = copy.deepcopy(data["Resources"])
    parameters: dict[str, Any] = copy.deepcopy(data["Parameters"])
    # The stage's environment names resources by this prefix: the stack may not take another one.
    parameters["ResourcePrefix"].update(
        Default=province.resource_prefix, AllowedValues=[province.resource_prefix]
    )
    parameters["ProvinceCode"].update(Default=province.code, AllowedValues=[province.code])
    parameters["MaxReceiveCount"]["Default"] = province.deploy.max_receive_count
    queues = _queues(resources)
    alarms = province.deploy.alarms
    out: dict[str, Any] = {**resources, **_alarm_topic(), **provider_policies(province, functions)}

    for function in functions:
        settings = province.deploy.functions[function.name]
        log_group = f"{function.logical_id}LogGroup"
        out[log_group] = {
            "Type": "AWS::Logs::LogGroup",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "LogGroupName": sub(f"/aws/lambda/{province.function_name(function.name)}"),
                "RetentionInDays": province.deploy.log_retention_days,
            },
        }
        patch: dict[str, Any] = {
            "Properties": {"FunctionName": province.function_name(function.name)},
            "DependsOn": [log_group],
        }
        if function.queue_suffix is not None:
            queue = queues[function.queue_suffix]
            patch["DependsOn"].append(queue)
            patch["Properties"]["Events"] = {
                function.event_id: {
                    "Type": "SQS",
                    "Properties": {"FunctionResponseTypes": ["ReportBatchItemFailures"]},
                }
            }
            props = out[queue]["Properties"]
            props["VisibilityTimeout"] = max(
                int(props.get("VisibilityTimeout", 30)), VISIBILITY_FACTOR * settings.timeout
            )
        out[function.logical_id] = patch
        dimensions = [{"Name": "FunctionName", "Value": province.function_name(function.name)}]
        for metric, key in (
            ("Errors", "lambda_errors_per_5_minutes"),
            ("Throttles", "lambda_throttles_per_5_minutes"),
        ):
            out[f"{function.logical_id}{metric}Alarm"] = _alarm(
                f"{province.function_name(function.name)}: Lambda {metric.lower()}",
                {"Namespace": "AWS/Lambda", "MetricName": metric, "Dimensions": dimensions},
                alarms[key],
            )

    for suffix, logical in queues.items():
        name = {"Name": "QueueName", "Value": {"Fn::GetAtt": [logical, "QueueName"]}}
        if "-dlq" in suffix:
            out[f"{logical}DepthAlarm"] = _alarm(
                f"{suffix}: messages on a dead-letter queue (see the runbook: redrive)",
                {
                    "Namespace": "AWS/SQS",
                    "MetricName": "ApproximateNumberOfMessagesVisible",
                    "Dimensions": [name],
                },
                0,
                Statistic="Maximum",
            )
        else:
            out[f"{logical}OldestMessageAlarm"] = _alarm(
                f"{suffix}: oldest message older than {alarms['queue_oldest_message_seconds']} s",
                {"Namespace": "AWS/SQS", "MetricName": "ApproximateAgeOfOldestMessage", "Dimensions": [name]},
                alarms["queue_oldest_message_seconds"],
                Statistic="Maximum",
            )

    api_name = f"{province.resource_prefix}-api"
    out["RestAPI"] = {"Properties": {"Name": api_name, "TracingEnabled": True}}
    out["Api5xxAlarm"] = _alarm(
        f"{api_name}: API Gateway 5xx responses",
        {
            "Namespace": "AWS/ApiGateway",
            "MetricName": "5XXError",
            "Dimensions": [{"Name": "ApiName", "Value": api_name}, {"Name": "Stage", "Value": API_STAGE}],
        },
        alarms["api_5xx_per_5_minutes"],
    )

    sweep = next(f for f in functions if f.name == SCHEDULE_SWEEP)
    out["OverdueCasesMetricFilter"] = {
        "Type": "AWS::Logs::MetricFilter",
        "Properties": {
            "LogGroupName": {"Ref": f"{sweep.logical_id}LogGroup"},
            "FilterPattern": '{ $.message = "deadline sweep" }',
            "MetricTransformations": [
                {"MetricName": OVERDUE_METRIC, "MetricNamespace": NAMESPACE, "MetricValue": "$.overdue"}
            ],
        },
    }
    out["OverdueCasesAlarm"] = _alarm(
        "cases that went overdue (超期) in the hourly deadline sweep",
        {"Namespace": NAMESPACE, "MetricName": OVERDUE_METRIC},
        alarms["overdue_cases_per_sweep"],
        Period=3600,
    )

    for function in functions:
        if function.name in OUT_OF_SYNC_LOGGERS:
            out[f"{function.logical_id}OutOfSyncMetricFilter"] = {
                "Type": "AWS::Logs::MetricFilter",
                "Properties": {
                    "LogGroupName": {"Ref": f"{function.logical_id}LogGroup"},
                    "FilterPattern": '{ $.message = "case out of sync" }',
                    "MetricTransformations": [
                        {"MetricName": OUT_OF_SYNC_METRIC, "MetricNamespace": NAMESPACE, "MetricValue": "1"}
                    ],
                },
            }
    out["OutOfSyncCasesAlarm"] = _alarm(
        "cases out of sync with a partner province (不同步): see GET /v1/ops/out-of-sync and the runbook",
        {"Namespace": NAMESPACE, "MetricName": OUT_OF_SYNC_METRIC},
        0,
    )

    out["CatalogDriftAlarm"] = _alarm(
        "this catalog differs from a partner's for longer than the threshold (目录不一致): "
        "see GET /v1/ops/catalog/drift and the runbook",
        {
            "Namespace": NAMESPACE,
            "MetricName": CATALOG_DRIFT_METRIC,
            "Dimensions": [{"Name": "service", "Value": SERVICE}],
        },
        0,
        Statistic="Maximum",
        Period=900,  # three checks: a check that failed to run does not clear it
    )

    return {
        "Description": f"Tongban Gateway {province.code} {province.name}: functions, API and data resources",
        "Parameters": parameters,
        "Resources": out,
        "Outputs": {**data.get("Outputs", {}), "AlarmTopicArn": {"Value": {"Ref": "AlarmTopic"}}},
    }


def data_stack(province: ProvinceStage, functions: list[AppFunction]) -> dict[str, Any]:
    """The deployment's data resources as a stack of their own: the merge template's resources that
    are whole (the others patch the functions `chalice package` adds), for moto's CloudFormation and
    the integration tests that run against what it creates. Its outputs name data resources only
    (the providers' policies attach to the functions' roles, so they stay out too)."""
    merged = build(province, functions)
    return {
        **merged,
        "Resources": {
            k: v
            for k, v in merged["Resources"].items()
            if "Type" in v and not v["Type"].startswith("AWS::IAM::")
        },
    }

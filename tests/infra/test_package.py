"""The packaged template of every province: cfn-lint clean, checkov clean but for the findings
accepted in docs/checkov.md, and what the merge template must bring."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from chalicelib.config import load_settings
from infra import provinces
from infra.merge import VISIBILITY_FACTOR, AppFunction
from infra.package import ROOT, ZIP_BUDGET_BYTES, Package

BIN = Path(sys.executable).parent
ACCEPTED = re.compile(r"^\| (CKV2?_[A-Z0-9_]+) \|", re.MULTILINE)


def accepted_checks() -> set[str]:
    return set(ACCEPTED.findall((ROOT / "docs/checkov.md").read_text(encoding="utf-8")))


def test_cfn_lint_is_clean_on_every_packaged_template(packages: dict[str, Package]) -> None:
    files = [str(p.template) for p in packages.values()]
    run = subprocess.run([str(BIN / "cfn-lint"), *files], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


def _checkov(packages: dict[str, Package], *options: str) -> list[str]:
    """The failed checks (`id resource (file)`) of one checkov run over every packaged template."""
    argv = [str(BIN / "checkov"), "--framework", "cloudformation", "--skip-download", "-o", "json", *options]
    for p in packages.values():
        argv += ["-f", str(p.template)]
    run = subprocess.run(argv, capture_output=True, text=True, check=False)
    reports = json.loads(run.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    assert all(r["summary"]["parsing_errors"] == 0 for r in reports)
    return [
        f"{f['check_id']} {f['resource']} ({Path(f['file_path']).parent.name})"
        for r in reports
        for f in r["results"]["failed_checks"]
    ]


def test_checkov_finds_nothing_but_the_accepted_findings(packages: dict[str, Package]) -> None:
    accepted = accepted_checks()
    assert accepted, "docs/checkov.md lists no accepted checks"
    failed = _checkov(packages, "--skip-check", ",".join(sorted(accepted)))
    assert failed == [], "fix, or explain in docs/checkov.md:\n" + "\n".join(failed)
    # …and every accepted check still fails somewhere; an entry that no longer does must go.
    still = {line.split()[0] for line in _checkov(packages, "--check", ",".join(sorted(accepted)))}
    assert still == accepted, f"accepted in docs/checkov.md but no longer failing: {accepted - still}"


def _sqs_events(function: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in function["Properties"].get("Events", {}).values() if e["Type"] == "SQS"]


def test_every_sqs_event_source_reports_partial_batch_failures(
    templates: dict[str, dict[str, Any]], functions: list[AppFunction]
) -> None:
    consumers = [f for f in functions if f.queue_suffix is not None]
    assert len(consumers) == 4
    for template in templates.values():
        resources = template["Resources"]
        events = [
            e for r in resources.values() if r["Type"] == "AWS::Serverless::Function" for e in _sqs_events(r)
        ]
        assert len(events) == len(consumers)
        assert all(e["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"] for e in events)
        mappings = [r for r in resources.values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
        assert all(m["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"] for m in mappings)


def test_queue_visibility_is_six_times_the_consumer_timeout(
    templates: dict[str, dict[str, Any]], functions: list[AppFunction]
) -> None:
    for code, template in templates.items():
        resources = template["Resources"]
        for function in (f for f in functions if f.queue_suffix is not None):
            lambda_ = resources[function.logical_id]
            (event,) = _sqs_events(lambda_)
            queue_name = event["Properties"]["Queue"]["Fn::Sub"].rsplit(":", 1)[1]
            assert queue_name == f"tongban-{code}-{function.queue_suffix}"
            (queue,) = [
                r
                for r in resources.values()
                if r["Type"] == "AWS::SQS::Queue"
                and r["Properties"]["QueueName"]["Fn::Sub"] == f"${{ResourcePrefix}}-{function.queue_suffix}"
            ]
            timeout = lambda_["Properties"]["Timeout"]
            assert queue["Properties"]["VisibilityTimeout"] >= VISIBILITY_FACTOR * timeout
            assert "RedrivePolicy" in queue["Properties"]


def test_functions_have_names_log_groups_settings_and_no_shared_role(
    templates: dict[str, dict[str, Any]], functions: list[AppFunction]
) -> None:
    for code, template in templates.items():
        province = provinces.load(code)
        resources = template["Resources"]
        for function in functions:
            props = resources[function.logical_id]["Properties"]
            settings = province.deploy.functions[function.name]
            assert props["FunctionName"] == province.function_name(function.name)
            assert (props["Timeout"], props["MemorySize"]) == (settings.timeout, settings.memory)
            assert props.get("ReservedConcurrentExecutions") == settings.reserved_concurrency
            assert props["Tracing"] == "Active" and props["Runtime"] == "python3.11"
            assert props["Environment"]["Variables"]["TONGBAN_STAGE"] == province.stage
            log_group = resources[f"{function.logical_id}LogGroup"]
            assert log_group["Properties"]["RetentionInDays"] == province.deploy.log_retention_days
            assert log_group["Properties"]["LogGroupName"] == {
                "Fn::Sub": f"/aws/lambda/{props['FunctionName']}"
            }
            assert f"{function.logical_id}LogGroup" in resources[function.logical_id]["DependsOn"]
        assert template["Parameters"]["ResourcePrefix"]["Default"] == province.resource_prefix


def test_every_function_names_the_cursor_key_secret_the_stack_generates(
    templates: dict[str, dict[str, Any]], functions: list[AppFunction]
) -> None:
    for code, template in templates.items():
        province = provinces.load(code)
        secret = template["Resources"]["CursorKeySecret"]
        assert secret["Type"] == "AWS::SecretsManager::Secret"
        props = secret["Properties"]
        assert "SecretString" not in props  # generated at creation: the key is in no template
        generated = props["GenerateSecretString"]
        assert generated["PasswordLength"] >= 48 and generated["ExcludePunctuation"] is True
        assert "SecretStringTemplate" not in generated  # the secret's text is the key itself
        prefix = template["Parameters"]["ResourcePrefix"]["Default"]
        name = props["Name"]["Fn::Sub"].replace("${ResourcePrefix}", prefix)
        assert name == province.cursor_key_secret
        for function in functions:
            variables = template["Resources"][function.logical_id]["Properties"]["Environment"]["Variables"]
            assert variables["TONGBAN_CURSOR_KEY_SECRET"] == name
            assert "TONGBAN_CURSOR_KEY" not in variables
            # the fail-closed start check passes, without reading the secret
            assert load_settings(variables).cursor_key_secret == name


def test_alarms_cover_dlqs_queue_age_5xx_lambda_and_overdue_cases(
    templates: dict[str, dict[str, Any]], functions: list[AppFunction]
) -> None:
    for template in templates.values():
        alarms = [
            r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"
        ]
        metrics = [(a["Namespace"], a["MetricName"]) for a in alarms]
        assert metrics.count(("AWS/SQS", "ApproximateNumberOfMessagesVisible")) == 4  # each DLQ
        assert metrics.count(("AWS/SQS", "ApproximateAgeOfOldestMessage")) == 4  # each main queue
        assert metrics.count(("AWS/ApiGateway", "5XXError")) == 1
        assert metrics.count(("AWS/Lambda", "Errors")) == len(functions)
        assert metrics.count(("AWS/Lambda", "Throttles")) == len(functions)
        assert metrics.count(("TongbanGateway", "OverdueCases")) == 1
        assert all(a["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms)
        out_of_sync = [a for a in alarms if a["MetricName"] == "OutOfSyncCases"]
        assert [(a["Namespace"], a["Threshold"]) for a in out_of_sync] == [("TongbanGateway", 0)]
        filters = [
            r["Properties"]
            for r in template["Resources"].values()
            if r["Type"] == "AWS::Logs::MetricFilter"
            and r["Properties"]["MetricTransformations"][0]["MetricName"] == "OutOfSyncCases"
        ]
        # every function that applies, sends or retries a partner's message reports it
        assert {f["LogGroupName"]["Ref"] for f in filters} == {
            "APIHandlerLogGroup",
            "ApplyMessagesLogGroup",
            "SendMessagesLogGroup",
            "RelayMessagesLogGroup",
        }
        assert all(f["FilterPattern"] == '{ $.message = "case out of sync" }' for f in filters)
        dlq_alarms = [a for a in alarms if a["MetricName"] == "ApproximateNumberOfMessagesVisible"]
        assert all(
            a["Threshold"] == 0 and a["ComparisonOperator"] == "GreaterThanThreshold" for a in dlq_alarms
        )


def test_deployment_zip_is_small_and_holds_only_the_app_and_its_runtime_dependencies(
    packages: dict[str, Package],
) -> None:
    for p in packages.values():
        assert p.zipped < ZIP_BUDGET_BYTES
        with zipfile.ZipFile(p.archive) as archive:
            tops = {name.split("/", 1)[0] for name in archive.namelist()}
        assert {"app.py", "chalicelib", "aws_lambda_powertools", "pydantic", "jwt", "jsonschema"} <= tops
        assert not tops & {"boto3", "botocore", "s3transfer", "tests", "bench", "infra", "docs"}
        assert not any(name.endswith(".pyc") for name in tops)

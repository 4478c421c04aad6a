"""The Secrets Manager adapter against botocore's Stubber (requests and responses checked against
the service model)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from chalicelib.adapters.secrets import secret_text

NAME = "tongban-430000-cursor-key"
ARN = f"arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:{NAME}-AbCdEf"


@pytest.fixture
def secretsmanager() -> Any:
    return boto3.client(
        "secretsmanager", region_name="cn-north-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


@pytest.fixture
def stub(secretsmanager: Any) -> Iterator[Stubber]:
    with Stubber(secretsmanager) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def test_the_current_text_of_the_named_secret_is_read(stub: Stubber, secretsmanager: Any) -> None:
    stub.add_response(
        "get_secret_value",
        {"ARN": ARN, "Name": NAME, "SecretString": "K" * 64, "VersionStages": ["AWSCURRENT"]},
        {"SecretId": NAME},
    )
    assert secret_text(NAME, secretsmanager=secretsmanager) == "K" * 64


def test_a_binary_secret_has_no_text(stub: Stubber, secretsmanager: Any) -> None:
    stub.add_response(
        "get_secret_value", {"ARN": ARN, "Name": NAME, "SecretBinary": b"\x00" * 32}, {"SecretId": ARN}
    )
    assert secret_text(ARN, secretsmanager=secretsmanager) is None


@pytest.mark.parametrize("code", ["ResourceNotFoundException", "AccessDeniedException"])
def test_a_secret_that_cannot_be_read_is_an_error_not_an_empty_key(
    code: str, stub: Stubber, secretsmanager: Any
) -> None:
    stub.add_client_error("get_secret_value", service_error_code=code, http_status_code=400)
    with pytest.raises(ClientError, match=code):
        secret_text(NAME, secretsmanager=secretsmanager)

"""Structured JSON logs, CloudWatch EMF metrics and X-Ray tracing, through Powertools.

Personal data never reaches a log line: besides never logging bodies, headers or query strings,
the formatter masks anything shaped like an ID number (GB 11643) or a mainland mobile number.
Tracing is created only when enabled (`Settings.tracing`: deployed stages), so tests and cold
starts do not import the X-Ray SDK. The log level is `Settings.log_level`, applied when the
composition root is installed; this module reads no environment of its own.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

SERVICE = "tongban-gateway"
NAMESPACE = "TongbanGateway"
_ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{5}(?:19|20)[0-9]{2}[01][0-9][0-3][0-9]{4}[0-9Xx](?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def redact(text: str) -> str:
    return _MOBILE.sub("[phone]", _ID_NUMBER.sub("[id-number]", text))


class RedactingFormatter(LambdaPowertoolsFormatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


logger = Logger(service=SERVICE, logger_formatter=RedactingFormatter())
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


def tracer_of(enabled: bool) -> Any:
    """The X-Ray tracer, or None where tracing is off (`Settings.tracing`: tests, local); the
    composition root builds it once (`container.tracer()`)."""
    if not enabled:
        return None
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE, patch_modules=["boto3", "botocore"])


@contextmanager
def traced(name: str, **annotations: str) -> Iterator[Any]:
    """An X-Ray subsegment around a unit of work (a request, a message), or nothing where tracing is off.

    Annotations are indexed by X-Ray for search: route names and status codes only, never personal data.
    """
    from chalicelib import container  # the root holds the one tracer of the process

    active = container.tracer()
    if active is None:
        yield None
        return
    with active.provider.in_subsegment(name) as subsegment:
        for key, value in annotations.items():
            subsegment.put_annotation(key, value)
        yield subsegment

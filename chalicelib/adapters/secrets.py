"""Secrets Manager: a secret's text, read by name or ARN.

Callers read a secret once per process and keep it (`chalicelib.config.cursor_key`), so this module
is imported, and the call made, only on first use.
"""

from __future__ import annotations

from typing import Any

from chalicelib.adapters.aws import client


def secret_text(secret_id: str, *, secretsmanager: Any | None = None) -> str | None:
    """The current value (`AWSCURRENT`) of a secret; None when it holds binary data, not text."""
    secrets = secretsmanager if secretsmanager is not None else client("secretsmanager")
    value = secrets.get_secret_value(SecretId=secret_id).get("SecretString")
    return value if isinstance(value, str) else None

"""Idempotent POSTs through Powertools' idempotency utility, stored in the idempotency table."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any, cast

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from chalicelib.adapters.aws import client
from chalicelib.config import settings
from chalicelib.domain.errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency.hook import IdempotentHookFunction
    from aws_lambda_powertools.utilities.typing import LambdaContext

RETENTION_SECONDS = 24 * 3600  # mobile clients retry within minutes; a day is generous


@cache
def _store() -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(
        table_name=settings().table("idempotency"), boto3_client=client("dynamodb")
    )


def _mark_replayed(response: Any, _record: Any) -> Any:
    return {**response, "replayed": True}


_CONFIG = IdempotencyConfig(
    event_key_jmespath="scope",
    payload_validation_jmespath="fingerprint",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=RETENTION_SECONDS,
    response_hook=cast("IdempotentHookFunction", _mark_replayed),
)


def run_once(
    scope: str,
    fingerprint: str,
    produce: Callable[[], dict[str, Any]],
    lambda_context: LambdaContext | None = None,
) -> tuple[dict[str, Any], bool]:
    """Run `produce` once per scope; return its stored result and whether this was a replay.

    A failure raised by `produce` is not stored, so a corrected retry with the same key runs. With
    the invocation's Lambda context registered, a record left `INPROGRESS` by an invocation that
    died (timeout, crash) expires when that invocation would have ended, so a retry then runs
    instead of meeting 409 `idempotency_in_progress` for the whole retention.
    """
    if lambda_context is not None:
        _CONFIG.register_lambda_context(lambda_context)

    def execute(request: dict[str, str]) -> dict[str, Any]:
        return produce()

    guarded = idempotent_function(
        execute,
        data_keyword_argument="request",
        persistence_store=_store(),
        config=_CONFIG,
        key_prefix="http",
    )
    try:
        result = guarded(request={"scope": scope, "fingerprint": fingerprint})
    except IdempotencyValidationError:
        raise InvalidInput("idempotency_key_reused") from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict("idempotency_in_progress") from None
    replayed = bool(result.pop("replayed", False))
    return result, replayed

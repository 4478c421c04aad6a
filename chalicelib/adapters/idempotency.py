"""Idempotent POSTs through Powertools' idempotency utility, stored in the idempotency table."""

from __future__ import annotations

from collections.abc import Callable
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
from chalicelib.domain.errors import Conflict, InvalidInput

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency.hook import IdempotentHookFunction
    from aws_lambda_powertools.utilities.typing import LambdaContext

RETENTION_SECONDS = 24 * 3600  # mobile clients retry within minutes; a day is generous


def _mark_replayed(response: Any, _record: Any) -> Any:
    return {**response, "replayed": True}


class IdempotentRuns:
    """Runs a request's effect once per scope; one per process, built by the composition root.

    The invocation's Lambda context is registered the way Powertools documents it
    (`config.register_lambda_context(context)`, from the app's wiring on every invocation): with
    it, a record left `INPROGRESS` by an invocation that died (timeout, crash) expires when that
    invocation would have ended, so a retry then runs instead of meeting 409
    `idempotency_in_progress` for the whole retention.
    """

    def __init__(self, table: str) -> None:
        self.store = DynamoDBPersistenceLayer(table_name=table, boto3_client=client("dynamodb"))
        self.config = IdempotencyConfig(
            event_key_jmespath="scope",
            payload_validation_jmespath="fingerprint",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=RETENTION_SECONDS,
            response_hook=cast("IdempotentHookFunction", _mark_replayed),
        )

    def register_lambda_context(self, context: LambdaContext | None) -> None:
        if context is not None:
            self.config.register_lambda_context(context)

    def run_once(
        self, scope: str, fingerprint: str, produce: Callable[[], dict[str, Any]]
    ) -> tuple[dict[str, Any], bool]:
        """Run `produce` once per scope; return its stored result and whether this was a replay.

        A failure raised by `produce` is not stored, so a corrected retry with the same key runs.
        """

        def execute(request: dict[str, str]) -> dict[str, Any]:
            return produce()

        guarded = idempotent_function(
            execute,
            data_keyword_argument="request",
            persistence_store=self.store,
            config=self.config,
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

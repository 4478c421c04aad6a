"""Domain errors. Each carries a stable machine code; the API layer turns them into problem+json.

Messages live in `chalicelib.api.messages` (Chinese first, English on request), keyed by code, so
the domain never formats user-facing text.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the domain refused an act. `code` is stable and documented in the API."""

    code = "domain_error"
    status = 422

    def __init__(self, code: str | None = None, /, **params: Any) -> None:
        if code is not None:
            self.code = code
        self.params = params
        super().__init__(self.code)


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Gone(DomainError):
    """The thing existed but is no longer available (e.g. an item cancelled or delegated)."""

    code = "gone"
    status = 410


class Forbidden(DomainError):
    """The caller is known, and may see the thing, but not do this to it (e.g. file in another
    person's name)."""

    code = "forbidden"
    status = 403


class TooManyRequests(DomainError):
    """A rate limit is reached; `retry_after` (seconds) says when the next try may succeed."""

    code = "too_many_requests"
    status = 429

    def __init__(self, code: str | None = None, /, *, retry_after: int, **params: Any) -> None:
        super().__init__(code, retry_after=retry_after, **params)
        self.retry_after = retry_after


class Unverified(DomainError):
    """The caller's verified identity (实名认证) is missing from what the act needs."""

    code = "identity_claims_missing"
    status = 401


class Conflict(DomainError):
    code = "conflict"
    status = 409


class InternalConflict(Conflict):
    """A write lost to one the gateway itself made meanwhile (a partner's message applied, a file
    checked, a deadline swept): nobody else edited the case, so the use case is run again."""

    code = "concurrent_modification"


class InvalidInput(DomainError):
    """Input broke a rule. `errors` lists field-level problems: {field, code, message?}."""

    code = "validation_failed"
    status = 422

    def __init__(
        self, code: str | None = None, /, errors: list[dict[str, Any]] | None = None, **params: Any
    ) -> None:
        super().__init__(code, **params)
        self.errors = errors or []


class BadRequest(DomainError):
    """The request cannot be understood as given (e.g. a pagination cursor that is not ours)."""

    code = "bad_request"
    status = 400

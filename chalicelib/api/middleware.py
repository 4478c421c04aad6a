"""HTTP middleware: request id, access log and metrics, and problem+json for every error.

Chalice turns some failures into its own `{"Code", "Message"}` bodies before middleware sees the
response (malformed JSON, wrong method, unsupported media type, unhandled exceptions); they are
rewritten here so that a client meets one error format everywhere.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from aws_lambda_powertools.metrics import MetricUnit
from chalice.app import Chalice, Request, Response

from chalicelib.api.http import REQUEST_ID_HEADER, problem_response, request_path
from chalicelib.api.messages import negotiate_language
from chalicelib.observability import logger, metrics, traced

CHALICE_ERRORS = {
    "MethodNotAllowedError": "method_not_allowed",
    "UnsupportedMediaType": "unsupported_media_type",
    "InternalServerError": "internal_error",
    "NotFoundError": "not_found",
    "ForbiddenError": "forbidden",
    "UnauthorizedError": "token_invalid",
    "BadRequest": "binary_not_accepted",  # a PDF asked for without an Accept that admits it
}
FALLBACK_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]
FALLBACK_DEPTH = 10


def _as_problem(response: Response, request: Request, request_id: str) -> Response:
    body = response.body
    if response.status_code < 400 or not (isinstance(body, dict) and "Code" in body):
        return response
    chalice_code = str(body.get("Code"))
    if chalice_code == "BadRequestError":
        code = "malformed_json" if "JSON" in str(body.get("Message")) else "invalid_query"
    else:
        code = CHALICE_ERRORS.get(chalice_code, "internal_error")
    keep = {k: str(v) for k, v in response.headers.items() if k.lower() == "allow"}
    lang = negotiate_language(request.headers.get("accept-language"))
    return problem_response(
        code, response.status_code, lang, instance=request_path(request), request_id=request_id, headers=keep
    )


def http_middleware(request: Request, get_response: Callable[[Request], Response]) -> Response:
    context = request.context if request.context is not None else {}
    request_id = str(context.get("requestId") or uuid.uuid4())
    context["requestId"] = request_id
    started = time.perf_counter()
    logger.append_keys(request_id=request_id)
    route = str(context.get("resourcePath", "-"))
    try:
        with traced(f"## {request.method} {route}", route=route) as segment:
            response = _as_problem(get_response(request), request, request_id)
            if segment is not None:
                segment.put_annotation("status", str(response.status_code))
        response.headers[REQUEST_ID_HEADER] = request_id
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.info(
            "request",
            extra={
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(elapsed_ms, 1),
            },
        )
        _record_metrics(response.status_code, elapsed_ms)
        return response
    finally:
        logger.remove_keys(["request_id"])


def _record_metrics(status: int, elapsed_ms: float) -> None:
    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=elapsed_ms)
    if status >= 500:
        metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
    elif status >= 400:
        metrics.add_metric(name="ClientErrors", unit=MetricUnit.Count, value=1)
    metrics.flush_metrics()


def register_fallback_routes(app: Chalice) -> None:
    """Answer unknown paths with a problem+json 404 rather than the gateway's bare 403.

    Routes `/`, `/{p1}`, … `/{p1}/…/{p10}` sort after every concrete route, so they catch only what
    nothing else matches (in `chalice local` and in API Gateway alike, where static segments win).
    """

    def not_found(**_: str) -> Response:
        request = app.current_request
        assert request is not None
        lang = negotiate_language(request.headers.get("accept-language"))
        return problem_response(
            "route_not_found",
            404,
            lang,
            instance=request_path(request),
            request_id=str((request.context or {}).get("requestId", "-")),
        )

    for depth in range(FALLBACK_DEPTH + 1):
        path = "/" + "/".join(f"{{p{i}}}" for i in range(1, depth + 1))
        view = _named(not_found, f"fallback_{depth}")
        app.route(path, methods=FALLBACK_METHODS)(view)


def _named(func: Callable[..., Response], name: str) -> Callable[..., Response]:
    def view(**params: str) -> Response:
        return func(**params)

    view.__name__ = name
    return view

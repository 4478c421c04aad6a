"""Tongban Gateway (跨省通办网关) — wiring only: the app, its middleware, blueprints and handlers.

The composition root (`chalicelib/container.py`) is installed here, at import: the production one
from the environment, unless one was installed before (tests install theirs with fakes).
"""

from collections.abc import Callable
from typing import Any

from chalice.app import Chalice, CloudWatchEvent, Rate, Request, Response, SQSEvent

from chalicelib import container
from chalicelib.api.applicant import applicant
from chalicelib.api.authority import authority
from chalicelib.api.catalog_drift import catalog_drift
from chalicelib.api.catalog_exchange import catalog_exchange
from chalicelib.api.exchange import exchange
from chalicelib.api.meta import meta
from chalicelib.api.middleware import http_middleware, register_fallback_routes
from chalicelib.api.ops import ops
from chalicelib.api.public import public
from chalicelib.api.shipments import shipments
from chalicelib.api.walkin import walkin
from chalicelib.api.window import window
from chalicelib.events import handlers

root = container.current()  # a misconfigured stage (e.g. a development issuer outside local) fails here
stage = root.settings

app = Chalice(app_name="tongban-gateway")
app.api.binary_types.append("application/pdf")  # the printable receipt (收件告知单)


def register_invocation(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """Hands each invocation's Lambda context to idempotency, as Powertools asks of a handler: a
    request that dies mid-way then holds its key only until the invocation would have timed out."""
    container.register_lambda_context(event.lambda_context)
    return get_response(event)


app.register_middleware(register_invocation, "http")
app.register_middleware(http_middleware, "http")
app.register_blueprint(meta)
app.register_blueprint(public)
app.register_blueprint(applicant)
app.register_blueprint(authority)
app.register_blueprint(ops)
app.register_blueprint(exchange)
app.register_blueprint(window)
app.register_blueprint(shipments)
app.register_blueprint(catalog_drift)
app.register_blueprint(walkin)
app.register_blueprint(catalog_exchange)
register_fallback_routes(app)


@app.on_sqs_message(queue=stage.queue("uploads"), batch_size=10)
def check_uploads(event: SQSEvent) -> dict[str, Any]:
    return handlers.on_uploads(event.to_dict())


@app.on_sqs_message(queue=stage.queue("notifications"), batch_size=10)
def deliver_notices(event: SQSEvent) -> dict[str, Any]:
    return handlers.on_notices(event.to_dict())


@app.on_sqs_message(queue=stage.queue("inbound"), batch_size=10)
def apply_messages(event: SQSEvent) -> dict[str, Any]:
    return handlers.on_inbound(event.to_dict())


@app.on_sqs_message(queue=stage.queue("outbound"), batch_size=10)
def send_messages(event: SQSEvent) -> dict[str, Any]:
    return handlers.on_outbound(event.to_dict())


@app.schedule(Rate(1, unit=Rate.MINUTES))
def relay_messages(event: CloudWatchEvent) -> int:
    return handlers.relay_messages()


@app.schedule(Rate(1, unit=Rate.HOURS))
def sweep_deadlines(event: CloudWatchEvent) -> dict[str, int]:
    return handlers.sweep_deadlines(container.current().clock())


@app.schedule(Rate(5, unit=Rate.MINUTES))
def relay_outbox(event: CloudWatchEvent) -> int:
    return handlers.relay_outbox(container.current().clock())


@app.schedule(Rate(5, unit=Rate.MINUTES))
def check_catalog_drift(event: CloudWatchEvent) -> dict[str, int]:
    return handlers.check_catalog_drift()

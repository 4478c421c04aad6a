"""Tongban Gateway (跨省通办网关) — wiring only: the app, its middleware, blueprints and handlers."""

from chalice.app import Chalice

from chalicelib.api.meta import meta
from chalicelib.api.middleware import http_middleware, register_fallback_routes
from chalicelib.api.ops import ops
from chalicelib.api.public import public
from chalicelib.config import settings

settings()  # a misconfigured stage (e.g. a development issuer outside local) fails at start

app = Chalice(app_name="tongban-gateway")
app.register_middleware(http_middleware, "http")
app.register_blueprint(meta)
app.register_blueprint(public)
app.register_blueprint(ops)
register_fallback_routes(app)

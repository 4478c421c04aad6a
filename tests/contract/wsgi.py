"""A WSGI face on chalice's LocalGateway (the engine of `chalice local`), for schemathesis."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import LocalGateway, LocalGatewayException


class ChaliceWsgi:
    def __init__(self, app: Chalice, spec: bytes) -> None:
        self._gateway = LocalGateway(app, Config())
        self._spec = spec  # served at /openapi.json so schemathesis loads it through WSGI

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        path = environ.get("PATH_INFO", "/")
        if path == "/openapi.json":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [self._spec]
        # WSGI hands over the path decoded; an HTTP server would pass it as sent, so encode it
        # again (a `%3F` in a path parameter must not become the start of a query string).
        path = quote(
            path.encode("latin-1").decode("utf-8", "surrogateescape"), safe="/", errors="surrogateescape"
        )
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        try:
            response = self._gateway.handle_request(environ["REQUEST_METHOD"], path, headers, body)
            status, out_headers = response["statusCode"], dict(response.get("headers") or {})
            payload = response.get("body") or b""
        except LocalGatewayException as err:
            status, out_headers, payload = err.CODE, dict(err.headers), err.body or b""
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        start_response(f"{status} X", [(k, str(v)) for k, v in out_headers.items()])
        return [payload]

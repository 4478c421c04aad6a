"""Signing keys of trusted issuers, by `kid`: an inline JWKS, or a JWKS URL fetched and cached.

A remote set is refetched when a token names a `kid` it does not hold (key rotation), at most
once per `REFRESH_FLOOR_SECONDS`, so forged kids cannot make the gateway hammer the issuer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any, Protocol

from jwt import PyJWK, PyJWKClient, PyJWKSet
from jwt.exceptions import PyJWKSetError, PyJWTError

REFRESH_FLOOR_SECONDS = 60.0


class KeySource(Protocol):
    def key(self, kid: str) -> PyJWK | None: ...


class StaticKeys:
    """Keys given in configuration (used by the local development issuer and for pinning)."""

    def __init__(self, jwks: Mapping[str, Any]) -> None:
        try:
            self._keys = {k.key_id: k for k in PyJWKSet.from_dict(dict(jwks)).keys if k.key_id}
        except PyJWKSetError as err:
            raise ValueError(f"invalid JWKS: {err}") from None

    def key(self, kid: str) -> PyJWK | None:
        return self._keys.get(kid)


class RemoteKeys:
    """Keys published at an issuer's HTTPS JWKS endpoint."""

    def __init__(self, uri: str) -> None:
        self._client = PyJWKClient(uri, cache_keys=False, cache_jwk_set=True, lifespan=3600, timeout=3)
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = float("-inf")
        self._lock = threading.Lock()

    def key(self, kid: str) -> PyJWK | None:
        with self._lock:
            if kid not in self._keys and time.monotonic() - self._fetched_at > REFRESH_FLOOR_SECONDS:
                self._refresh()
            return self._keys.get(kid)

    def _refresh(self) -> None:
        self._fetched_at = time.monotonic()
        try:
            keys = self._client.get_signing_keys(refresh=True)
        except (PyJWTError, ValueError):
            return  # unreachable or unusable key set: keep what we had; an unknown kid stays unknown
        self._keys = {k.key_id: k for k in keys if k.key_id}

"""Composition root: builds each service once per process with its adapters, on first use."""

from __future__ import annotations

from functools import cache

from chalicelib.adapters.catalog_store import DynamoCatalogStore
from chalicelib.config import settings
from chalicelib.services.calendar import CalendarService
from chalicelib.services.catalog import CatalogService


@cache
def catalog_store() -> DynamoCatalogStore:
    return DynamoCatalogStore(settings().table("catalog"))


@cache
def catalog() -> CatalogService:
    return CatalogService(catalog_store())


@cache
def calendar() -> CalendarService:
    return CalendarService(catalog_store())


def reset() -> None:
    """Forget built services (tests that change settings between cases)."""
    for factory in (catalog_store, catalog, calendar):
        factory.cache_clear()

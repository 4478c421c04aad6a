"""Catalog use cases: browse items and guides (public), publish versions and retire items (ops).

Reads cost one storage call each: the list is served from a catalog snapshot (one record holding
the compact entry of every item, rewritten in the same transaction as each change), the detail
from the item's head record, which carries the version in force.

Each item has one publisher of record (`Head.publisher`; domain/catalog_replication.py): only it
publishes versions, cancels or delegates; the announcement to every partner is committed with the
change (the outbox) and sent after it. Any province sets its own implementation (实施清单).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from chalicelib.domain.catalog_replication import check_owner, merged_implementations
from chalicelib.domain.catalog_terms import ItemStatus, is_available, status_on
from chalicelib.domain.clock import Clock, beijing_date, rfc3339, system_clock
from chalicelib.domain.errors import Conflict, Gone, InvalidInput, NotFound
from chalicelib.domain.identity import Principal
from chalicelib.domain.pinyin import initials
from chalicelib.domain.regions import province_name
from chalicelib.services.races import again_on_a_race

if TYPE_CHECKING:
    from chalicelib.domain.catalog import ItemDefinition


@dataclass(frozen=True)
class Head:
    """The head record of an item: its version in force and its status decisions."""

    code: str
    version: int
    definition: dict[str, Any]
    published_at: str
    status_changes: list[dict[str, Any]]
    publisher: str | None = None  # the publisher of record (None: an item stored before there was one)


@dataclass(frozen=True)
class Snapshot:
    revision: int
    entries: dict[str, dict[str, Any]]


class CatalogStore(Protocol):
    def head(self, code: str) -> Head | None: ...
    def version(self, code: str, version: int) -> dict[str, Any] | None: ...
    def snapshot(self) -> Snapshot: ...
    def save(
        self,
        head: Head,
        *,
        previous_version: int,
        new_version_doc: dict[str, Any] | None,
        snapshot: Snapshot,
        extra: Sequence[dict[str, Any]] = (),
    ) -> None: ...


Announcement = tuple[list[dict[str, Any]], list[dict[str, Any]]]  # outbox records, their actions


class Announcer(Protocol):
    """Tells every partner of a change to a standard this province publishes (the outbox)."""

    def announce(self, kind: str, payload: dict[str, Any]) -> Announcement:
        """The outbox records of the messages and the transaction actions that store them."""
        ...

    def send(self, records: list[dict[str, Any]]) -> None: ...


class VersionSource(Protocol):
    """Fetches an item version this gateway does not hold from the province that does."""

    def fetch(
        self, code: str, version: int, *, publisher: str | None, holder: str | None
    ) -> dict[str, Any]: ...


def compact_entry(head: Head) -> dict[str, Any]:
    """What the list needs of an item (and its search words), kept in the snapshot."""
    d = head.definition
    return {
        "code": d["code"],
        "name": d["name"],
        "aliases": d.get("aliases", []),
        "item_type": d["item_type"],
        "department": d["department"],
        "level": d["level"],
        "modes": d["modes"],
        "promised_limit_days": d["promised_limit_days"],
        "immediate": d.get("immediate", False),
        "provinces": sorted(d["implementations"]),
        "version": head.version,
        "status_changes": head.status_changes,
        # 拼音首字母 of the name and aliases, computed once here so that search stays one read.
        "initials": sorted({initials(text) for text in (d["name"], *d.get("aliases", []))} - {""}),
    }


LIST_FIELDS = (
    "code",
    "name",
    "item_type",
    "department",
    "modes",
    "promised_limit_days",
    "immediate",
    "provinces",
    "version",
)


def normalise(text: str) -> str:
    """Fold full-width forms, case and spaces so 户口迁移(夫妻投靠) finds 户口迁移（夫妻投靠）."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def _matches(entry: dict[str, Any], words: str) -> bool:
    haystack = [entry["name"], entry["department"], entry["code"], *entry["aliases"]]
    if any(words in normalise(text) for text in haystack):
        return True
    # Latin letters may be pinyin initials (hkqy → 户口迁移); entries written before initials
    # were kept have none until their item is published again.
    return words.isascii() and words.isalpha() and any(words in i for i in entry.get("initials", ()))


class CatalogService:
    def __init__(
        self,
        store: CatalogStore,
        clock: Clock = system_clock,
        *,
        province: str | None = None,
        announcer: Announcer | None = None,
        versions: VersionSource | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._province = province
        self.announcer = announcer
        self.versions = versions

    def _today(self) -> date:
        return beijing_date(self._clock())

    # — public —

    def list_items(
        self,
        *,
        mode: str | None = None,
        keyword: str | None = None,
        department: str | None = None,
        province: str | None = None,
        immediate: bool | None = None,
        limit: int = 20,
        after: str | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Available items matching the filters, by code, one page after `after`; `immediate`
        True gives the published 即办件 list."""
        today = self._today()
        words = normalise(keyword) if keyword else ""
        dept = normalise(department) if department else ""
        page: list[dict[str, Any]] = []
        entries = self._store.snapshot().entries
        for code in sorted(entries):
            entry = entries[code]
            if after is not None and code <= after:
                continue
            if not is_available(entry["status_changes"], today):
                continue
            if mode and mode not in entry["modes"]:
                continue
            if province and province not in entry["provinces"]:
                continue
            if immediate is not None and bool(entry.get("immediate", False)) is not immediate:
                continue
            if dept and dept not in normalise(entry["department"]):
                continue
            if words and not _matches(entry, words):
                continue
            if len(page) == limit:
                return select(page), page[-1]["code"]
            page.append(entry)
        return select(page), None

    def item_detail(self, code: str) -> dict[str, Any]:
        head = self._available_head(code)
        return self._detail(head)

    def guide(self, code: str, province: str) -> dict[str, Any]:
        """办事指南: the item's key elements with the province's implementation."""
        head = self._available_head(code)
        implementation = head.definition["implementations"].get(province)
        if implementation is None:
            raise NotFound("province_not_implemented")
        key_elements = {
            k: v for k, v in head.definition.items() if k not in ("implementations", "sample_fields")
        }
        return {
            "code": head.code,
            "version": head.version,
            "published_at": head.published_at,
            "province": {"code": province, "name": province_name(province)},
            "implementation": implementation,
            "item": key_elements,
            "compression_ratio": _compression_ratio(head.definition),
            "sample_fields": head.definition.get("sample_fields", []),
        }

    def item_version(self, code: str, version: int) -> dict[str, Any]:
        """A version as published; cases keep the version they were opened under."""
        doc = self._store.version(code, version)
        if doc is None:
            raise NotFound("item_version_not_found")
        return doc

    # — operators —

    def publish(self, definition: ItemDefinition, actor: Principal) -> dict[str, Any]:
        """A new version of a standard this province publishes (version 1 makes it the publisher of
        record); announced to every partner in the same transaction."""
        # a write that lost to a partner's replicated one (the snapshot is shared) runs again
        return again_on_a_race(lambda: self._publish(definition, actor))

    def _publish(self, definition: ItemDefinition, actor: Principal) -> dict[str, Any]:
        from chalicelib.domain.catalog_rules import check_authorities, publish_violations
        from chalicelib.domain.catalog_standard import standard_digest

        check_authorities(definition.implementations)
        violations = publish_violations(definition)
        if violations:
            raise InvalidInput("validation_failed", errors=[v.as_error() for v in violations])
        head = self._store.head(definition.code)
        publisher = self._owned(definition.code, head)
        if head is not None and head.status_changes:
            raise Conflict("item_not_active")
        version = 1 if head is None else head.version + 1
        published_at = rfc3339(self._clock())
        doc: dict[str, Any] = {
            "code": definition.code,
            "version": version,
            "published_at": published_at,
            "published_by": actor.subject,
            "definition": definition.model_dump(mode="json"),
        }
        if publisher is not None:
            doc["publisher"] = publisher
            doc["standard_digest"] = standard_digest(definition)
        new_head = Head(definition.code, version, doc["definition"], published_at, [], publisher)
        records, actions = self._announce("catalog.published", doc)
        self._store.save(
            new_head,
            previous_version=0 if head is None else head.version,
            new_version_doc=doc,
            snapshot=self._with_entry(new_head),
            extra=actions,
        )
        self._send(records)
        return {"code": definition.code, "version": version, "published_at": published_at}

    def change_status(self, code: str, change: dict[str, Any], actor: Principal) -> dict[str, Any]:
        """Cancel (取消) or delegate (下放) an item from an effective date on (today or later)."""
        # a write that lost to a partner's replicated one (the snapshot is shared) runs again
        return again_on_a_race(lambda: self._change_status(code, change, actor))

    def _change_status(self, code: str, change: dict[str, Any], actor: Principal) -> dict[str, Any]:
        head = self._store.head(code)
        if head is None:
            raise NotFound("item_not_found")
        publisher = self._owned(code, head)
        if head.status_changes:
            raise Conflict("item_not_active")
        from chalicelib.domain.catalog import StatusChange

        record = StatusChange.model_validate(
            {**change, "decided_at": self._clock(), "decided_by": actor.subject}
        )
        if record.effective_from < self._today():
            raise InvalidInput(
                "effective_date_in_past",
                errors=[{"field": "effective_from", "code": "effective_date_in_past"}],
            )
        stored = record.model_dump(mode="json", exclude_none=True)
        stored["decided_at"] = rfc3339(record.decided_at)
        new_head = replace(head, status_changes=[stored], publisher=publisher)
        announced = {"code": code, "version": head.version, "publisher": publisher, "status_change": stored}
        records, actions = self._announce("catalog.status_changed", announced) if publisher else ([], [])
        self._store.save(
            new_head,
            previous_version=head.version,
            new_version_doc=None,
            snapshot=self._with_entry(new_head),
            extra=actions,
        )
        self._send(records)
        return {"code": code, **stored}

    def set_implementation(self, code: str, implementation: dict[str, Any]) -> dict[str, Any]:
        """This province's own implementation (实施清单) of an item, whoever publishes its standard:
        the standard and its digest stay as they are; cases opened from now on use it."""
        # a write that lost to a partner's replicated one (the snapshot is shared) runs again
        return again_on_a_race(lambda: self._set_implementation(code, implementation))

    def _set_implementation(self, code: str, implementation: dict[str, Any]) -> dict[str, Any]:
        from chalicelib.domain.catalog import Implementation
        from chalicelib.domain.catalog_rules import check_authorities

        head = self._store.head(code)
        if head is None or self._province is None:
            raise NotFound("item_not_found")
        check_authorities({self._province: Implementation.model_validate(implementation)})
        implementations = {**head.definition["implementations"], self._province: implementation}
        new_head = replace(head, definition={**head.definition, "implementations": implementations})
        self._store.save(
            new_head, previous_version=head.version, new_version_doc=None, snapshot=self._with_entry(new_head)
        )
        return {
            "code": code,
            "version": head.version,
            "province": {"code": self._province, "name": province_name(self._province)},
            "implementation": implementation,
        }

    def case_item(self, code: str, version: int, *, holder: str | None = None) -> dict[str, Any]:
        """The definition a case filed under `version` is handled by: that version's standard (fetched
        from its publisher, or else from `holder`, the partner that sent the case, when this gateway
        does not hold it) with the implementations in force here. Never another version."""
        doc = self._store.version(code, version)
        head = self._store.head(code)
        if doc is None and self.versions is not None:
            doc = self.versions.fetch(
                code, version, publisher=head.publisher if head else None, holder=holder
            )
        if doc is None:
            raise NotFound("item_version_not_found")
        definition = doc["definition"]
        current = head.definition.get("implementations") if head is not None else None
        implementations = definition["implementations"]
        if self._province is not None:
            implementations = merged_implementations(implementations, current, self._province)
        return {**definition, "implementations": implementations, "version": version}

    def operator_view(self, code: str) -> dict[str, Any]:
        head = self._store.head(code)
        if head is None:
            raise NotFound("item_not_found")
        return {**self._detail(head), "status_changes": head.status_changes}

    def replace_head(
        self, head: Head, *, previous_version: int, new_version_doc: dict[str, Any] | None = None
    ) -> None:
        """A partner's change to a standard it publishes, applied to this copy (with the snapshot)."""
        self._store.save(
            head,
            previous_version=previous_version,
            new_version_doc=new_version_doc,
            snapshot=self._with_entry(head),
        )

    # — helpers —

    def _owned(self, code: str, head: Head | None) -> str | None:
        """The publisher of record after this change: this province, unless another one owns the
        standard (then 403 `standard_not_owned`, nothing changed)."""
        if self._province is None:
            return head.publisher if head is not None else None
        check_owner(code, head.publisher if head is not None else None, self._province)
        return self._province

    def _announce(self, kind: str, payload: dict[str, Any]) -> Announcement:
        if self.announcer is None or "publisher" not in payload or payload["publisher"] is None:
            return [], []
        return self.announcer.announce(kind, payload)

    def _send(self, records: list[dict[str, Any]]) -> None:
        if self.announcer is not None and records:
            self.announcer.send(records)

    def _with_entry(self, head: Head) -> Snapshot:
        current = self._store.snapshot()
        entry = compact_entry(head)
        entry["digests"] = version_digests(current.entries.get(head.code), head)
        return Snapshot(current.revision, {**current.entries, head.code: entry})

    def _available_head(self, code: str) -> Head:
        head = self._store.head(code)
        if head is None:
            raise NotFound("item_not_found")
        status = status_on(head.status_changes, self._today())["status"]
        if status == ItemStatus.CANCELLED.value:
            raise Gone("item_cancelled")
        if status == ItemStatus.DELEGATED.value:
            raise Gone("item_delegated")
        return head

    def _detail(self, head: Head) -> dict[str, Any]:
        from chalicelib.domain.catalog_standard import stored_standard_digest

        status = status_on(head.status_changes, self._today())
        return {
            "version": head.version,
            "published_at": head.published_at,
            "status": status["status"],
            **head.definition,
            "compression_ratio": _compression_ratio(head.definition),
            "publisher": head.publisher,
            "standard_digest": stored_standard_digest(head.definition),
        }


def select(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: e[k] for k in LIST_FIELDS} for e in entries]


def version_digests(previous: dict[str, Any] | None, head: Head) -> dict[str, str]:
    """The standard digest of each version of an item (version as a string → `sha256:…`), kept in
    its snapshot entry so that listing every version's digest costs the one snapshot read."""
    from chalicelib.domain.catalog_standard import stored_standard_digest

    known = dict((previous or {}).get("digests", {}))
    known[str(head.version)] = stored_standard_digest(head.definition)
    return known


def _compression_ratio(definition: dict[str, Any]) -> float | None:
    from chalicelib.domain.catalog_rules import compression_ratio

    return compression_ratio(definition["statutory_limit_days"], definition["promised_limit_days"])

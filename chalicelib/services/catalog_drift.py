"""Catalog drift you can see (目录一致性核对): this gateway's catalog digests, read by partners with
a signed request, and the comparison of this catalog with every partner's.

Invariants:
- This gateway's list holds every version its catalog keeps, each with the status and standard
  digest it has here; it costs one snapshot read (the digests are kept in the snapshot entries;
  a version published before they were is digested from its stored record).
- Only a registered, active partner reads the digests, with a request signed by a key of its
  registry entry (typ `tongban-digests+jws`, checked like a file fetch); every refusal is recorded
  for the operators as a refused message is.
- A check asks every active partner at once; a partner that does not answer with its digests is
  unreachable (with the reason), never drift, and keeps the first-seen times it had. First-seen
  times are recorded per partner at every check (the scheduled one and the operators' view).
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any, Protocol

from chalicelib.domain.catalog_drift import (
    Difference,
    DriftKind,
    PartnerState,
    VersionDigest,
    compare,
    first_seen,
    is_overdue,
    version_status,
)
from chalicelib.domain.catalog_terms import status_on
from chalicelib.domain.clock import Clock, beijing_date, parse_rfc3339, rfc3339, system_clock
from chalicelib.domain.envelope import DIGESTS_KIND, ExchangeRefusal
from chalicelib.domain.partners import Partner, PartnerStatus
from chalicelib.domain.regions import province_name
from chalicelib.services.catalog import CatalogStore
from chalicelib.services.exchange import RefusalLog, Signer, refusal_record, unverified_claims
from chalicelib.services.partners import PartnerService
from chalicelib.services.signed_request import check_signed_request

DIGESTS_TYPE = "tongban-digests+jws"
DIGESTS_PATH = "/v1/exchange/catalog-digests"
MAX_PARALLEL_ASKS = 8


class Http(Protocol):
    def post(self, url: str, body: dict[str, Any]) -> Any: ...


class DriftStore(Protocol):
    def partner_records(self) -> dict[str, dict[str, Any]]: ...
    def put_partner_record(self, record: dict[str, Any]) -> None: ...


class CatalogDigests:
    """This gateway's side: its catalog as digests, served to a partner's signed request."""

    def __init__(
        self,
        store: CatalogStore,
        partners: PartnerService,
        province: str,
        clock: Clock = system_clock,
        refusals: RefusalLog | None = None,
    ) -> None:
        self._store = store
        self._partners = partners
        self._province = province
        self._clock = clock
        self._refusals = refusals

    def own(self) -> list[VersionDigest]:
        """Every version of every item this catalog holds, by code and version."""
        from chalicelib.domain.catalog_standard import stored_standard_digest

        today = beijing_date(self._clock())
        found: list[VersionDigest] = []
        for code, entry in sorted(self._store.snapshot().entries.items()):
            in_force = int(entry["version"])
            item_status = str(status_on(entry["status_changes"], today)["status"])
            digests: dict[str, str] = entry.get("digests", {})
            for version in range(1, in_force + 1):
                digest = digests.get(str(version))
                if digest is None:  # published before digests were kept in the snapshot
                    doc = self._store.version(code, version)
                    if doc is None:
                        continue
                    digest = stored_standard_digest(doc["definition"])
                found.append(
                    VersionDigest(code, version, version_status(version, in_force, item_status), digest)
                )
        return found

    def serve(self, token: str) -> dict[str, Any]:
        """The digests for a partner's signed request; a refusal is recorded and raised."""
        claims: dict[str, Any] = {}
        try:
            claims = unverified_claims(token)
            _, verified = check_signed_request(
                self._partners, token, claims, DIGESTS_TYPE, self._province, self._clock()
            )
            if not isinstance(verified.get("id"), str) or not verified["id"]:
                raise ExchangeRefusal("envelope_malformed")
        except ExchangeRefusal as refusal:
            self.refuse(refusal.code, claims)
            raise
        return {
            "province": self._province,
            "generated_at": rfc3339(self._clock()),
            "items": [d.as_json() for d in self.own()],
        }

    def refuse(self, code: str, claims: dict[str, Any]) -> None:
        if self._refusals is not None:
            self._refusals.record_refusal(refusal_record(code, claims, rfc3339(self._clock()), DIGESTS_KIND))


class DriftMonitor:
    """Compares this catalog with each partner's and remembers since when each difference is seen."""

    def __init__(
        self,
        digests: CatalogDigests,
        partners: PartnerService,
        signer: Signer,
        http: Http,
        store: DriftStore,
        province: str,
        threshold: timedelta,
        clock: Clock = system_clock,
    ) -> None:
        self._digests = digests
        self._partners = partners
        self._signer = signer
        self._http = http
        self._store = store
        self._province = province
        self._threshold = threshold
        self._clock = clock

    def check(self) -> dict[str, Any]:
        """Ask every active partner now, record first-seen times, and report (the operators' view)."""
        now = self._clock()
        ours = self._digests.own()
        partners = [Partner.from_document(doc) for doc in self._partners.all()]
        active = [p for p in partners if p.status is PartnerStatus.ACTIVE]
        requests = {p.code: self._request(p) for p in active}
        answers: dict[str, list[VersionDigest] | str] = {}
        if active:
            with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_ASKS, len(active))) as pool:
                asked = {p.code: pool.submit(self._ask, p, requests[p.code]) for p in active}
                answers = {code: future.result() for code, future in asked.items()}
        records = self._store.partner_records()
        reports = []
        for partner in partners:
            record = records.get(partner.code, {"partner": partner.code, "first_seen": {}})
            answer = answers.get(partner.code)
            if partner.status is not PartnerStatus.ACTIVE:
                reports.append(self._report(partner, PartnerState.SUSPENDED, record, [], now))
                continue
            record = {**record, "checked_at": rfc3339(now)}
            if isinstance(answer, list):
                differences = compare(ours, answer)
                known = {k: parse_rfc3339(v) for k, v in record.get("first_seen", {}).items()}
                seen = first_seen(known, differences, now)
                record.update(
                    first_seen={k: rfc3339(v) for k, v in seen.items()},
                    reached_at=rfc3339(now),
                    unreachable=None,
                )
                state = PartnerState.DRIFT if differences else PartnerState.IN_SYNC
            else:
                record["unreachable"] = answer
                differences, state = [], PartnerState.UNREACHABLE
            self._store.put_partner_record(record)
            reports.append(self._report(partner, state, record, differences, now))
        overdue = sum(1 for r in reports for kind in DriftKind for d in r[kind.value] if d["overdue"])
        return {
            "province": self._province,
            "checked_at": rfc3339(now),
            "threshold_minutes": int(self._threshold.total_seconds() // 60),
            "alarm": {"state": "alarm" if overdue else "ok", "overdue": overdue},
            "items": len(ours),
            "partners": reports,
        }

    def _request(self, partner: Partner) -> str:
        claims = {
            "id": str(uuid.uuid4()),
            "from": self._province,
            "to": partner.code,
            "sent_at": rfc3339(self._clock()),
        }
        return self._signer.sign_jws(claims, DIGESTS_TYPE)

    def _ask(self, partner: Partner, token: str) -> list[VersionDigest] | str:
        """The partner's digests, or why it could not be compared (`no_answer`, `http_<status>`,
        `refused:<code>`, `answer_invalid`)."""
        answer = self._http.post(f"{partner.endpoint}{DIGESTS_PATH}", {"request": token})
        if answer.status == 0:
            return "no_answer"
        if answer.status != 200:
            code = answer.body.get("code") if 400 <= answer.status < 500 else None
            return f"refused:{code}" if isinstance(code, str) else f"http_{answer.status}"
        items = answer.body.get("items")
        if answer.body.get("province") != partner.code or not isinstance(items, list):
            return "answer_invalid"
        try:
            return [VersionDigest.from_json(raw) for raw in items]
        except ValueError:
            return "answer_invalid"

    def _report(
        self,
        partner: Partner,
        state: PartnerState,
        record: dict[str, Any],
        differences: list[Difference],
        now: datetime,
    ) -> dict[str, Any]:
        seen = record.get("first_seen", {})
        report: dict[str, Any] = {
            "province": partner.code,
            "name": province_name(partner.code),
            "state": state.value,
            "checked_at": record.get("checked_at"),
            "reached_at": record.get("reached_at"),
            "unreachable": record.get("unreachable") if state is PartnerState.UNREACHABLE else None,
        }
        for kind in DriftKind:
            report[kind.value] = []
        for d in differences:
            since = seen[d.key]
            report[d.kind.value].append(
                {
                    "code": d.code,
                    "version": d.version,
                    "ours": None if d.ours is None else {"status": d.ours.status, "digest": d.ours.digest},
                    "theirs": None
                    if d.theirs is None
                    else {"status": d.theirs.status, "digest": d.theirs.digest},
                    "differs": d.differs,
                    "since": since,
                    "overdue": is_overdue(parse_rfc3339(since), now, self._threshold),
                }
            )
        return report

"""Binding codes (绑定码): issue one to a logged-in applicant, and redeem one at a window.

Issuing signs the code with this province's exchange key (the KMS key that signs envelopes).
Redeeming verifies it with the key of the province that issued it — ours, or a partner's from the
registry, as exchange envelopes are verified — then applies the code's rules, the single-use check
and the holder check, and gives the side record that marks it used in the case's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from chalicelib.domain import binding
from chalicelib.domain.binding import BINDING_TYPE, BindingCode, BindingRefused
from chalicelib.domain.clock import BEIJING, Clock, rfc3339, system_clock
from chalicelib.domain.envelope import ExchangeRefusal
from chalicelib.domain.errors import Conflict, DomainError
from chalicelib.domain.identity import Assurance, Principal, Role
from chalicelib.domain.regions import is_province
from chalicelib.services.exchange import Signer, unverified_claims
from chalicelib.services.jws import verify_jws
from chalicelib.services.partners import PartnerService

T = TypeVar("T")
# assurance levels (实名认证) below which the token's ID number is not verified


class BindingStore(Protocol):
    def used(self, code_id: str) -> bool: ...
    def use_item(self, code_id: str, expires_at: int, record: dict[str, Any]) -> dict[str, Any]: ...


class IdentityMissing(DomainError):
    code = "binding_code_identity_missing"
    status = 403


class BindingService:
    def __init__(
        self,
        signer: Signer,
        partners: PartnerService,
        store: BindingStore,
        province: str,
        clock: Clock = system_clock,
    ) -> None:
        self._signer = signer
        self._partners = partners
        self._store = store
        self._province = province
        self._clock = clock

    def issue(self, principal: Principal) -> dict[str, Any]:
        """A code for the applicant `principal`, of the person their token's verified identity names."""
        identity = principal.identity
        if principal.role is not Role.APPLICANT or identity is None or identity.assurance is Assurance.PHONE:
            raise IdentityMissing()
        id_number = identity.id_number
        try:
            code = binding.new_code(
                self._province, principal.issuer, principal.subject, id_number, self._clock()
            )
        except DomainError:
            raise IdentityMissing() from None  # the identity provider's number is not a valid one
        token = self._signer.sign_jws(code.claims(), BINDING_TYPE)
        return {
            "code": token,
            "province": code.province,
            "issued_at": rfc3339(datetime.fromtimestamp(code.issued_at, BEIJING)),
            "expires_at": rfc3339(datetime.fromtimestamp(code.expires_at, BEIJING)),
        }

    def redeem(self, token: str, id_number: str) -> BindingCode:
        """The code, if it may link its account to an intake whose applicant has `id_number`."""
        code = self.verify(token)
        binding.check_code(code, self._clock())
        if self._store.used(code.id):
            raise Conflict("binding_code_used")
        binding.check_holder(code, id_number)
        return code

    def verify(self, token: str) -> BindingCode:
        """The code if the gateway of the province it names signed it; else a refusal."""
        try:
            province = str(unverified_claims(token).get("province", ""))
            jwks = self._keys_of(province)
            return BindingCode.from_claims(verify_jws(token, jwks, BINDING_TYPE))
        except ExchangeRefusal:
            raise BindingRefused("binding_code_invalid") from None

    def _keys_of(self, province: str) -> dict[str, Any]:
        if province == self._province:
            return {"keys": [self._signer.public_jwk()]}
        partner = self._partners.get(province) if is_province(province) else None
        if partner is None:
            raise BindingRefused("binding_code_issuer_unknown")
        try:
            return partner.trusted().jwks
        except ExchangeRefusal:
            raise BindingRefused("binding_code_issuer_unknown") from None

    def consume(self, code: BindingCode, commit: Callable[[list[dict[str, Any]]], T]) -> T:
        """Run `commit` with the side record that marks the code used; a window that lost the race
        for the same code is told the code was used."""
        record = {"id": code.id, "province": code.province, "used_at": rfc3339(self._clock())}
        try:
            return commit([self._store.use_item(code.id, code.expires_at, record)])
        except Conflict as err:
            if err.code == "concurrent_modification" and self._store.used(code.id):
                raise Conflict("binding_code_used") from None
            raise

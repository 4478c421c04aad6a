"""Seed the local e-licence stand-in: the licences of the development applicants.

infra/seed/dev_applicants.json holds the fictitious applicants (subject, name, ID number, phone);
infra/seed/licences.json their licences, joined by subject. Records are written the way
LocalLicenceProvider writes them (holder key and masked name only), overwriting earlier seeds.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from chalicelib.adapters.licences import LocalLicenceProvider
from chalicelib.domain.personal import entity_holder_key, holder_key, mask_name, validate_name
from chalicelib.services.licences import Licence, TrustLevel, validate_licence_type

SEED_DIR = Path(__file__).resolve().parents[1] / "seed"
APPLICANTS_FILE = SEED_DIR / "dev_applicants.json"
LICENCES_FILE = SEED_DIR / "licences.json"


def dev_applicants() -> list[dict[str, Any]]:
    return list(json.loads(APPLICANTS_FILE.read_text(encoding="utf-8"))["applicants"])


def seed_licence_entries() -> list[dict[str, Any]]:
    return list(json.loads(LICENCES_FILE.read_text(encoding="utf-8"))["licences"])


def seed_licence_records() -> list[Licence]:
    """The seed licences as Licence values (the ID numbers reduced to holder keys)."""
    applicants = {applicant["subject"]: applicant for applicant in dev_applicants()}
    licences = []
    for entry in seed_licence_entries():
        applicant = applicants[entry["subject"]]
        valid_until = entry.get("valid_until")
        # A legal person's licence is the entity's, unless marked as its acting employee's own.
        entity = applicant.get("subject_kind") == "legal_person" and entry.get("holder") != "acting_person"
        licences.append(
            Licence(
                reference=entry["reference"],
                licence_type=validate_licence_type(entry["licence_type"]),
                title=entry["title"],
                holder_key=entity_holder_key(applicant["credit_code"])
                if entity
                else holder_key(applicant["id_number"]),
                holder_name_masked=mask_name(
                    applicant["entity_name"] if entity else validate_name(applicant["name"])
                ),
                issuer=entry["issuer"],
                issued_on=date.fromisoformat(entry["issued_on"]),
                valid_until=None if valid_until is None else date.fromisoformat(valid_until),
                trust_level=TrustLevel(entry.get("trust_level", "A")),
            )
        )
    return licences


def seed_licences(table_name: str) -> int:
    """Load the seed licences into `table_name` (a province's catalog table); returns how many."""
    provider = LocalLicenceProvider(table_name)
    licences = seed_licence_records()
    for licence in licences:
        provider.put(licence, overwrite=True)
    return len(licences)

"""Running the cases, the printed report and JUnit XML."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from conformance.cases import CASES, Failed, Partner, Skipped


@dataclass(frozen=True)
class Outcome:
    name: str
    section: str
    verdict: str  # pass, fail, skip
    evidence: str
    seconds: float


def run(partner: Partner, skip: dict[str, str] | None = None, only: set[str] | None = None) -> list[Outcome]:
    outcomes = []
    for case in CASES:
        if only and case.name not in only:
            continue
        started = time.monotonic()
        if skip and case.name in skip:
            verdict, evidence = "skip", skip[case.name]
        else:
            try:
                verdict, evidence = "pass", case.run(partner)
            except Failed as failed:
                verdict, evidence = "fail", str(failed)
            except Skipped as skipped:
                verdict, evidence = "skip", str(skipped)
            except Exception as error:  # a crash of a case is its failure, with the cause
                verdict, evidence = "fail", f"{type(error).__name__}: {error}"
        outcomes.append(Outcome(case.name, case.section, verdict, evidence, time.monotonic() - started))
    return outcomes


def render(outcomes: list[Outcome], endpoint: str) -> str:
    lines = [f"Tongban exchange conformance — {endpoint}", ""]
    for o in outcomes:
        lines.append(f"{o.verdict.upper():4}  {o.name:32} [{o.section}] {o.evidence}")
    counts = {v: sum(o.verdict == v for o in outcomes) for v in ("pass", "fail", "skip")}
    lines += ["", f"{counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped"]
    return "\n".join(lines)


def junit(outcomes: list[Outcome], endpoint: str, path: Path) -> None:
    suite = ET.Element(
        "testsuite",
        name="tongban-exchange-conformance",
        tests=str(len(outcomes)),
        failures=str(sum(o.verdict == "fail" for o in outcomes)),
        skipped=str(sum(o.verdict == "skip" for o in outcomes)),
        errors="0",
        time=f"{sum(o.seconds for o in outcomes):.3f}",
    )
    ET.SubElement(ET.SubElement(suite, "properties"), "property", name="endpoint", value=endpoint)
    for o in outcomes:
        case = ET.SubElement(suite, "testcase", classname=o.section, name=o.name, time=f"{o.seconds:.3f}")
        if o.verdict == "fail":
            ET.SubElement(case, "failure", message=o.evidence[:200]).text = o.evidence
        elif o.verdict == "skip":
            ET.SubElement(case, "skipped", message=o.evidence)
        else:
            ET.SubElement(case, "system-out").text = o.evidence
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)

"""Audit class 7: every fact is checkable by a reader — sources are public documents, never the project's notes.

The documents now point at the publishers' pages (or public copies such as the RonCom/policy-rag quotations of CMS
manuals and the andrewallenbruce/northstar copy of CMS's NCCI tables); where a page could not be re-read, `via` says so.
UnitedHealthcare's total-time method is graded secondary: its Maximum Combined Frequency Per Day policy
(https://www.uhcprovider.com/en/policies-protocols/commercial-policies/commercial-reimbursement-policies/COMM-Physical-Med-Rehab-Max-Combined-Frequency-Per-Day-Policy.html)
states only the 8-minute minimum for one unit.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
PRIVATE = re.compile(r"shared/|domain notes|seed copy|internal note|project's notes", re.IGNORECASE)


def documents() -> list[dict]:
    return yaml.safe_load((POLICIES / "documents.yaml").read_text(encoding="utf-8"))["documents"]


def test_no_document_is_read_through_private_notes():
    bad = [d["id"] for d in documents() if PRIVATE.search(" ".join(str(d.get(k, "")) for k in ("via", "notes")))]
    assert bad == []


def test_every_document_has_an_address_a_reader_can_open():
    assert [d["id"] for d in documents() if not str(d.get("url", "")).startswith(("http://", "https://"))] == []


def test_no_policy_text_points_at_private_notes():
    for path in sorted(POLICIES.rglob("*.yaml")):
        assert not PRIVATE.search(path.read_text(encoding="utf-8")), path.name


def test_uhc_total_time_method_is_graded_secondary():
    from kb.shorthand import catalogue_items, expand_payer

    items = catalogue_items(yaml.safe_load((POLICIES / "documentation.yaml").read_text(encoding="utf-8")))
    raw = yaml.safe_load((POLICIES / "payers" / "uhc-commercial.yaml").read_text(encoding="utf-8"))
    uhc = expand_payer(raw, items).data
    (method,) = [m for m in uhc["unit_methods"] if m["method"] == "cms-total-time"]
    assert method["evidence"] == "secondary"

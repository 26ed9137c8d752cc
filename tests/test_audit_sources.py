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


def test_code_rules_give_each_fact_its_own_sources():
    """A code rule with several facts (one-on-one flag, daily cap, checklist) names the sources of each: the one-on-one
    flag of 97032-97542 rests on CMS's therapy Q&A (as quoted in 2008) and Transmittal 1753 (as quoted by APTA), the
    97129 cap on the cognitive-code sources, the checklists on Pub 100-02 ch.15 §220.3 and documentation articles."""
    import pytest

    kb = pytest.importorskip("kb")
    from datetime import date

    p = kb.load(POLICIES).payer("medicare", as_of=date(2026, 3, 2))
    for code in ("97032", "97110", "97112", "97140", "97530", "97542"):
        facts = {f: {s.doc for s in srcs} for f, srcs in p.code_rule(code).fact_sources.items()}
        assert "ptdiagnosis-group-code-2008" in facts["one_on_one"]
        assert "cms-pub100-02-ch15" in facts["documentation"]
        assert "ptdiagnosis-group-code-2008" not in facts["documentation"]
    cap = {s.doc for s in p.code_rule("97129").fact_sources["daily_cap"]}
    assert cap == {"happyneuron-billing-codes", "htstherapy-cognitive-2020"}


def test_kx_2019_amounts_come_from_cms():
    """CMS Therapy Services page, revised December 2018 (https://www.cms.gov/Medicare/Billing/TherapyServices/index.html):
    'For CY 2019 this KX modifier threshold amount is $2,040 for PT and SLP services combined, and $2,040 for OT'."""
    import pytest

    kb = pytest.importorskip("kb")
    from datetime import date

    p = kb.load(POLICIES).payer("medicare", as_of=date(2019, 6, 3))
    assert p.threshold("KX", discipline="PT") == 2040 and p.threshold("KX", discipline="OT") == 2040
    kx = [t for t in p.thresholds() if t.name == "KX"]
    assert len(kx) == 2 and all(t.evidence == "primary" for t in kx)
    assert all("cms-therapy-services-2019" in {s.doc for s in t.sources} for t in kx)

"""Content tests: the knowledge itself is sourced, dated, graded, in our own words, and computes what it says.

The first tests read the YAML with `yaml.safe_load` (payer files' short forms written out by kb/shorthand.py); the last
ones run every embedded worked example through `kb.load().payer(...).units(...)` when `kb` imports.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
PAYERS_DIR = POLICIES / "payers"

PAYER_IDS = [
    "medicare",
    "uhc-commercial",
    "highmark",
    "anthem",
    "bcbs-nebraska",
    "bcbs-north-dakota",
    "cigna",
    "tricare",
    "texas-medicaid",
    "bcbs-massachusetts-hospital",
    "commercial-cpt-midpoint",
    "commercial-whole-units",
    "aetna",
    "humana",
    "uhc-medicare-advantage",
    "ohio-medicaid",
    "florida-medicaid",
]


def test_at_least_seventeen_payers():
    """Issue 8 (breadth): Aetna, Humana, a Medicare Advantage plan and two more state Medicaid programs."""
    assert len(PAYER_IDS) >= 17
    assert {"aetna", "humana", "uhc-medicare-advantage"} <= set(PAYER_IDS)
    assert sum(1 for p in PAYER_IDS if p.endswith("-medicaid")) >= 3

# Sections whose entries are effective-dated rules (thresholds are dated by their `year`).
DATED_SECTIONS = ("unit_methods", "code_rules", "modifier_rules", "ptp_edits", "mues", "payment_adjustments",
                  "visit_rules")
EVIDENCE = {"primary", "bulletin", "secondary"}

# Distinctive phrases of AMA CPT descriptors (copyrighted text). None may appear in our summaries or meanings.
CPT_DESCRIPTOR_PHRASES = [
    "kinesthetic sense",
    "each 15 minutes",
    "one or more areas",
    "1 or more areas",
    "requiring direct (one-on-one) patient contact",
    "direct (one-on-one) patient contact",
    "sitting and/or standing",
    "develop strength and endurance",
    "range of motion and flexibility",
    "dynamic activities to improve functional performance",
    "effleurage, petrissage",
    "mobilization/manipulation, manual lymphatic drainage",
    "compensatory strategies to manage the performance of an activity",
    "list separately in addition to code for primary procedure",
    "application of a modality",
    "therapeutic procedure, 1 or more areas",
    "behavioral and qualitative analysis of voice and resonance",
    "treatment of swallowing dysfunction and/or oral function for feeding",
]


def load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


@pytest.fixture(scope="module")
def documents() -> dict:
    return {d["id"]: d for d in load(POLICIES / "documents.yaml")["documents"]}


@pytest.fixture(scope="module")
def codes() -> dict:
    return {c["code"]: c for c in load(POLICIES / "codes.yaml")["codes"]}


@pytest.fixture(scope="module")
def modifiers() -> dict:
    return {m["id"]: m for m in load(POLICIES / "modifiers.yaml")["modifiers"]}


@pytest.fixture(scope="module")
def methods() -> dict:
    return {m["id"]: m for m in load(POLICIES / "methods.yaml")["methods"]}


def load_payers() -> dict:
    """Every payer file with its groups and checklist references written out: one entry per rule, as the compiler
    sees them (kb/shorthand.py, a pure function; the short form states a shared source once for many rules)."""
    from kb.shorthand import catalogue_items, expand_payer

    catalogue = POLICIES / "documentation.yaml"
    items = catalogue_items(load(catalogue)) if catalogue.exists() else {}
    return {p.stem: expand_payer(load(p), items).data for p in sorted(PAYERS_DIR.glob("*.yaml"))}


@pytest.fixture(scope="module")
def payers() -> dict:
    return load_payers()


def all_sources(payers: dict, codes: dict, modifiers: dict, methods: dict):
    """Every (where, source) pair in the tree."""
    for name, table in (("codes", codes), ("modifiers", modifiers), ("methods", methods)):
        for key, entry in table.items():
            for s in entry["sources"]:
                yield f"{name}:{key}", s
    for pid, doc in payers.items():
        for section in (*DATED_SECTIONS, "thresholds", "remove", "examples"):
            for i, rule in enumerate(doc.get(section) or []):
                for s in rule.get("sources") or []:
                    yield f"{pid}.{section}[{i}]", s
    remittance = POLICIES / "remittance.yaml"  # predicted remittance codes (issue 10)
    for i, entry in enumerate(load(remittance)["remittance"] if remittance.is_file() else []):
        for j, own in enumerate([entry, *(entry.get("payers") or [])]):
            for s in own["sources"]:
                yield f"remittance[{i}]" + (f".payers[{j - 1}]" if j else ""), s


# ---------------------------------------------------------------------------------------------------- files


def test_every_file_starts_with_its_schema_line():
    expected = {
        POLICIES / "documents.yaml": "../schema/documents.schema.json",
        POLICIES / "codes.yaml": "../schema/codes.schema.json",
        POLICIES / "modifiers.yaml": "../schema/modifiers.schema.json",
        POLICIES / "methods.yaml": "../schema/methods.schema.json",
        POLICIES / "remittance.yaml": "../schema/remittance.schema.json",
    }
    expected.update({p: "../../schema/payer.schema.json" for p in PAYERS_DIR.glob("*.yaml")})
    for path, schema in expected.items():
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == f"# yaml-language-server: $schema={schema}", path
        assert (path.parent / schema).resolve().is_file(), schema


def test_every_payer_exists_and_extends_resolves(payers):
    assert sorted(payers) == sorted(PAYER_IDS)
    for pid, doc in payers.items():
        assert doc["id"] == pid, f"{pid}.yaml holds id {doc['id']!r}"
        parent = doc.get("extends")
        seen = {pid}
        while parent:
            assert parent in payers, f"{pid} extends unknown payer {parent!r}"
            assert parent not in seen, f"extends cycle through {parent}"
            seen.add(parent)
            parent = payers[parent].get("extends")
    assert "extends" not in payers["medicare"]
    for pid in PAYER_IDS[1:]:
        assert payers[pid]["extends"] == "medicare", pid


# ---------------------------------------------------------------------------------------------------- sources


def test_no_rule_lacks_sources_dates_or_evidence(payers):
    problems = []
    for pid, doc in payers.items():
        for section in DATED_SECTIONS:
            for i, rule in enumerate(doc.get(section) or []):
                where = f"{pid}.{section}[{i}]"
                if not rule.get("sources"):
                    problems.append(f"{where}: no sources")
                if not rule.get("effective_from"):
                    problems.append(f"{where}: no effective_from")
                if rule.get("evidence") not in EVIDENCE:
                    problems.append(f"{where}: evidence {rule.get('evidence')!r}")
                start, end = rule.get("effective_from"), rule.get("effective_to")
                if start and end and as_date(end) < as_date(start):
                    problems.append(f"{where}: effective_to before effective_from")
        for i, rule in enumerate(doc.get("thresholds") or []):
            where = f"{pid}.thresholds[{i}]"
            if not rule.get("sources") or rule.get("evidence") not in EVIDENCE or not isinstance(rule.get("year"), int):
                problems.append(f"{where}: needs sources, evidence and year")
        for i, rule in enumerate(doc.get("remove") or []):
            if not rule.get("sources") or rule.get("evidence") not in EVIDENCE:
                problems.append(f"{pid}.remove[{i}]: a removal needs its own source and evidence")
        for i, ex in enumerate(doc.get("examples") or []):
            if not ex.get("sources"):
                problems.append(f"{pid}.examples[{i}]: no sources")
    assert not problems, "\n".join(problems)


def test_catalogue_entries_are_sourced_and_graded(codes, modifiers, methods):
    for name, table in (("codes", codes), ("modifiers", modifiers), ("methods", methods)):
        for key, entry in table.items():
            assert entry.get("sources"), f"{name}:{key} has no sources"
            assert entry.get("evidence") in EVIDENCE, f"{name}:{key} evidence"


def test_every_cited_document_exists_and_was_read(payers, codes, modifiers, methods, documents):
    for doc in documents.values():
        assert doc.get("read"), doc["id"]
        assert doc.get("url") or doc.get("document"), doc["id"]
    missing = [f"{where} -> {s['doc']}" for where, s in all_sources(payers, codes, modifiers, methods)
               if "doc" in s and s["doc"] not in documents]
    assert not missing, "\n".join(missing)
    cited = {s["doc"] for _, s in all_sources(payers, codes, modifiers, methods) if "doc" in s}
    unused = sorted(set(documents) - cited)
    assert not unused, f"documents nobody cites: {unused}"


def test_medicare_thresholds_cover_the_years_we_can_source(payers):
    th = {(t["name"], t["group"], t["year"]): t["amount"] for t in payers["medicare"]["thresholds"]}
    expected_kx = {2018: 2010, 2019: 2040, 2020: 2080, 2021: 2110, 2022: 2150, 2023: 2230, 2024: 2330,
                   2025: 2410, 2026: 2480}
    for year, amount in expected_kx.items():
        for group in ("PT-SLP", "OT"):
            assert th[("KX", group, year)] == amount
    for year in range(2018, 2028):
        for group in ("PT-SLP", "OT"):
            assert th[("targeted-review", group, year)] == 3000


# ---------------------------------------------------------------------------------------------------- own words


def test_summaries_are_short_and_not_cpt_descriptor_text(codes, modifiers):
    texts = [(f"codes:{c}", e["summary"]) for c, e in codes.items()]
    texts += [(f"modifiers:{m}", e["meaning"]) for m, e in modifiers.items()]
    for where, text in texts:
        lowered = text.lower()
        for phrase in CPT_DESCRIPTOR_PHRASES:
            assert phrase not in lowered, f"{where} repeats CPT descriptor text {phrase!r}"
    for c, e in codes.items():
        assert len(e["summary"]) <= 90, f"codes:{c} summary is {len(e['summary'])} characters"


def test_timed_codes_have_fifteen_minute_units_and_untimed_have_none(codes):
    # the timed SLP evaluation codes run by the hour or half hour (ASHA's list; issue 8); every other timed code is
    # a 15-minute code
    longer = {"92605": 60, "92618": 30, "92607": 60, "92608": 30, "92626": 60, "96105": 60, "96125": 60}
    for c, e in codes.items():
        if e["timed"]:
            assert e.get("unit_minutes") == longer.get(c, 15), c
        else:
            assert "unit_minutes" not in e, c
    for c in ("97110", "97112", "97116", "97140", "97530", "97035", "97750"):
        assert codes[c]["timed"], c
    for c in ("97010", "97012", "97014", "G0283", "97150", "97161", "97164", "97168", "92507", "92521"):
        assert not codes[c]["timed"], c


def test_97014_and_g0283_say_how_medicare_differs(codes, payers):
    assert "G0283" in codes["97014"]["notes"]
    rule = next(r for r in payers["medicare"]["code_rules"] if r["code"] == "97014")
    assert rule["covered"] is False


# ---------------------------------------------------------------------------------------------------- checklists


def test_97112_checklist_has_the_required_elements_and_valid_patterns(payers):
    rule = next(r for r in payers["medicare"]["code_rules"] if r["code"] == "97112")
    ids = {e["id"] for e in rule["documentation"]}
    assert {"technique", "deficit", "diagnosis", "objective-measure", "measure-change", "minutes", "one-on-one",
            "response", "cueing", "plan-goal"} <= ids
    for doc in payers.values():
        for r in doc.get("code_rules") or []:
            for element in r.get("documentation") or []:
                for rx in element["match"]:
                    re.compile(rx, re.IGNORECASE)


def test_97112_checklist_separates_the_seed_notes(payers):
    rule = next(r for r in payers["medicare"]["code_rules"] if r["code"] == "97112")
    examples = {e["id"]: e for e in payers["medicare"]["examples"]}

    def missing(note: str) -> set[str]:
        return {e["id"] for e in rule["documentation"]
                if not any(re.search(rx, note, re.IGNORECASE) for rx in e["match"])}

    bad = examples["seed-sirius-denied-note"]["visit"]["note"]
    good = examples["seed-sirius-passing-note"]["visit"]["note"]
    assert "technique" in missing(bad) and "one-on-one" in missing(bad)
    assert missing(good) == set()


def test_every_timed_code_has_a_medicare_documentation_checklist(codes, payers):
    documented = {r["code"] for r in payers["medicare"]["code_rules"] if r.get("documentation")}
    timed = {c for c, e in codes.items() if e["timed"]}
    assert timed <= documented, sorted(timed - documented)


# ---------------------------------------------------------------------------------------------------- seeds


def test_seed_errors_are_recorded_under_the_articles_names(payers, modifiers, methods):
    text = yaml.safe_dump([payers, modifiers, methods])
    for title in ("Sirius Solutions Global", "Coding Ahead", "TheraPlatform"):
        assert title in text, title
    assert "000_" not in text and "seeds/" not in text  # articles are named by title, not file name


def test_seed_scenarios_carry_the_correct_answers(payers):
    ex = {e["id"]: e for e in payers["medicare"]["examples"]}
    assert ex["seed-codingahead-scenario-d"]["expect"]["units"] == {"97112": 2, "97110": 1}  # 38 min = 3 units
    assert ex["seed-sirius-40-minutes-97112"]["expect"]["units"] == {"97112": 3}
    pta = ex["pta-visit-2026"]["visit"]["lines"][0]["modifiers"]
    assert "CQ" in pta and "CO" not in pta


def test_tied_examples_list_every_allowed_answer(payers):
    ex = {e["id"]: e for e in payers["medicare"]["examples"]}
    assert len(ex["cms-example-2"]["expect"]["units_any_of"]) == 2
    assert len(ex["cms-example-5"]["expect"]["units_any_of"]) == 3


# ---------------------------------------------------------------------------------------------------- computed


def _examples(payers_raw: dict):
    for pid in PAYER_IDS:
        for ex in payers_raw[pid].get("examples") or []:
            yield pytest.param(pid, ex, id=f"{pid}:{ex['id']}")


_RAW = load_payers()


@pytest.mark.parametrize(("pid", "example"), list(_examples(_RAW)))
def test_embedded_example_units(pid, example):
    kb = pytest.importorskip("kb")
    k = _kb(kb)
    visit = example["visit"]
    p = k.payer(pid, as_of=as_date(example["date"]), state=visit.get("state"))
    minutes = {line["code"]: line.get("minutes", 0) for line in visit["lines"]}
    got = p.units(minutes)
    expect = example["expect"]
    if "units" in expect:
        assert got == expect["units"], f"{pid}:{example['id']}"
    if "units_any_of" in expect:
        assert got in expect["units_any_of"], f"{pid}:{example['id']}: {got}"


_KB = {}


def _kb(kb):
    if "k" not in _KB:
        _KB["k"] = kb.load()
    return _KB["k"]


def test_every_payer_answers_units_today():
    kb = pytest.importorskip("kb")
    k = _kb(kb)
    assert sorted(k.payers()) == sorted(PAYER_IDS)
    for pid in PAYER_IDS:
        if pid == "texas-medicaid":
            units = k.payer(pid, as_of=dt.date(2026, 3, 2), state="TX").units({"97112": 24, "97110": 23})
        else:
            units = k.payer(pid, as_of=dt.date(2026, 3, 2)).units({"97112": 24, "97110": 23})
        assert set(units) == {"97112", "97110"}, pid

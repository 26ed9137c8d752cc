"""The documentation matcher (kb/check/notes.py) and the labelled note corpus (corpus/)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

import kb
from kb.check.notes import MAX_NOTE_CHARS, PreparedNote, compile_element, re2_problem

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_docs import CORPUS, HELDOUT, HELDOUT2, HELDOUT3, HELDOUT4, evaluate, load_corpus  # noqa: E402


@pytest.fixture(scope="module")
def shipped() -> kb.KnowledgeBase:
    return kb.load(ROOT / "policies")


def found(pattern: str, note: str, **kw: object) -> bool:
    return compile_element([pattern], **kw).found_in(PreparedNote(note))  # type: ignore[arg-type]


# -- the matcher --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("note", "shown"), [
    ("No cueing or guarding needed today; patient independent.", False),
    ("Cues: none required", False),
    ("Cueing: N/A - pt independent", False),
    ("Patient would benefit from tactile cueing but refused it.", False),
    ("Will add verbal cues next session.", False),
    ("P: verbal cues for step length next visit", False),
    ("Verbal cues for step length.", True),
    ("No LOB; VC for posture.", True),  # the denial stops at the clause
    ("Pt needed max VC to widen BOS.", True),  # shorthand: VC = verbal cues
])
def test_denied_and_planned_mentions_do_not_count(note, shown):
    assert found(r"\bcue", note) is shown


def test_a_match_that_starts_with_the_denial_counts():
    assert found(r"\bno (LOB|loss of balance)", "No LOB today.")
    assert not found(r"loss of balance", "No LOB today.")


def test_a_field_answered_no_is_denied_but_a_goal_is_not():
    assert not found("one-on-one", "One-on-one: No (group session)")
    assert found(r"\bLTG\b", "P: Continue toward LTG: no falls for 4 weeks.", future=True)


def test_shorthand_and_primes_are_read():
    assert found(r"\b\d+ min", "NMR 24' 1:1")
    assert not found(r"\b\d+ min", "amb 150' x2 w/ RW")  # a distance
    assert found("minimal assistance", "min A x2 for LOB")
    assert found("weight shift", "wt shifting on foam")
    assert not found("minimal assistance", "20 min.\nA: tolerated")  # words of a phrase stand on one line


def test_goals_count_for_future_elements_only():
    assert found(r"\bgoal", "Goal: return to golf.", future=True)
    assert not found(r"\bBerg\b", "LTG: Berg > 50/56")
    assert found(r"\bBerg\b", "Berg 44/56. LTG: Berg > 50/56")


@pytest.mark.parametrize(("note", "shown"), [
    ("S: Using the cane.\nO: Gait 18 min.\nA: Step length more even.\nP: Continue.", True),
    ("Manual: 9 min\nArea: lumbar\nPt response: smoother by set 3", True),
    ("Gait training 18 min. Tolerance: fair.", True),  # a heading after a sentence's end
    ("S: -\nO: ADLs 15 min.\nA: -\nP: Cont.", False),  # an empty section states nothing
    ("Manual therapy (97140)\nResponse: not assessed", False),  # denied
    ("Orthotic management: 15 min\nResponse: see chart", False),
    ("A: Pt would benefit from skilled PT.", False),  # only planned, and "Pt" is filler
    ("Response: N/A", False),
    ("Plan: response to be assessed next visit", False),  # not an assessment section
])
def test_an_assessment_section_shows_the_response_whatever_its_words(note, shown):
    assert found(r"\bzzz\b", note, sections=["assessment"]) is shown


def test_a_goal_section_counts_for_future_elements_even_mid_line():
    assert found(r"\bzzz\b", "Stepping to targets, 25 min. Aim: walk to church with a cane.", future=True,
                 sections=["goal"])
    assert not found(r"\bzzz\b", "Stepping to targets, 25 min. Aim: -", future=True, sections=["goal"])
    assert not found(r"\bzzz\b", "Stepping to targets, 25 min. Aim: walk to church.", sections=["assessment"])


@pytest.mark.parametrize(("element", "note"), [  # phrasings of each class that no corpus note uses
    ("response", "Pt was visibly apprehensive on the ramp."),
    ("response", "Kept her balance for 12 s on foam."),
    ("response", "Landed 7 of 10 jumps without knee valgus."),
    ("response", "Slight soreness afterwards, settled within minutes."),
    ("response", "Session stopped early because of new dizziness."),
    ("diagnosis", "Pt with left MCA infarction."),
    ("diagnosis", "Referred for cervical myelopathy, s/p laminectomy."),
    ("diagnosis", "Dx R26.89"),
    ("deficit", "Decreased right ankle proprioception."),
    ("deficit", "Trunk control remains impaired in sitting."),
    ("deficit", "Three falls since January."),
    ("plan-goal", "Practised so that she can climb the bus steps."),
    ("plan-goal", "Target: carry laundry basket up stairs."),
    ("plan-goal", "Continue with plan. Will continue to monitor."),  # the plan continued: the POC (4th tuning)
])
def test_element_classes_cover_unseen_phrasings(shipped, element, note):
    assert element not in _missing(shipped, "97112", f"NMR 23 min one-on-one. {note}")


@pytest.mark.parametrize(("element", "note"), [  # near misses that stay missing
    ("response", "Patient ambulated in the hallway."),
    ("response", "S: Knee pain 5/10.\nO: Modalities as indicated.\nA: -\nP: Continue POC."),
    ("diagnosis", "Patient reports dizziness and fear of falling."),
    ("deficit", "No balance deficits on testing today."),
    ("deficit", "Reports 0 falls this week."),
    ("plan-goal", "Plan: same next week. Will continue to monitor."),  # a plan for the next visit, not the POC
    ("plan-goal", "Continue skilled PT 2x/wk."),
])
def test_near_misses_stay_missing(shipped, element, note):
    assert element in _missing(shipped, "97112", f"NMR 23 min one-on-one. {note}")


def _missing(k: kb.KnowledgeBase, code: str, note: str) -> set[str]:
    r = k.check({"payer": "medicare", "date": "2026-03-02", "note": note, "lines": [{"code": code, "minutes": 23}]})
    return {f.basis.rsplit(".", 1)[-1] for f in r.findings if f.rule == "documentation.missing-element"}


def test_exclude_sets_look_alikes_aside():
    e = compile_element([r"\d+\s*/\s*\d+"], exclude=[r"\bpain\s*\d+\s*/\s*10"])
    assert not e.found_in(PreparedNote("Pain 4/10 in the knee."))
    assert e.found_in(PreparedNote("Pain 4/10; Berg 44/56."))


def test_patterns_must_run_in_re2():
    assert re2_problem(r"(a|aa)+$") is None  # harmless in RE2
    assert "invalid perl operator" in (re2_problem("a(?=b)") or "")
    assert re2_problem(r"(a)\1") is not None


def test_the_seed_denial_story_is_still_caught(shipped):
    r = shipped.check({"payer": "medicare", "date": "2026-03-02", "plan_of_care": "PT",
                       "note": "Balance training and coordination exercises. Patient tolerated well. Continue plan "
                               "of care.",
                       "lines": [{"code": "97112", "minutes": 40, "units": 3, "modifiers": ["GP"]}]})
    missing = {f.basis.rsplit(".", 1)[-1] for f in r.findings if f.rule == "documentation.missing-element"}
    assert {"technique", "deficit", "one-on-one", "cueing", "minutes"} <= missing


def test_the_issue_examples_are_read(shipped):
    note = ("NMR 24' 1:1. Pt s/p L CVA w/ impaired reactive balance. Wt shifting on foam + perturbations, min A for "
            "2 LOB, recovered 7/10 perturbations. Mini-BESTest 18/28 (was 15/28). Total timed code treatment minutes: "
            "38. STG: amb community w/o LOB.")
    r = shipped.check({"payer": "medicare", "date": "2026-03-02", "note": note,
                       "lines": [{"code": "97112", "minutes": 24}]})
    assert not [f for f in r.findings if f.rule == "documentation.missing-element"]


def test_the_time_a_note_takes_grows_linearly(shipped):
    unit = "Pt w/ no LOB, VC for posture, min A, Berg 44/56 (was 40/56). Will add perturbations next visit; "
    lines = [{"code": c, "minutes": 23} for c in ("97112", "97110", "97140", "97530")]

    def seconds(note: str) -> float:
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            shipped.check({"payer": "medicare", "date": "2026-03-02", "note": note, "lines": lines})
            best = min(best, time.perf_counter() - started)
        return best

    small, large = seconds(unit * 50), seconds((unit * 2000)[:MAX_NOTE_CHARS])  # ~5,000 and 50,000 characters
    assert large < 40 * small and large < 10  # linear: about 10 times (quadratic would be about 100)


@pytest.mark.parametrize("build", [
    lambda n: ("A: Pt tol. Aim: walk.\nResponse: ok; STG: x. " * n)[:n],  # every sentence a section
    lambda n: ". " + " " * (n - 3) + "a",  # one blank run after a sentence end, then a heading that never comes
    lambda n: "\n" + "\t" * (n - 3) + "a",
    lambda n: "Pt tolerated." + " " * (n - 13),  # trailing blanks: no word after the run (was quadratic: seconds)
    lambda n: "Berg 44/56 " + "(*)" * (n // 3),
    lambda n: "STG:" + " " * (n - 6) + "no",  # a field label, a blank run, a word (the empty-field reading)
    lambda n: "Cues: [ ]" + " " * (n - 11) + "no",  # an unticked box then a blank run
    lambda n: "Cues: " + " " * (n - 16) + "[x] none",  # a ticked "none" far from its label
    lambda n: ("a: [ ] b. " * (n // 10))[:n - 3] + "[x]",  # a line of unticked fields, a ticked box at its end
    lambda n: ("Cues: [ ] verbal | " * (n // 19))[:n],  # fields of unticked boxes between separators
])
def test_a_note_is_read_in_linear_time(build):
    def seconds(note: str) -> float:
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            PreparedNote(note)
            best = min(best, time.perf_counter() - started)
        return best

    PreparedNote("warm the lexicon")
    small, large = seconds(build(MAX_NOTE_CHARS // 10)), seconds(build(MAX_NOTE_CHARS))
    assert large < 40 * small and large < 10  # linear: about 10 times (quadratic would be about 100)


# -- the corpus ---------------------------------------------------------------------------------------------


def test_the_corpus_is_large_enough_and_every_element_is_labelled(shipped):
    notes = load_corpus(CORPUS)
    assert len(notes) >= 150
    assert sum(n.code == "97112" for n in notes) >= 60
    ids = [n.id for n in notes + load_corpus(HELDOUT)]
    assert len(ids) == len(set(ids))
    facts = {}
    for n in notes + load_corpus(HELDOUT):
        if n.code not in facts:
            from kb.check.engine import checker_for

            ctx = checker_for(shipped).contexts.get("medicare", __import__("datetime").date(2026, 3, 2), None)
            facts[n.code] = {e.id for e in ctx.code(n.code).docs}
        assert not n.present & n.absent, n.id
        assert n.present | n.absent == facts[n.code], n.id
    styles = {n.style for n in notes}
    assert {"prose", "soap", "shorthand", "template"} <= styles
    traps = {t for n in notes for t in n.traps}
    assert {"negation", "hypothetical", "near-miss", "shorthand", "denial-story"} <= traps


# Every set the matcher was tuned on stays at or above the goal (corpus/README.md says which tuning used which set:
# heldout in the second, heldout2 in the third, heldout3 in the fourth, heldout4 in the fifth). heldout5, the blind
# set, is measured by benchmarks/bench_docs.py only: a floor here would invite tuning on it.
@pytest.mark.parametrize("folder", [CORPUS, HELDOUT, HELDOUT2, HELDOUT3, HELDOUT4], ids=lambda f: f.name)
def test_precision_and_recall_on_every_tuned_set(shipped, folder):
    s = evaluate(shipped, load_corpus(folder))
    assert s.overall.precision >= 0.95 and s.overall.recall >= 0.95, s.errors[:5]


# The third tuning (corpus/README.md): classes taken from heldout2's errors, tried here on wordings no corpus note uses.
@pytest.mark.parametrize(("element", "note"), [
    ("objective-measure", "Trunk sway error 4 degrees on the laser target."),
    ("objective-measure", "Stood on foam without UE support in 4/6 trials."),
    ("deficit", "Static balance ↓, coord ↓ R LE."),
    ("response", "She tried really hard and stayed on task."),
    ("response", "Toddler was fussy, calmed with a song."),
    ("response", "Muscle tension eased after the stretch."),
])
def test_third_tuning_classes_cover_unseen_phrasings(shipped, element, note):
    assert element not in _missing(shipped, "97112", f"NMR 23 min one-on-one. {note}")


@pytest.mark.parametrize(("element", "note"), [
    ("objective-measure", "BP 150/90 seated, 138/84 standing."),
    ("objective-measure", "Tandem stance 3 x 30 s, SLS 4 x 20 s."),
    ("objective-measure", "Neck pain 5/10 today, was 7/10 last visit."),
    ("measure-change", "Neck pain 5/10 today, was 7/10 last visit."),
    ("measure-change", "Session was 1:1 in the gym."),
    ("cueing", "No cueing or\nguarding needed."),  # a wrapped line: the denial reads on
    ("cueing", "Family education: handout given."),
    ("response", "Pt response:\nPlan: same next week."),  # an empty field states nothing
])
def test_third_tuning_near_misses_stay_missing(shipped, element, note):
    assert element in _missing(shipped, "97112", f"NMR 23 min one-on-one. {note}")


def test_boxes_clock_times_and_individual_sessions():
    k = kb.load()
    assert "one-on-one" in _missing(k, "97112", "NMR 20 min. [ ] 1:1  [x] group")
    assert "one-on-one" not in _missing(k, "97112", "NMR 20 min. [x] 1:1  [ ] group")
    assert "one-on-one" not in _missing(k, "97112", "NMR 20 min as an individual session after class.")
    assert "minutes" not in _missing(k, "97110", "Ther ex. Time in/out 0905/0932.")
    assert "minutes" not in _missing(k, "97110", "Ther ex. In: 9:05  Out: 9:32")
    assert "intervention" in _missing(k, "97032", "IFC to the low back, 15 min.")
    assert "intervention" not in _missing(k, "97032", "IFC to the low back, 80-150 Hz sweep, 15 min.")



def test_overlapping_exclusions_each_count():
    # "8 sec x 8" and "x 8 sec" overlap: each exclusion covers one "8 sec", whatever order they are listed in
    excludes = [r"\b\d+\s*sec\s*x\s*\d+", r"\bx\s*\d+\s*sec\b"]
    for order in (excludes, excludes[::-1]):
        assert not found(r"\d+\s*sec\b", "8 sec x 8 sec", exclude=order)
    assert found(r"\d+\s*sec\b", "8 sec x 8 sec, then 12 sec", exclude=excludes)



# The fourth tuning (corpus/README.md): classes taken from heldout3's errors, tried on wordings no corpus note uses.
@pytest.mark.parametrize(("code", "element", "note"), [
    ("97112", "one-on-one", "Treatment type: [x] Individual [ ] Group"),
    ("97112", "measure-change", "TUG 14.1 s (3 Feb 17.5 s)."),
    ("97112", "response", "Kids had fun and stayed engaged throughout the circuit."),
    ("97112", "response", "No increase in numbness after the session."),
    ("97112", "cueing", "CGA/HHA for the first laps."),  # shorthand joined by a slash: each part is read
    ("97112", "cueing", "Perturbations delivered at progressively larger amplitude."),
    ("97112", "minutes", "NMR 1 hr with the PT."),
    ("97112", "minutes", 'S: "I\'ll fall one day." O: Balance tasks x 12 min.'),  # the quote ends its sentence
    ("97112", "deficit", "Proprioceptive loss at both ankles."),
    ("97112", "technique", "Coordination drills: ladder stepping patterns, clap-and-step sequence."),
    ("97112", "technique", "EMG biofeedback for quad timing."),
    ("97140", "plan-goal", "Joint mobs R ankle gr III 10 min. Continue per care plan."),
    ("97530", "intervention", "Ther act 20 min: plyometric box jumps and carioca."),
    ("97530", "intervention", "Fine motor: buttoning and zipping practice 15 min."),
    ("97535", "intervention", "Energy conservation training for laundry, 20 min."),
    ("97035", "skilled-input", "US 1 MHz 1.2 W/cm2 8 min; intensity turned down to 0.8 W/cm2 for ache."),
    ("97032", "minutes", "FES during gait 18', 35 Hz."),
    ("97112", "objective-measure", "Romberg (+) today."),
    ("97112", "objective-measure", "Romberg: EO 30 s, EC 12 s."),
    ("97112", "one-on-one", "Individual: Y"),
    ("97112", "measure-change", "TUG 12.4 s; 15.8 s on 10/14."),  # a value with an earlier date
    ("97112", "measure-change", "Berg 44/56, up 4 points."),
    ("97140", "plan-goal", "Cont. plan."),
    ("97760", "intervention", "AFO donned and checked for fit."),
])
def test_fourth_tuning_classes_cover_unseen_phrasings(shipped, code, element, note):
    assert element not in _missing(shipped, code, note)


@pytest.mark.parametrize(("code", "element", "note"), [
    ("97112", "measure-change", "SLS R 6 s vs L 21 s."),  # a side-to-side comparison
    ("97112", "measure-change", "Anterior reach 55 cm R vs 64 cm L."),
    ("97112", "measure-change", "Less guarding of the L arm than last week."),  # a finding, not a measure
    ("97112", "measure-change", "Pt reports no change in dizziness since last visit."),
    ("97112", "objective-measure", "Re-eval due 2/14."),  # a date
    ("97112", "objective-measure", "11/30  97112  Tandem walk   3 laps"),  # a flowsheet's date column
    ("97112", "objective-measure", "Goal: SLS 15 s on R."),  # a goal's target, not a result
    ("97112", "objective-measure", "Sharpened Romberg practised on foam."),  # a test's position used as training
    ("97112", "minutes", "Gaze stabilization 4 x 1 min each direction."),  # a dose
    ("97112", "minutes", "Dizziness resolved within 3 min."),
    ("97112", "cueing", "Cues: [ ] verbal [ ] tactile [x] none required"),
    ("97112", "cueing", "PNF D2 flexion patterns."),  # the technique's name, not facilitation given
    ("97112", "response", "Session focused on reassessment."),
    ("97112", "technique", "Obstacle course and ball games."),
    ("97112", "technique", "Balance test: semi-tandem 10 s, tandem unable."),
    ("97760", "skilled-input", "[x] fit check | Education: [ ] wear schedule [ ] skin care | Resp: ____"),
    ("97760", "response", "[x] fit check | Pt response: ____ | Goals: per POC"),
    ("97535", "intervention", "Home safety evaluation. Shower chair ordered."),
    ("97535", "intervention", "Bathing training to begin after discharge of the drain."),
    ("97140", "plan-goal", "Technique: see treatment plan."),
    ("97112", "minutes", "Pt had an HR of 110 after the task."),  # heart rate, not hours
    ("97760", "minutes", "Wear splint 1 hr on, 1 hr off."),  # a wear schedule
    ("97530", "intervention", "Pt reports skipping HEP."),
    ("97112", "measure-change", "SLS L 8 s compared to R 20 s."),
    ("97112", "objective-measure", "DOS 11/18 | 97112"),
])
def test_fourth_tuning_near_misses_stay_missing(shipped, code, element, note):
    assert element in _missing(shipped, code, note)



# The fifth tuning (corpus/README.md): broad classes (the patient as the subject of a reaction, an evaluative
# exclamation, an observation field; clock times in two fields), tried on wordings no corpus note uses.
@pytest.mark.parametrize(("code", "element", "note"), [
    ("97112", "response", "Tandem walk on foam 15 min 1:1. He grimaced on the turns."),
    ("97112", "response", "Rocker board 15 min 1:1. Nailed the last set!"),
    ("97112", "response", "Rocker board 15 min 1:1.\nComments: hesitant stepping onto the foam"),
    ("97116", "response", "Gait trng with SPC 150 ft, 10 min.\nDeviations: trendelenburg L"),
    ("97112", "response", "Perturbations 15 min 1:1. Pt okay."),
    ("97112", "minutes", "Foam stance, pert trng.\nArrived 10:05\nLeft 10:34"),
    ("97112", "minutes", "Foam stance, pert trng 9-9:25."),
    ("97110", "minutes", "Bridges 3x10, clams 2x15.\nMins: 16"),
    ("97112", "one-on-one", "Foam stance 20 min, one-to-one."),
    ("97112", "one-on-one", "Foam stance 20 min, 1-2-1."),
    ("97112", "measure-change", "FGA 20/30 (4 wks ago 16/30)."),
    ("97112", "measure-change", "TUG 11.2 s <- 14.0 s."),
    ("97112", "cueing", "Foam stance 20 min, close guard at the belt."),
    ("97112", "deficit", "Decreased pelvic control on the L in stance."),
    ("97112", "deficit", "Family reports falls at home most weeks."),
    ("97140", "intervention", "Scar massage to the volar forearm, 8 min."),
    ("97535", "intervention", "Timed voiding and urge suppression training, 20 min."),
    ("97112", "objective-measure", "Functional reach 9 in today."),
])
def test_fifth_tuning_classes_cover_unseen_phrasings(shipped, code, element, note):
    assert element not in _missing(shipped, code, note)


@pytest.mark.parametrize(("code", "element", "note"), [
    ("97110", "response", "Bridges 3x10, 15 min. Keep the band at home!"),  # an instruction, not an evaluation
    ("97112", "minutes", "Foam stance, pert trng. Appt 9:30, next appt Thurs 10:00."),  # appointment times
    ("97112", "minutes", "Gaze stab x1 viewing, 2 min bouts."),  # a dose
    ("97112", "minutes", "Pt arrived 15 minutes late; foam stance, pert trng."),
    ("97112", "measure-change", "Dizziness 3/10 -> 5/10 after VOR."),  # a symptom rating, not a measure
    ("97112", "measure-change", "Two falls in the last month. No change to the program."),
    ("97112", "objective-measure", "Mini-BESTest re-test scheduled 1/12."),  # planned
    ("97112", "cueing", "Dec guarding of the R ankle when landing."),  # the patient's guarding
    ("97112", "one-on-one", "NMR 4:1 group, pts rotate stations."),
    ("97112", "objective-measure", "Activities: functional reach, step-ups, march in place."),  # an exercise
])
def test_fifth_tuning_near_misses_stay_missing(shipped, code, element, note):
    assert element in _missing(shipped, code, note)

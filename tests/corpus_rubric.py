"""The labelling vocabulary of the held-out note sets (corpus/heldoutN/), stated once for their structure tests.

These are the element ids each set's writer labelled against (corpus/README.md, "The rubric"), deliberately not read
from policies/documentation.yaml: the structure tests must not depend on what the matcher is given.
"""

from __future__ import annotations

CHECKLIST_97112 = ("technique", "deficit", "diagnosis", "objective-measure", "measure-change", "minutes",
                   "one-on-one", "response", "cueing", "plan-goal")
CHECKLIST_OTHER = ("intervention", "minutes", "skilled-input", "response", "plan-goal")
OTHER_CODES = frozenset({"97110", "97140", "97530", "97116", "97535", "97032", "97035", "97760"})
STYLES = frozenset({"prose", "soap", "shorthand", "template"})
TRAPS = frozenset({"negation", "hypothetical", "near-miss", "shorthand", "template", "group"})
NOTE_KEYS = frozenset({"id", "style", "traps", "text", "present", "absent"})

"""How many units of a timed code need the assistant modifier (CQ/CO), counted unit by unit.

CMS applies the de minimis standard to each 15-minute unit, not to the whole line: a line of several units can hold
units furnished by the therapist and units furnished in part by the assistant (CMS's "Billing Examples Using CQ/CO
Modifiers"; CY 2020 and CY 2022 PFS final rules). The counting, in CMS's order:

1. each whole 15-minute block one of them furnished alone is that person's unit (the therapist's first, should the
   code have fewer units than blocks);
2. the unit(s) left are made of the remaining minutes: they need the modifier when the assistant's remaining
   minutes are more than the de minimis share (10 %) of them, except that two units left where each furnished 9
   to 14 of the remaining minutes are billed one with the modifier and one without (the CY 2022 rule);
3. no unit needs the modifier when the assistant's minutes are within the de minimis share of the whole service.

Pure functions; the check is in kb/check/checks/modifiers.py.
"""

from __future__ import annotations

UNIT = 15


def assistant_units(units: int, minutes: int, assistant: int, de_minimis_percent: float) -> int:
    """Of a timed code's `units` (already counted from its `minutes`), how many need the assistant modifier when
    the assistant furnished `assistant` of the minutes separately from the therapist."""
    assistant = max(0, min(assistant, minutes))
    if units <= 0 or assistant == 0 or assistant * 100 <= de_minimis_percent * minutes:
        return 0
    therapist = minutes - assistant
    own = min(therapist // UNIT, units)  # the therapist's whole blocks: no modifier
    helper = min(assistant // UNIT, units - own)  # the assistant's whole blocks: modifier
    left = units - own - helper
    ra, rt = assistant - UNIT * (assistant // UNIT), therapist - UNIT * (therapist // UNIT)
    if left <= 0:
        return helper
    if left == 2 and 9 <= ra <= 14 and 9 <= rt <= 14:
        return helper + 1  # the CY 2022 rule: one unit with the modifier, one without
    # the remaining unit(s) hold both people's remaining minutes: the de minimis test on those minutes
    return helper + (left if ra * 100 > de_minimis_percent * (ra + rt) else 0)

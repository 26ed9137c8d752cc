"""Values handed over by dataframes (numpy and Arrow scalars, NaN for an empty cell) are accepted (issue 11)."""

from __future__ import annotations

import pytest

import kb

np = pytest.importorskip("numpy")
pa = pytest.importorskip("pyarrow")


def visit(**line):
    return {"payer": "medicare", "date": "2026-03-02", "plan_of_care": "PT",
            "lines": [{"code": "97112", "modifiers": ["GP"], **line}]}


def test_numpy_values_are_plain_numbers(mini):
    plain = mini.check(visit(minutes=20, units=1))
    assert mini.check(visit(minutes=np.int64(20), units=np.int32(1))) == plain
    assert mini.check(visit(minutes=np.float64(20.0), units=np.int64(1))) == plain
    assert mini.check({**visit(minutes=20), "ytd_allowed": np.float64(1200.5), "claim_id": np.int64(7)}).claim_id == "7"


def test_nan_and_nulls_are_empty_cells(mini):
    assert mini.check(visit(minutes=20, units=float("nan"))) == mini.check(visit(minutes=20))
    assert mini.check(visit(minutes=20, units=np.float64("nan"))) == mini.check(visit(minutes=20))
    assert mini.check(visit(minutes=20, units=pa.scalar(None, pa.int64()))) == mini.check(visit(minutes=20))
    with pytest.raises(kb.InputError, match="minutes are needed"):
        mini.check(visit(minutes=float("nan")))  # a timed code with no minutes is still refused, by name


def test_arrow_scalars_are_plain_values(mini):
    import datetime

    r = mini.check({"payer": "medicare", "date": pa.scalar(datetime.date(2026, 3, 2)), "plan_of_care": "PT",
                    "lines": [{"code": "97112", "minutes": pa.scalar(20, pa.int16()), "units": pa.scalar(1),
                               "modifiers": ["GP"]}]})
    assert r == mini.check(visit(minutes=20, units=1))


def test_numpy_values_that_are_not_whole_are_still_refused(mini):
    with pytest.raises(kb.InputError, match="whole number"):
        mini.check(visit(minutes=np.float64(20.5)))
    with pytest.raises(kb.InputError, match="negative"):
        mini.check(visit(minutes=np.int64(-3)))

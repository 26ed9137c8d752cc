"""Plain values out of what callers hand the checker: dataframe scalars, dates, and values shown in messages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from kb.problems import InputError


def show(value: Any) -> str:
    """A value for a message: short, and never a conversion that can fail (a 5,000-digit number, a surrogate)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return f"a number of {value.bit_length() * 30103 // 100000 + 1} digits or so"
    text = ascii(value) if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def scalar(value: Any) -> Any:
    """A numpy or Arrow scalar (what a dataframe hands over) as the plain Python value it holds; a missing
    value (NaN, pandas' NA, an Arrow null) as None."""
    module = type(value).__module__
    if module.startswith("numpy"):
        value = value.item()  # numpy.int64(20) -> 20, numpy.float64(nan) -> nan
    elif module.startswith("pyarrow"):
        value = value.as_py()  # an Arrow null -> None
    elif module.startswith("pandas") and type(value).__name__ in ("NAType", "NaTType"):
        return None
    if isinstance(value, float) and value != value:  # NaN: how dataframes write an empty number cell
        return None
    return value


def parse_day(value: Any, field: str, what: str = "a date") -> date | None:
    """A calendar day from a date, a datetime or YYYY-MM-DD text (dataframe scalars too); None when empty."""
    value = scalar(value)
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value.strip()) == 10:  # fromisoformat alone also takes 20260302 and weeks
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InputError(f"{show(value)} is not {what} (write YYYY-MM-DD, e.g. 2026-03-02)", field)

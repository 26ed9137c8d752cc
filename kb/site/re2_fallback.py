"""`re2` for the browser, where google-re2 (a C++ extension) cannot be installed: the same calls on Python's `re`.

Only the visit check's archive carries this file, as `re2.py` (kb/site/visitcheck.py). kb/check/notes.py compiles
the documentation patterns with RE2 for its linear-time guarantee; every pattern in the policies is checked to be
RE2 syntax when the policies are validated, and RE2 syntax means the same to `re` for what the patterns use. The
page never sends a note (whose text the patterns would search), so in the browser the patterns are compiled only.
"""

from __future__ import annotations

import re
from typing import Any

error = re.error


class Options:
    """RE2's options object; the attributes set on it (e.g. log_errors) have no meaning for `re`."""

    log_errors: bool = True


def compile(pattern: Any, options: Options | None = None) -> re.Pattern[Any]:
    """The pattern compiled by `re` (bytes or text, as given)."""
    return re.compile(pattern)

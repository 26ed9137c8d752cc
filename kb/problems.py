"""Problems found in policy files, and the exceptions the package raises."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


def one_line(text: str) -> str:
    """Text safe to print as part of one line: control and invisible characters written as escapes (\\n, \\u202e),
    so a problem is always one line and hostile text cannot rewrite the terminal or reorder what is shown."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(c if c.isprintable() and unicodedata.category(c) not in ("Cf", "Co", "Cn", "Cs")
                   else ascii(c)[1:-1] for c in text)


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one place of one policy file."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{one_line(self.file)}:{self.line}:{self.column}"
        return f"{where}: {one_line(self.path) or '(file)'}: {one_line(self.message)}"


class KBError(Exception):
    """Base class of every error this package raises on purpose."""


class PolicyError(KBError):
    """The policy files have problems; `.problems` lists every one found, in file order."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the policy files"
        super().__init__(head + ":\n" + "\n".join(str(p) for p in self.problems))


class DataError(KBError):
    """A bulk data file (a CMS NCCI table) has problems; `.problems` lists every one."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the data files:\n"
                         + "\n".join(str(p) for p in self.problems))


class QueryError(KBError, LookupError):
    """A query named something the knowledge base does not hold (an unknown payer or code)."""


class InputError(KBError, ValueError):
    """Input to a query or check is malformed; `.field` names the offending field."""

    def __init__(self, message: str, field: str | None = None):
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)

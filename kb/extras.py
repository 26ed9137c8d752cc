"""Optional parts of the package and the extra that installs each: a missing one is a clear error naming it.

The core (`pip install payer-policy-kb`: the API, the checker, the `kb` command) needs only PyYAML, jsonschema and
networkx. The site, X12, FHIR, MCP, Arrow and Spark parts need more, installed with `pip install
'payer-policy-kb[site]'` (or `[x12]`, `[fhir]`, `[mcp]`, `[arrow]`, `[spark]`; `[dev]` is all of them plus the test
tools).
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from kb.problems import KBError

# extra -> the modules it provides (the first is the one looked for)
EXTRAS: dict[str, tuple[str, ...]] = {
    "site": ("mkdocs", "material"),
    "x12": ("pyx12",),
    "fhir": ("fhir.resources",),
    "mcp": ("mcp",),
    "arrow": ("pyarrow",),
    "spark": ("pyspark", "pyarrow"),
}


class MissingExtra(KBError):
    """An optional part of the package is used but its extra is not installed."""

    def __init__(self, extra: str, what: str, module: str):
        self.extra = extra
        self.module = module
        super().__init__(f"{what} needs the optional '{extra}' dependencies (module {module} is not installed): "
                         f"pip install 'payer-policy-kb[{extra}]'")


def installed(extra: str) -> bool:
    """Whether every module of an extra can be imported (without importing it)."""
    return all(_found(m) for m in EXTRAS[extra])


def require(extra: str, what: str) -> None:
    """Raise MissingExtra naming the extra when one of its modules is missing."""
    for module in EXTRAS[extra]:
        if not _found(module):
            raise MissingExtra(extra, what, module)


def load(extra: str, module: str, what: str) -> ModuleType:
    """Import a module an extra provides, or raise MissingExtra naming the extra."""
    require(extra, what)
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise MissingExtra(extra, what, err.name or module) from None


def _found(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package is missing
        return False

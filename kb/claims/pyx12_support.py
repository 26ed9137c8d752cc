"""pyx12 behind one door: the optional-extra check, quiet logging, and its validation errors with positions."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Any

EXTRA = "x12"
MAX_X12_BYTES = 50_000_000  # pyx12 validates at a few hundred lines a second: bound the time


def require_pyx12() -> Any:
    """Import pyx12, or raise MissingExtra naming the extra to install (kb/extras.py)."""
    from kb.extras import load

    load(EXTRA, "pyx12", "reading X12")
    load(EXTRA, "pyx12.x12context", "reading X12")  # also imports pyx12.error_handler and pyx12.params
    import pyx12.error_handler
    import pyx12.params
    import pyx12.x12context
    logging.getLogger("pyx12").setLevel(logging.CRITICAL)  # its problems are reported through the error tree
    return pyx12


@dataclass(frozen=True)
class X12Problem:
    """One X12 syntax or implementation-guide problem, at its segment position (1 = the ISA segment)."""

    position: int
    segment: str
    message: str
    code: str = ""

    def __str__(self) -> str:
        return f"X12 segment {self.position} ({self.segment}): {self.message}"


def x12_problems(errh: Any) -> list[X12Problem]:
    """Every problem in a pyx12 error tree (envelope, segment and element errors), in file order."""
    import pyx12.error_visitor

    found: list[X12Problem] = []

    class Collect(pyx12.error_visitor.error_visitor):  # type: ignore[misc]
        def __init__(self) -> None:
            self._seg: Any = None

        def visit_isa_post(self, node: Any) -> None:
            found.extend(X12Problem(node.get_cur_line(), "ISA/IEA", s, c) for c, s in node.errors)

        def visit_gs_post(self, node: Any) -> None:
            found.extend(X12Problem(node.get_cur_line(), "GS/GE", s, c) for c, s in node.errors)

        def visit_st_post(self, node: Any) -> None:
            found.extend(X12Problem(node.get_cur_line(), "ST/SE", s, c) for c, s in node.errors)

        def visit_seg(self, node: Any) -> None:
            self._seg = node
            found.extend(X12Problem(node.get_cur_line(), node.seg_id, _with_value(s, v), c)
                         for c, s, v in node.errors)

        def visit_ele(self, node: Any) -> None:
            seg = self._seg
            where = f"{seg.seg_id}{node.ele_pos:02d}" + (f"-{node.subele_pos}" if node.subele_pos else "")
            found.extend(X12Problem(seg.get_cur_line(), where, _with_value(s, v), c) for c, s, v in node.errors)

    errh.accept(Collect())
    return sorted(found, key=lambda p: p.position)


def _with_value(message: str, value: Any) -> str:
    return message if not value or str(value) in message else f"{message} ({value!r})"


def validate_x12(text: str) -> list[X12Problem]:
    """Validate a whole X12 document with pyx12's own validator (x12n_document); every problem found."""
    require_pyx12()
    import pyx12.params
    import pyx12.x12n_document

    param = pyx12.params.params()
    errh_json = io.StringIO()
    pyx12.x12n_document.x12n_document(param, io.StringIO(text), None, None, None, errh_json)
    import json

    out: list[X12Problem] = []
    doc = json.loads(errh_json.getvalue() or '{"interchanges": []}')

    def walk(node: dict[str, Any], label: str) -> None:
        for err in node.get("errors", []):
            out.append(X12Problem(node.get("cur_line", 0), label, err.get("err_str", ""), err.get("err_cde", "")))
        for seg in node.get("segments", []):
            for err in seg.get("errors", []):
                out.append(X12Problem(seg["cur_line"], seg["seg_id"], err["err_str"], err["err_cde"]))
            for ele in seg.get("elements", []):
                for err in ele.get("errors", []):
                    out.append(X12Problem(seg["cur_line"], f"{seg['seg_id']}{ele['ele_pos']:02d}", err["err_str"],
                                          err["err_cde"]))
        for key, child_label in (("groups", "GS/GE"), ("transactions", "ST/SE")):
            for child in node.get(key, []):
                walk(child, child_label)

    for isa in doc.get("interchanges", []):
        walk(isa, "ISA/IEA")
    return sorted(out, key=lambda p: p.position)

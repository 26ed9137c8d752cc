"""payer-policy-kb: US outpatient-therapy billing rules as sourced, effective-dated data.

    import kb
    k = kb.load()
    p = k.payer("medicare")
    p.units({"97112": 24, "97110": 23})   # {'97112': 2, '97110': 1}
"""

from __future__ import annotations

__version__ = "0.1.0"

from kb.problems import InputError, KBError, PolicyError, Problem, QueryError

__all__ = ["InputError", "KBError", "PolicyError", "Problem", "QueryError", "__version__"]

from kb.knowledge import KnowledgeBase, load
from kb.payer import PayerView

__all__ += ["KnowledgeBase", "PayerView", "load"]

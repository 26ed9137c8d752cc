"""The knowledge base: the compiled model, its graph, and the indexes queries use."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb import artifact
from kb.catalogue import Catalogue
from kb.mue import MueTable
from kb.packing import unpack
from kb.paths import shipped_policies
from kb.payer import PayerRules, PayerView
from kb.problems import InputError, KBError, QueryError
from kb.ptp import PtpTable

if TYPE_CHECKING:
    import networkx as nx

    from kb.remit.codes import Prediction, RemittanceTable


class KnowledgeBase:
    """Every payer's resolved rules, the catalogues, and the graph they form."""

    def __init__(self, model: dict[str, Any], origin: str = "compiled"):
        self.model = model
        self.origin = origin  # 'artifact' when read from a fresh artifact, else 'compiled'
        self.catalogue = Catalogue(model)
        # the model's source dicts stay alive with it, so their ids key one shared Source each
        sources: dict[int, Any] = {}
        self._payers = {pid: PayerRules(pid, data, sources) for pid, data in model["payers"].items()}

    def __repr__(self) -> str:
        return f"<KnowledgeBase {len(self._payers)} payers, {len(self.model['codes'])} codes, {self.content_hash[:19]}>"

    @property
    def content_hash(self) -> str:
        """sha256 of the compiled content: equal hashes mean equal knowledge."""
        return self.model["content_hash"]

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        """The knowledge base as a networkx.MultiDiGraph (built on first use)."""
        from kb.graph import build_graph  # networkx is imported only when the graph is used

        return build_graph(self.model)

    def payers(self) -> list[str]:
        """Payer ids, sorted."""
        return sorted(self._payers)

    def payer(self, payer_id: str, as_of: date | None = None, state: str | None = None) -> PayerView:
        """One payer's rules on a date of service (default: today), optionally for a visit in one state."""
        rules = self._payers.get(payer_id)
        if rules is None:
            raise QueryError(f"unknown payer {payer_id!r}; known payers: {', '.join(self.payers())}")
        if as_of is None:
            as_of = date.today()
        if not isinstance(as_of, date):
            raise InputError(f"as_of must be a datetime.date, not {as_of!r}", "as_of")
        if state is not None and (not isinstance(state, str) or len(state) != 2 or not state.isupper()):
            raise InputError(f"state must be a two-letter code such as 'OH', not {state!r}", "state")
        return PayerView(self.catalogue, rules, as_of, state)

    def payer_rules(self, payer_id: str) -> PayerRules | None:
        """A payer's resolved rules over every period (None for an unknown payer)."""
        return self._payers.get(payer_id)

    def codes(self) -> list[str]:
        """Every code in the catalogue."""
        return list(self.model["codes"])

    def modifiers(self) -> list[str]:
        """Every modifier in the catalogue."""
        return list(self.model["modifiers"])

    def catalogue_code(self, code: str) -> dict[str, Any]:
        """The catalogue entry of a code; QueryError when unknown."""
        return self.catalogue.code(code)

    def catalogue_modifier(self, modifier: str) -> dict[str, Any]:
        """The catalogue entry of a modifier; QueryError when unknown."""
        return self.catalogue.modifier(modifier)

    def check(self, visit: Any) -> Any:
        """Check one visit (a dict, or YAML/JSON text): units per line and every finding, with sources."""
        from kb.check import check_visit  # the claim checker builds on everything above

        return check_visit(self, visit)

    def check_many(self, visits: Any, workers: int | None = None) -> Any:
        """Check visits as they come (an iterable, a visits file, or an X12 837 / FHIR Claim file or
        `kb.claims.ClaimSource`), yielding a result or an error per visit, in input order. `workers`: processes to
        use (None: every core once the batch is long; 1: this process)."""
        from kb.check import check_many

        return check_many(self, visits, workers=workers)

    @cached_property
    def remittance_table(self) -> RemittanceTable:
        """Predicted remittance codes per finding id and payer (policies/remittance.yaml)."""
        from kb.remit.codes import RemittanceTable

        return RemittanceTable.from_model(self.model)

    def remittance(self, finding: str, payer: str) -> Prediction | None:
        """The group code, CARC and RARCs a payer is expected to send for a finding (with sources), or None when
        the knowledge base has no entry for the finding. QueryError for an unknown payer."""
        if payer not in self._payers:
            raise QueryError(f"unknown payer {payer!r}; known payers: {', '.join(self.payers())}")
        return self.remittance_table.predict(finding, payer)

    def explain_remittance(self, era: Any, claims: Any = None, payer_map: Any = None,
                           payer: str | None = None) -> Any:
        """Explain an 835 remittance (a path or the X12 text): for every adjusted or denied service line, the
        rules whose predicted codes match what the payer sent, with fix and sources; `claims` (an 837 path or
        ClaimSource) lets the explanation re-check the claimed visit; `payer_map`/`payer` map the 835's payer.
        Returns a kb.remit.explain.RemitExplanation (print it, or .to_dict()). See kb/remit/explain.py."""
        from kb.remit.explain import explain_remittance

        return explain_remittance(self, era, claims=claims, payer_map=payer_map, payer=payer)

    def attach_table(self, table: PtpTable | MueTable) -> None:
        """Give a payer a bulk table (CMS's quarterly PTP file or an MUE snapshot).

        The payer's authored rules still win for the same pair or code; payers that extend it see
        the table too, unless they have one of their own.
        """
        owner = table.meta.payer
        if owner not in self._payers:
            raise QueryError(f"unknown payer {owner!r}; known payers: {', '.join(self.payers())}")
        for rules in self._payers.values():
            if owner not in rules.data["lineage"]:
                continue
            if isinstance(table, PtpTable):
                if rules.id == owner or rules.bulk_ptp is None or rules.bulk_ptp.meta.payer != rules.id:
                    rules.bulk_ptp = table
            elif rules.id == owner or not any(t.meta.payer == rules.id for t in rules.bulk_mue):
                rules.bulk_mue = sorted([*rules.bulk_mue, table], key=lambda t: t.effective_from)

    def attach_tables(self, paths: Iterable[str | Path]) -> None:
        """Attach bulk tables written by `kb ncci ptp` (.ptp) or `kb ncci mue` (.mue.json)."""
        for path in map(Path, paths):
            if not path.is_file():
                raise KBError(f"no table file at {path}")
            if path.name.endswith(".mue.json"):
                self.attach_table(MueTable.load(path))
            elif path.suffix == ".ptp":
                self.attach_table(PtpTable.load(path))
            else:
                raise KBError(f"{path}: not a table file (expected .ptp or .mue.json)")


def load(
    path: str | Path | None = None,
    *,
    artifact_path: str | Path | None = None,
    tables: Iterable[str | Path] = (),
) -> KnowledgeBase:
    """Load a knowledge base.

    `path` is a policy folder (default: the one that ships with the package; in a checkout,
    policies/) or a compiled artifact (.json). A folder's artifact (build/kb.json beside it, or
    `artifact_path`) is used when it was compiled from exactly the files now on disk; otherwise the
    folder is compiled in memory. `tables` are bulk tables to attach (see `attach_tables`).
    Raises PolicyError listing every problem in the files.
    """
    k = _load(path, artifact_path)
    k.attach_tables(tables)
    return k


def _from_artifact(packed: dict[str, Any], where: Path) -> KnowledgeBase:
    """A knowledge base from a verified artifact (expanded here); a model of the wrong shape is an error, not a
    KeyError."""
    try:
        return KnowledgeBase(unpack(packed), origin="artifact")
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise KBError(f"{where}: not a well-formed compiled knowledge base ({type(exc).__name__}: {exc}): "
                      "compile it again with `kb compile`") from None


def _load(path: str | Path | None, artifact_path: str | Path | None) -> KnowledgeBase:
    root = Path(path) if path is not None else shipped_policies()
    if root.is_file():
        model = artifact.read(root)
        if model is None:
            raise KBError(f"{root}: not a compiled knowledge base (or of another format version)")
        if not artifact.verified(model):
            raise KBError(f"{root}: its content does not match its content hash (edited by hand, or damaged): "
                          "compile it again with `kb compile`")
        return _from_artifact(model, root)
    if not root.is_dir():
        raise KBError(f"no policy folder at {root}")
    target = Path(artifact_path) if artifact_path is not None else artifact.default_artifact(root)
    model = artifact.read(target) if target.is_file() else None
    # A stale, edited or damaged artifact is not used: the policies are compiled again.
    if model is not None and artifact.is_fresh(model, root) and artifact.verified(model):
        return _from_artifact(model, target)
    from kb.compiler import compile_tree  # the schema and lint machinery load only when needed

    return KnowledgeBase(compile_tree(root))

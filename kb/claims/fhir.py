"""FHIR R4B Claim in (fhir.resources, its R4B models): a Claim or a Bundle of Claims mapped to the same `Claim` as
an 837, so the checker and the remittance explainer treat both alike.

Mapping: claim id = the first identifier's value (else the resource id); payer = `insurer` (its identifier value
and display, or the contained Organization it references); per item: `sequence` (line number), `productOrService`
(a CPT or HCPCS coding), `modifier` codings, `quantity` (units; minutes when its UCUM code is `min`),
`servicedDate` (or a one-day `servicedPeriod`), `revenue` (042x/043x/044x: PT/OT/SLP plan of care),
`locationCodeableConcept` (place of service) and the care-team member named by `careTeamSequence` (rendering
NPI); state = the item's `locationAddress` state, else the billing provider's address.

Minutes: the item extension `MINUTES_EXTENSION` (valueInteger, or valueQuantity in minutes), a quantity in
minutes, or the minutes sidecar (which wins). Assistant minutes: `ASSISTANT_MINUTES_EXTENSION`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from kb.claims.model import Claim, ClaimLine, Minutes, PayerMap, with_minutes
from kb.claims.x12 import REVENUE_PLANS
from kb.problems import InputError

EXTRA = "fhir"
MINUTES_EXTENSION = "urn:payer-policy-kb:fhir:StructureDefinition:claim-item-minutes"
ASSISTANT_MINUTES_EXTENSION = "urn:payer-policy-kb:fhir:StructureDefinition:claim-item-assistant-minutes"
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
MAX_FHIR_BYTES = 50_000_000
_CODE = re.compile(r"^([0-9]{4}[0-9A-Z]|[A-Z][0-9]{4})$")
_CPT_HCPCS = ("http://www.ama-assn.org/go/cpt", "urn:oid:2.16.840.1.113883.6.12", "urn:oid:2.16.840.1.113883.6.285",
              "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets")


def _models() -> Any:
    """fhir.resources' R4B Claim models, or MissingExtra naming the extra to install (kb/extras.py)."""
    from kb.extras import load

    return load(EXTRA, "fhir.resources.R4B.claim", "reading FHIR claims")


def read_claims(source: str | Path | dict[str, Any], payers: PayerMap | None = None,
                minutes: Minutes | None = None) -> Iterator[Claim]:
    """The Claims of a FHIR Claim or Bundle (a path, JSON text, or parsed JSON), mapped; a Claim that does not
    validate against R4B comes back with its problems (located by FHIR path)."""
    data = _load(source)
    payers = payers or PayerMap()
    kind = data.get("resourceType") if isinstance(data, dict) else None
    if kind == "Claim":
        resources = [(0, data)]
    elif kind == "Bundle":
        resources = [(i, e.get("resource")) for i, e in enumerate(data.get("entry") or [])
                     if isinstance(e, dict) and isinstance(e.get("resource"), dict)
                     and e["resource"].get("resourceType") == "Claim"]
        if not resources:
            raise InputError("the Bundle holds no Claim resources", "file")
    else:
        raise InputError(f"a FHIR Claim or a Bundle of Claims, not {kind or 'JSON without a resourceType'}", "file")
    for index, resource in resources:
        yield with_minutes(_claim(resource, index, payers), minutes)


def _load(source: str | Path | dict[str, Any]) -> Any:
    if isinstance(source, dict):
        return source
    if isinstance(source, Path):
        try:
            if source.stat().st_size > MAX_FHIR_BYTES:
                raise InputError(f"{source}: more than {MAX_FHIR_BYTES:,} bytes", "file")
            source = source.read_text(encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read {source}: {exc.strerror or exc}", "file") from None
        except UnicodeDecodeError:
            raise InputError(f"{source} is not UTF-8 text", "file") from None
    elif len(source) > MAX_FHIR_BYTES:
        raise InputError(f"the FHIR text has more than {MAX_FHIR_BYTES:,} characters", "file")
    try:
        return json.loads(source)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", "file") from None


def _claim(resource: dict[str, Any], index: int, payers: PayerMap) -> Claim:
    models = _models()
    from pydantic import ValidationError

    fallback_id = _first_identifier(resource) or str(resource.get("id") or f"Claim #{index}")
    try:
        claim = models.Claim.model_validate(resource)
    except ValidationError as exc:
        invalid = tuple(f"FHIR Claim {fallback_id}: {'.'.join(map(str, e['loc']))}: {e['msg']}"
                        for e in exc.errors()[:20])
        return Claim(claim_id=fallback_id, kind="FHIR", lines=(), problems=invalid)
    contained = {f"#{c.id}": c for c in (claim.contained or []) if getattr(c, "id", None)}
    payer_name, payer_id = _party(claim.insurer, contained)
    care_team = {m.sequence: _npi(m.provider, contained) for m in claim.careTeam or []}
    provider = contained.get(claim.provider.reference) if claim.provider and claim.provider.reference else None
    provider_state = _state(getattr(provider, "address", None))
    problems: list[str] = []
    lines = []
    for k, item in enumerate(claim.item or []):
        try:
            lines.append(_line(item, care_team))
        except ValueError as exc:
            problems.append(f"FHIR Claim {fallback_id}: item[{k}] (sequence {item.sequence}): {exc}")
    if not lines and not problems:
        problems.append(f"FHIR Claim {fallback_id}: no items")
    plans = {REVENUE_PLANS.get((ln.revenue_code or "")[:3]) for ln in lines}
    state = next((s for s in (_state([i.locationAddress]) for i in claim.item or [] if i.locationAddress) if s),
                 None) or provider_state
    return Claim(
        claim_id=fallback_id, kind="FHIR", lines=tuple(lines),
        payer=payers.resolve(payer_id, payer_name, None), payer_name=payer_name, payer_id=payer_id,
        rendering=next(iter(care_team.values()), None), billing_npi=_npi(claim.provider, contained),
        state=state, plan_of_care=plans.pop() if len(plans) == 1 and None not in plans else None,
        problems=tuple(problems))


def _line(item: Any, care_team: dict[int, str | None]) -> ClaimLine:
    codes = [c for c in (item.productOrService.coding or []) if c.code and _CODE.match(c.code.strip().upper())]
    preferred = [c for c in codes if (c.system or "") in _CPT_HCPCS] or codes
    if not preferred:
        raise ValueError("productOrService has no CPT or HCPCS coding")
    code = preferred[0].code.strip().upper()
    modifiers = tuple(c.code.strip().upper() for m in item.modifier or [] for c in m.coding or [] if c.code)
    units = minutes = None
    minutes_from = None
    q = item.quantity
    if q is not None and q.value is not None:
        value = float(q.value)
        if not value.is_integer() or value < 0:
            raise ValueError(f"quantity {q.value} is not a whole number")
        if (q.code or q.unit or "").lower() in ("min", "minute", "minutes"):
            minutes, minutes_from = int(value), "quantity"
        else:
            units = int(value)
    for ext in item.extension or []:
        if ext.url == MINUTES_EXTENSION:
            minutes, minutes_from = _ext_minutes(ext), "extension"
    assistant = next((_ext_minutes(e) for e in item.extension or [] if e.url == ASSISTANT_MINUTES_EXTENSION), None)
    day = item.servicedDate
    if day is None and item.servicedPeriod is not None:
        start, end = item.servicedPeriod.start, item.servicedPeriod.end
        start_d, end_d = _as_date(start), _as_date(end) or _as_date(start)
        if start_d != end_d:
            raise ValueError(f"servicedPeriod spans {start} to {end}; a therapy line is one date of service")
        day = start_d
    revenue = next((c.code for c in (item.revenue.coding or []) if c.code), None) if item.revenue else None
    place = None
    if item.locationCodeableConcept is not None:
        place = next((c.code for c in item.locationCodeableConcept.coding or [] if c.code), None)
    team = [care_team.get(s) for s in item.careTeamSequence or []]
    return ClaimLine(
        number=int(item.sequence), code=code, modifiers=modifiers, units=units, minutes=minutes,
        minutes_from=minutes_from, assistant_minutes=assistant, date=_as_date(day), revenue_code=revenue,
        place_of_service=place, rendering=next((t for t in team if t), None),
        charge=float(item.net.value) if item.net is not None and item.net.value is not None else None)


def _ext_minutes(ext: Any) -> int:
    if ext.valueInteger is not None:
        value: Any = ext.valueInteger
    elif ext.valueQuantity is not None and ext.valueQuantity.value is not None:
        value = float(ext.valueQuantity.value)
        unit = (ext.valueQuantity.code or ext.valueQuantity.unit or "min").lower()
        if unit not in ("min", "minute", "minutes"):
            raise ValueError(f"extension {ext.url}: the quantity is in {unit!r}, not minutes (UCUM 'min')")
    else:
        raise ValueError(f"extension {ext.url} needs valueInteger or valueQuantity (minutes)")
    if float(value) < 0 or not float(value).is_integer():
        raise ValueError(f"extension {ext.url}: {value} is not a whole number of minutes")
    return int(value)


def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value if type(value) is date else value.date()  # type: ignore[attr-defined]
    text = str(value)[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a date") from None


def _first_identifier(resource: dict[str, Any]) -> str | None:
    for ident in resource.get("identifier") or []:
        if isinstance(ident, dict) and ident.get("value"):
            return str(ident["value"])
    return None


def _party(ref: Any, contained: dict[str, Any]) -> tuple[str | None, str | None]:
    """(name, id) of a referenced organization: from the contained resource, else the reference itself."""
    if ref is None:
        return None, None
    org = contained.get(ref.reference or "")
    if org is not None:
        ident = next((i.value for i in org.identifier or [] if i.value), None)
        return org.name, ident
    ident = ref.identifier.value if ref.identifier is not None else None
    return ref.display, ident


def _npi(ref: Any, contained: dict[str, Any]) -> str | None:
    if ref is None:
        return None
    target = contained.get(ref.reference or "")
    idents = list(getattr(target, "identifier", None) or []) if target is not None else []
    if ref.identifier is not None:
        idents.append(ref.identifier)
    return next((i.value for i in idents if i.value and (i.system or NPI_SYSTEM) == NPI_SYSTEM), None)


def _state(addresses: Any) -> str | None:
    for a in addresses or []:
        if a is not None and a.state and len(a.state) == 2:
            return str(a.state).upper()
    return None


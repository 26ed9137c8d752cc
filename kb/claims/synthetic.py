"""Synthetic X12 837P/837I files from visits: for the test fixtures and the parse benchmark, never real claims.

The envelope (ISA/GS/ST ... SE/GE/IEA), hierarchical levels and segment counts are those of the 5010
implementation guides (005010X222A1, 005010X223A2), so pyx12's validator accepts the output. Names, addresses and
identifiers are invented; NPIs carry a valid check digit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

PLAN_REVENUE = {"PT": "0420", "OT": "0430", "SLP": "0440"}


def npi(seed: int) -> str:
    """A made-up NPI with a valid Luhn check digit (prefix 80840, as the NPI standard defines)."""
    body = f"1{seed % 10**8:08d}"
    digits = [int(d) for d in "80840" + body]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return body + str((10 - total % 10) % 10)


def write_837(claims: Iterable[Mapping[str, Any]], kind: str = "837P", control: int = 1) -> str:
    """An 837P or 837I interchange holding the claims. A claim: claim_id, date, payer_name, payer_id, filing
    (SBR09, e.g. MB), optional state and plan_of_care, and lines of code, modifiers, units, optional minutes
    (written as a line note 'MINUTES n'), charge and date."""
    if kind not in ("837P", "837I"):
        raise ValueError("kind is 837P or 837I")
    inst = kind == "837I"
    version = "005010X223A2" if inst else "005010X222A1"
    segs: list[str] = [
        f"BHT*0019*00*BATCH{control:04d}*20260302*1200*CH",
        "NM1*41*2*SYNTHETIC THERAPY CLINIC*****46*SUBMITTER01",
        "PER*IC*BILLING DESK*TE*5555550100",
        "NM1*40*2*SYNTHETIC CLEARINGHOUSE*****46*RECEIVER01",
        "HL*1**20*1",
        f"NM1*85*2*SYNTHETIC THERAPY CLINIC*****XX*{npi(1)}",
        "N3*100 MAIN ST",
        "N4*COLUMBUS*OH*432150000",
        "REF*EI*123456789",
    ]
    hl = 1
    for n, claim in enumerate(claims, start=1):
        hl += 1
        day: date = claim["date"]
        lines = claim["lines"]
        total = sum(float(ln.get("charge", 50.0 * (ln.get("units") or 1))) for ln in lines)
        segs += [
            f"HL*{hl}*1*22*0",
            f"SBR*P*18*******{claim.get('filing', 'CI')}",
            f"NM1*IL*1*PATIENT*SYNTH{n % 1000:03d}****MI*SYN{n:08d}",
            "N3*1 ELM ST",
            f"N4*COLUMBUS*{claim.get('state', 'OH')}*432150000",
            "DMG*D8*19500101*F",
            f"NM1*PR*2*{claim['payer_name']}*****PI*{claim['payer_id']}",
        ]
        if inst:
            segs += [
                f"CLM*{claim['claim_id']}*{total:.2f}***74:A:1**A*Y*Y",
                f"DTP*434*RD8*{_d8(day)}-{_d8(day)}",
                "CL1*3**01",
                "HI*ABK:M5450",
                f"NM1*71*1*THERAPIST*ATTENDING****XX*{npi(2)}",
            ]
        else:
            segs += [
                f"CLM*{claim['claim_id']}*{total:.2f}***11:B:1*Y*A*Y*Y",
                "HI*ABK:M5450",
                f"NM1*82*1*THERAPIST*RENDERING****XX*{npi(3)}",
                "PRV*PE*PXC*225100000X",
            ]
        for k, ln in enumerate(lines, start=1):
            mods = ":".join([ln["code"], *ln.get("modifiers", ())])
            charge = float(ln.get("charge", 50.0 * (ln.get("units") or 1)))
            units = ln.get("units") or 1
            segs.append(f"LX*{k}")
            if inst:
                revenue = ln.get("revenue") or PLAN_REVENUE.get(claim.get("plan_of_care") or "PT", "0420")
                segs.append(f"SV2*{revenue}*HC:{mods}*{charge:.2f}*UN*{units}")
            else:
                segs.append(f"SV1*HC:{mods}*{charge:.2f}*UN*{units}***1")
            segs.append(f"DTP*472*D8*{_d8(ln.get('date', day))}")
            segs.append(f"REF*6R*{claim['claim_id']}-{k}")
            if ln.get("minutes") is not None and not inst:  # 837I has no line note (NTE) in loop 2400
                segs.append(f"NTE*ADD*MINUTES {ln['minutes']}")
    st = [f"ST*837*{control:04d}*{version}", *segs]
    st.append(f"SE*{len(st) + 1}*{control:04d}")
    isa = (f"ISA*00*          *00*          *ZZ*{'SUBMITTER01':<15}*ZZ*{'RECEIVER01':<15}*260302*1200*^*00501*"
           f"{control:09d}*0*T*:")
    out = [isa, f"GS*HC*SUBMITTER01*RECEIVER01*20260302*1200*{control}*X*{version}", *st, f"GE*1*{control}",
           f"IEA*1*{control:09d}"]
    return "~\n".join(out) + "~\n"


def _d8(day: date) -> str:
    return day.strftime("%Y%m%d")


def write_835(claims: Iterable[Mapping[str, Any]], payer_name: str, payer_id: str, paid_on: date,
              control: int = 1) -> str:
    """An 835 (005010X221A1) paying or denying the claims. A claim: claim_id, filing (CLP06), status (CLP02:
    1 processed as primary, 4 denied), and lines of code, modifiers, charge, units, date, control (REF*6R), and
    adjustments [(group, carc, amount)] and remarks [rarc]; each line pays its charge less its adjustments."""
    segs: list[str] = []
    total = 0.0
    body: list[str] = []
    for n, claim in enumerate(claims, start=1):
        lines = claim["lines"]
        charge = sum(float(ln["charge"]) for ln in lines)
        paid = sum(float(ln["charge"]) - sum(a[2] for a in ln.get("adjustments", ())) for ln in lines)
        patient = sum(a[2] for ln in lines for a in ln.get("adjustments", ()) if a[0] == "PR")
        total += paid
        status = claim.get("status", "1" if paid else "4")
        body += [
            f"CLP*{claim['claim_id']}*{status}*{charge:.2f}*{paid:.2f}*{patient:.2f}*{claim.get('filing', 'MB')}*"
            f"PCN{control:03d}{n:05d}*11*1",
            f"NM1*QC*1*PATIENT*SYNTH{n % 1000:03d}****MI*SYN{n:08d}",
        ]
        for ln in lines:
            mods = ":".join([ln["code"], *ln.get("modifiers", ())])
            adj = sum(a[2] for a in ln.get("adjustments", ()))
            line_paid = float(ln["charge"]) - adj
            paid_units = ln.get("paid_units", ln.get("units", 1) if line_paid else 0)
            units = ln.get("units", 1)
            original = f"**{units}" if paid_units != units else ""  # SVC07: the units submitted, when not paid
            body.append(f"SVC*HC:{mods}*{float(ln['charge']):.2f}*{line_paid:.2f}**{paid_units}{original}")
            body.append(f"DTM*472*{_d8(ln['date'])}")
            by_group: dict[str, list[str]] = {}
            for group, carc, amount in ln.get("adjustments", ()):
                by_group.setdefault(group, []).append(f"{carc}*{amount:.2f}*")
            for group, parts in by_group.items():
                body.append(f"CAS*{group}*" + "*".join(parts).rstrip("*"))
            if ln.get("control"):
                body.append(f"REF*6R*{ln['control']}")
            body += [f"LQ*HE*{r}" for r in ln.get("remarks", ())]
    segs += [
        f"BPR*I*{total:.2f}*C*ACH*CCP*01*999999999*DA*123456789*1512345678**01*999988880*DA*987654321*"
        f"{_d8(paid_on)}",
        f"TRN*1*EFT{control:07d}*1512345678",
        f"DTM*405*{_d8(paid_on)}",
        f"N1*PR*{payer_name}",
        "N3*1 PAYER WAY",
        "N4*FARGO*ND*581080000",
        f"REF*2U*{payer_id}",
        "PER*BL*EDI SUPPORT*TE*5555550199",
        f"N1*PE*SYNTHETIC THERAPY CLINIC*XX*{npi(1)}",
        "REF*TJ*123456789",
        "LX*1",
        *body,
    ]
    st = [f"ST*835*{control:04d}*005010X221A1", *segs]
    st.append(f"SE*{len(st) + 1}*{control:04d}")
    isa = (f"ISA*00*          *00*          *ZZ*{'PAYER01':<15}*ZZ*{'SUBMITTER01':<15}*260320*1200*^*00501*"
           f"{control:09d}*0*T*:")
    out = [isa, f"GS*HP*PAYER01*SUBMITTER01*{_d8(paid_on)}*1200*{control}*X*005010X221A1", *st,
           f"GE*1*{control}", f"IEA*1*{control:09d}"]
    return "~\n".join(out) + "~\n"

"""Charts drawn at build time as SVG (readable without JavaScript, printed with the page, no library in the browser).

`staircase`: how units grow with minutes under each way of counting, `threshold_history`: a dollar threshold
by year. Both are computed from the knowledge base (the payers' own unit methods, the thresholds' amounts)
and written with the chart.svg Jinja2 template, autoescaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count
from typing import Any

from markupsafe import Markup

from kb.problems import KBError
from kb.site import templates
from kb.site.context import SiteContext

WIDTH, HEIGHT = 560, 260
LEFT, RIGHT, TOP, BOTTOM = 58, 548, 14, 224
DASHES = ("", "7 4", "2 3", "10 3 2 3")
_ids = count()


@dataclass(frozen=True)
class Series:
    label: str
    points: list[tuple[float, float]]  # data coordinates, drawn as steps (the value holds until the next x)
    strong: bool = False


def _chart(series: list[Series], title: str, desc: str, xlabel: str, ylabel: str, caption: str,
           xticks: list[float], ydata_max: float, ylabels: dict[float, str] | None = None,
           steps: bool = True, cid: str | None = None) -> str:
    xs = [x for s in series for x, _ in s.points]
    x0, x1 = min(xs), max(xs)
    ymax = max(ydata_max, 1)

    def px(x: float) -> float:
        return round(LEFT + (x - x0) / ((x1 - x0) or 1) * (RIGHT - LEFT), 1)

    def py(y: float) -> float:
        return round(BOTTOM - y / ymax * (BOTTOM - TOP), 1)

    drawn = []
    for i, s in enumerate(series):
        pts: list[str] = []
        prev = None
        for x, y in s.points:
            if steps and prev is not None:
                pts.append(f"{px(x)},{py(prev)}")
            pts.append(f"{px(x)},{py(y)}")
            prev = y
        drawn.append({"label": s.label, "points": " ".join(pts), "dash": DASHES[i % len(DASHES)],
                      "width": 3 if s.strong else 2})
    yvals = ylabels or {float(v): str(v) for v in range(0, int(ymax) + 1, max(1, int(ymax) // 6 or 1))}
    return Markup(templates.render("chart.svg", c={
        "id": cid or f"kb-chart-{next(_ids)}", "width": WIDTH, "height": HEIGHT, "left": LEFT, "right": RIGHT,
        "top": TOP, "bottom": BOTTOM, "title": title, "desc": desc, "xlabel": xlabel, "ylabel": ylabel,
        "caption": caption, "series": drawn,
        "xticks": [{"pos": px(x), "label": f"{x:g}"} for x in xticks],
        "yticks": [{"pos": py(y), "label": label} for y, label in sorted(yvals.items())],
    }))


def timed_pair(ctx: SiteContext) -> tuple[str, str] | None:
    """Two timed codes to chart (97110 and 97112 when the catalogue has them)."""
    timed = [c for c, e in ctx.model["codes"].items() if e["timed"]]
    preferred = [c for c in ("97110", "97112") if c in timed]
    chosen = (preferred + [c for c in timed if c not in preferred])[:2]
    return (chosen[0], chosen[1]) if len(chosen) == 2 else None


def method_representatives(ctx: SiteContext) -> dict[str, str]:
    """For each unit method in force on the site's day, the first payer (in reading order) that uses it."""
    from kb.site.pages.payers import method_in_force

    found: dict[str, str] = {}
    for pid in ctx.payer_ids:
        rule = method_in_force(ctx, pid)
        if rule is not None:
            found.setdefault(rule["method"], pid)
    return found


def _units_curve(ctx: SiteContext, pid: str, codes: tuple[str, ...], top: int) -> list[tuple[float, float]] | None:
    view = ctx.view(pid)
    points = []
    try:
        for m in range(0, top + 1):
            points.append((float(m), float(sum(view.units({c: m for c in codes}).values()))))
    except KBError:
        return None
    return points


def staircase(ctx: SiteContext, payer: str | None = None) -> str:
    """Units for two timed codes with the same minutes each, under each method (and `payer`'s own, in bold)."""
    pair = timed_pair(ctx)
    if pair is None:
        return ""
    top = 45
    series = []
    if payer is not None:
        own = _units_curve(ctx, payer, pair, top)
        if own is None:
            return ""
        series.append(Series(f"{ctx.name(payer)} (this payer)", own, strong=True))
    for method, pid in method_representatives(ctx).items():
        if payer is not None and pid == payer:
            continue
        curve = _units_curve(ctx, pid, pair, top)
        if curve is not None:
            name = ctx.model["methods"].get(method, {}).get("name", method).split(" (")[0]
            series.append(Series(f"{name} (as {ctx.name(pid)})", curve))
    if not series:
        return ""
    ymax = max(y for s in series for _, y in s.points)
    at = {m: ", ".join(f"{s.label}: {s.points[m][1]:g}" for s in series) for m in (8, 15, 23)}
    desc = (f"Total units billed for {pair[0]} and {pair[1]} on one visit, each with the same minutes from 0 to "
            f"{top}. At 8 minutes each: {at[8]}. At 15 minutes each: {at[15]}. At 23 minutes each: {at[23]}.")
    return _chart(series, f"Units for {pair[0]} + {pair[1]} by minutes of each", desc,
                  "minutes of each code", "units", f"Units billed for {pair[0]} and {pair[1]} given the same minutes "
                  f"each, on {ctx.as_of.isoformat()}, counted by each payer's own method (daily caps applied).",
                  [0, 8, 15, 23, 30, 38, 45], ymax)


def threshold_history(ctx: SiteContext, name: str) -> str:
    """A threshold's amount by year and group, for every payer that states its own (usually Medicare)."""
    rows: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for pid in ctx.payer_ids:
        for r in ctx.rules(pid, "thresholds"):
            if r["name"] == name and r.get("declared_by", pid) == pid:
                rows.setdefault((pid, r["group"]), []).append((float(r["year"]), float(r["amount"])))
    if not rows:
        return ""
    series = [Series(f"{ctx.name(pid)}, {group}", sorted(points), strong=i == 0)
              for i, ((pid, group), points) in enumerate(sorted(rows.items()))]
    years = sorted({x for s in series for x, _ in s.points})
    top = max(y for s in series for _, y in s.points)
    scale = 10 ** (len(str(int(top))) - 1)
    ceiling = (int(top) // scale + 1) * scale
    labels = {float(v): f"${v:,}" for v in range(0, ceiling + 1, max(scale // 2, 1))}
    last = {s.label: f"${s.points[-1][1]:,.0f} in {s.points[-1][0]:g}" for s in series}
    desc = f"The {name} threshold by year: " + "; ".join(f"{k}: {v}" for k, v in last.items()) + "."
    step = max(1, len(years) // 8)
    return _chart(series, f"The {name} threshold by year", desc, "year", "dollars",
                  f"The {name} threshold amount for each calendar year, by group (the table above lists each year).",
                  years[::step] + ([years[-1]] if years[-1] not in years[::step] else []), ceiling, labels,
                  steps=False)


def threshold_table(ctx: SiteContext, name: str) -> list[list[Any]]:
    """Rows of (year, {group: amount}) for the first payer that states the threshold itself."""
    for pid in ctx.payer_ids:
        own = [r for r in ctx.rules(pid, "thresholds") if r["name"] == name and r.get("declared_by", pid) == pid]
        if own:
            years: dict[int, dict[str, float]] = {}
            for r in own:
                years.setdefault(int(r["year"]), {})[r["group"]] = r["amount"]
            return [[pid, y, years[y]] for y in sorted(years, reverse=True)]
    return []

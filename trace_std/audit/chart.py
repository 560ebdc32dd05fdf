"""A season chart as SVG text: a PUC's declared volume, summed up over the season, against its
capacity ceiling.

:func:`svg` is a pure function of a :class:`~trace_std.audit.season.SeasonSeries` and the words
to write (:class:`ChartText`, English by default; the website passes its translations). The
picture needs no script, no style sheet and no font or image from anywhere: presentation
attributes only, so it renders under the website's strict Content-Security-Policy and on its own
as an ``image/svg+xml`` file. It is accessible: ``role="img"`` with a ``<title>`` and a
``<desc>`` that says the figures in words, a ``<title>`` on every plotted point, and the colours
are not the only sign (points above the capacity are drawn as squares, the rest as circles).

Layout: the x axis is the whole season (1 January to 31 December, one tick per month), the y
axis tonnes from 0 to a round number above the larger of the declared total and the capacity.
The declared volume is a step line (it grows on the days lines were declared); the capacity is
a dashed horizontal line, labelled at its left end (where the running total is usually lowest).
Every tick and point carries its value in ``data-*`` attributes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Callable
from html import escape

from trace_std.audit.season import SeasonSeries

__all__ = ["ChartText", "nice_ticks", "svg"]

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 72, 20, 36, 52
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
DECLARED, ABOVE, CAPACITY, GRID, INK = "#1565c0", "#b71c1c", "#5d4037", "#e0e0e0", "#212121"

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ID = re.compile(r"[^A-Za-z0-9_-]")


def _plain_number(value: float) -> str:
    return f"{value:,.1f}"


def _plain_tick(value: float) -> str:
    return f"{value:,g}"


@dataclasses.dataclass(frozen=True)
class ChartText:
    """The words of a chart. ``desc`` and ``desc_no_capacity`` take ``%(puc)s``, ``%(crop)s``,
    ``%(season)s``, ``%(declared)s`` (tonnes) and ``%(capacity)s`` (tonnes); ``number`` formats
    tonnes for the reader's locale, ``tick`` the round values of the y axis."""

    title: str = "Declared volume against capacity: %(puc)s, %(crop)s, %(season)s"
    desc: str = (
        "%(declared)s t declared in season %(season)s for %(puc)s (%(crop)s), "
        "against a capacity of %(capacity)s t."
    )
    desc_no_capacity: str = (
        "%(declared)s t declared in season %(season)s for %(puc)s (%(crop)s); "
        "no capacity is known (not judged)."
    )
    above: str = "Above capacity from %(day)s."
    x_axis: str = "Pack date"
    y_axis: str = "Declared since 1 January (t)"
    declared: str = "Declared"
    capacity: str = "Capacity %(capacity)s t"
    nothing: str = "Nothing declared this season"
    no_crop: str = "no crop"
    point: str = "%(day)s: %(kg)s t declared, %(total)s t in the season"
    months: tuple[str, ...] = ("J", "F", "M", "A", "M", "J", "J", "A", "S", "O", "N", "D")
    number: Callable[[float], str] = _plain_number
    tick: Callable[[float], str] = _plain_tick
    day: Callable[[dt.date], str] = dt.date.isoformat


def _text(value: object) -> str:
    """Text safe in XML content and in a double-quoted attribute."""
    return escape(_NOT_XML.sub("\ufffd", str(value)), quote=True)


def _fmt(template: str, **values: object) -> str:
    try:
        return template % values
    except (KeyError, ValueError, TypeError):  # a faulty translation: the template as it is
        return template


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``top`` (steps of 1, 2 or 5 × 10ⁿ).

    >>> nice_ticks(312.5)
    [0.0, 100.0, 200.0, 300.0, 400.0]
    >>> nice_ticks(0)
    [0.0, 1.0]
    """
    if not top > 0 or math.isinf(top):
        return [0.0, 1.0]
    raw = top / count
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    n = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(n + 1)]


def svg(series: SeasonSeries, *, text: ChartText | None = None, id_prefix: str = "season-chart") -> str:
    """The chart of ``series`` as a standalone SVG element (UTF-8 text, no XML declaration)."""
    t = text or ChartText()
    pid = _ID.sub("-", id_prefix)[:60] or "season-chart"
    start = dt.date(series.season, 1, 1)
    days = (dt.date(series.season + 1, 1, 1) - start).days
    cap_kg = series.capacity_kg
    declared_t = series.declared_kg / 1000.0
    cap_t = cap_kg / 1000.0 if cap_kg is not None else None
    ticks = nice_ticks(max(declared_t, cap_t or 0.0) * 1.05)
    y_max = ticks[-1]

    def x(day: dt.date) -> float:
        return round(LEFT + (day - start).days / days * PLOT_W, 2)

    def y(tonnes: float) -> float:
        return round(TOP + PLOT_H - tonnes / y_max * PLOT_H, 2)

    crop = series.crop if series.crop is not None else t.no_crop
    words = {
        "puc": series.puc,
        "crop": crop,
        "season": series.season,
        "declared": t.number(declared_t),
        "capacity": t.number(cap_t) if cap_t is not None else "",
    }
    desc = _fmt(t.desc if cap_t is not None else t.desc_no_capacity, **words)
    first_above = series.first_day_above
    if first_above is not None:
        desc += " " + _fmt(t.above, day=t.day(first_above))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'class="season-chart" aria-labelledby="{pid}-title {pid}-desc" font-family="sans-serif" '
        f'font-size="12" fill="{INK}" data-season="{series.season}" '
        f'data-capacity-kg="{"" if cap_kg is None else repr(cap_kg)}">',
        f'<title id="{pid}-title">{_text(_fmt(t.title, **words))}</title>',
        f'<desc id="{pid}-desc">{_text(desc)}</desc>',
        f'<rect x="{LEFT}" y="{TOP}" width="{PLOT_W}" height="{PLOT_H}" fill="#ffffff" stroke="{GRID}"/>',
    ]
    # y axis: tonnes
    out.append('<g class="y-axis" text-anchor="end">')
    for value in ticks:
        yy = y(value)
        out.append(
            f'<g class="y-tick" data-value="{value!r}"><line x1="{LEFT}" y1="{yy}" x2="{LEFT + PLOT_W}" '
            f'y2="{yy}" stroke="{GRID}"/><text x="{LEFT - 6}" y="{round(yy + 4, 2)}">'
            f"{_text(t.tick(value))}</text></g>"
        )
    out.append("</g>")
    out.append(
        f'<text class="axis-label" x="14" y="{TOP + PLOT_H / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {TOP + PLOT_H / 2})">{_text(t.y_axis)}</text>'
    )
    # x axis: months of the season
    out.append('<g class="x-axis" text-anchor="middle">')
    for month in range(1, 13):
        first = dt.date(series.season, month, 1)
        xx = x(first)
        label = t.months[month - 1] if len(t.months) == 12 else str(month)
        out.append(
            f'<g class="x-tick" data-day="{first.isoformat()}"><line x1="{xx}" y1="{TOP + PLOT_H}" '
            f'x2="{xx}" y2="{TOP + PLOT_H + 5}" stroke="{INK}"/>'
            f'<text x="{round(xx + PLOT_W / 24, 2)}" y="{TOP + PLOT_H + 18}">{_text(label)}</text></g>'
        )
    out.append("</g>")
    out.append(
        f'<text class="axis-label" x="{LEFT + PLOT_W / 2}" y="{HEIGHT - 10}" text-anchor="middle">'
        f"{_text(t.x_axis)} ({series.season})</text>"
    )
    out.append(
        f'<line x1="{LEFT}" y1="{TOP + PLOT_H}" x2="{LEFT + PLOT_W}" y2="{TOP + PLOT_H}" stroke="{INK}"/>'
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + PLOT_H}" stroke="{INK}"/>'
    )
    # the capacity ceiling
    if cap_t is not None:
        yc = y(cap_t)
        out.append(
            f'<g class="capacity" data-kg="{cap_kg!r}"><line x1="{LEFT}" y1="{yc}" x2="{LEFT + PLOT_W}" '
            f'y2="{yc}" stroke="{CAPACITY}" stroke-width="2" stroke-dasharray="8 5"/>'
            f'<text x="{LEFT + 6}" y="{round(yc - 6, 2)}" fill="{CAPACITY}">'
            f"{_text(_fmt(t.capacity, capacity=t.number(cap_t)))}</text></g>"
        )
    # the declared volume: a step line and one marker per day with lines
    if series.points:
        path = [f"{x(start)},{y(0)}"]
        before = 0.0
        for p in series.points:
            path.append(f"{x(p.day)},{y(before / 1000.0)}")
            path.append(f"{x(p.day)},{y(p.cumulative_kg / 1000.0)}")
            before = p.cumulative_kg
        out.append(
            f'<polyline class="declared" points="{" ".join(path)}" fill="none" stroke="{DECLARED}" '
            'stroke-width="2"/>'
        )
        out.append('<g class="points">')
        for p in series.points:
            xx, yy = x(p.day), y(p.cumulative_kg / 1000.0)
            above = cap_kg is not None and p.cumulative_kg > cap_kg
            label = _text(
                _fmt(
                    t.point,
                    day=t.day(p.day),
                    kg=t.number(p.kg / 1000.0),
                    total=t.number(p.cumulative_kg / 1000.0),
                )
            )
            attrs = (
                f'class="point{" above" if above else ""}" data-day="{p.day.isoformat()}" '
                f'data-cumulative-kg="{p.cumulative_kg!r}"'
            )
            if above:
                out.append(
                    f'<rect {attrs} x="{round(xx - 4, 2)}" y="{round(yy - 4, 2)}" width="8" height="8" '
                    f'fill="{ABOVE}"><title>{label}</title></rect>'
                )
            else:
                out.append(
                    f'<circle {attrs} cx="{xx}" cy="{yy}" r="3.5" fill="{DECLARED}">'
                    f"<title>{label}</title></circle>"
                )
        out.append("</g>")
    else:
        out.append(
            f'<text class="nothing" x="{LEFT + PLOT_W / 2}" y="{TOP + PLOT_H / 2}" text-anchor="middle">'
            f"{_text(t.nothing)}</text>"
        )
    # legend
    out.append(
        f'<g class="legend"><line x1="{LEFT}" y1="16" x2="{LEFT + 24}" y2="16" stroke="{DECLARED}" '
        f'stroke-width="2"/><text x="{LEFT + 30}" y="20">{_text(t.declared)}</text>'
        + (
            f'<line x1="{LEFT + 200}" y1="16" x2="{LEFT + 224}" y2="16" stroke="{CAPACITY}" stroke-width="2" '
            f'stroke-dasharray="8 5"/><text x="{LEFT + 230}" y="20">'
            f"{_text(_fmt(t.capacity, capacity=t.number(cap_t)))}</text>"
            if cap_t is not None
            else ""
        )
        + "</g>"
    )
    out.append("</svg>")
    return "\n".join(out)

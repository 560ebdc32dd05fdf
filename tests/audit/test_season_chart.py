"""Issue 15 item 4 (library part): a PUC's season series (declared volume summed up day by day
against area × ceiling × tolerance) and its SVG chart, read back with xml.etree."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import xml.etree.ElementTree as ET

import pytest

from tests.audit import scenario as S
from trace_std.audit.capacity import ceilings, default_tolerance
from trace_std.audit.chart import ChartText, nice_ticks, svg
from trace_std.audit.rules import run_audit
from trace_std.audit.season import SeasonPoint, SeasonSeries, inspect_puc, season_series
from trace_std.errors import TraceStdError
from trace_std.registry import Registry

D = dt.date
NS = {"s": "http://www.w3.org/2000/svg"}


@pytest.fixture
def reg(registry: Registry) -> Registry:
    return S.build(registry)


# -- the series -------------------------------------------------------------------------------
def test_series_sums_per_day_and_runs_up_over_the_season(reg: Registry) -> None:
    S.declare(
        reg,
        S.line(kg=100_000, pack=D(2025, 5, 3)),
        S.line(kg=60_000, pack=D(2025, 5, 3)),
        S.line(kg=50_000, pack=D(2025, 7, 1), ship=D(2025, 7, 2)),
        S.line(kg=45_000, pack=None, ship=D(2025, 9, 9)),  # no pack date: the ship date counts
        S.line(kg=7_000, pack=D(2024, 6, 1), harvest=D(2024, 5, 30), ship=D(2024, 6, 2)),  # another season
        S.line(S.B, kg=999_000),  # another PUC
        S.line(kg=3_000, crop=None),  # no crop: a series of its own, never judged
    )
    (durian, no_crop) = season_series(reg, S.A, season=2025)
    assert durian.crop == "durian" and durian.season == 2025
    assert [(p.day, p.kg, p.cumulative_kg, p.lines) for p in durian.points] == [
        (D(2025, 5, 3), 160_000.0, 160_000.0, 2),
        (D(2025, 7, 1), 50_000.0, 210_000.0, 1),
        (D(2025, 9, 9), 45_000.0, 255_000.0, 1),
    ]
    ceiling = ceilings()["durian"].t_per_ha
    assert durian.area_ha == 10.0 and durian.ceiling_t_per_ha == ceiling
    assert durian.capacity_kg == pytest.approx(10.0 * ceiling * default_tolerance() * 1000)
    assert durian.above_capacity and durian.first_day_above == D(2025, 9, 9)
    assert no_crop.crop is None and no_crop.capacity_kg is None and no_crop.declared_kg == 3_000
    # The latest season is the default; the other season holds only its own line.
    assert season_series(reg, S.A)[0].season == 2025
    (earlier,) = season_series(reg, S.A, season=2024)
    assert [p.cumulative_kg for p in earlier.points] == [7_000.0]


def test_series_agrees_with_the_over_yield_rule_at_the_boundary(reg: Registry) -> None:
    (series,) = season_series(reg, S.A, season=2025)
    assert series.points == () and series.declared_kg == 0 and series.capacity_kg is not None
    cap = series.capacity_kg
    S.declare(reg, S.line(kg=cap - 10), S.line(kg=10, pack=D(2025, 6, 1)))  # exactly the capacity
    (series,) = season_series(reg, S.A, season=2025)
    assert not series.above_capacity and run_audit(reg, rules_=["over_yield"]) == []
    S.declare(reg, S.line(kg=1, pack=D(2025, 8, 1)), sha="b" * 64)
    (series,) = season_series(reg, S.A, season=2025)
    assert series.above_capacity and series.first_day_above == D(2025, 8, 1)
    assert [f.subject["puc"] for f in run_audit(reg, rules_=["over_yield"])] == [S.A]
    # A tolerance of 2 lifts the ceiling for both.
    (series,) = season_series(reg, S.A, season=2025, tolerance=2.0)
    assert not series.above_capacity and run_audit(reg, rules_=["over_yield"], tolerance=2.0) == []


def test_series_accepts_any_spelling_and_unregistered_codes(reg: Registry) -> None:
    S.declare(reg, S.line(kg=5_000))
    assert season_series(reg, S.A.lower().replace("-", " "), season=2025)[0].declared_kg == 5_000
    S.declare(reg, S.line("VN-DTOR-0999", kg=4_000), sha="c" * 64)
    (series,) = season_series(reg, "VN-DTOR-0999", season=2025)
    assert series.area_ha is None and series.capacity_kg is None and series.declared_kg == 4_000
    assert season_series(reg, "<not a code>", season=2025) == []


@pytest.mark.parametrize(
    ("season", "tolerance"), [(99, None), ("2025", None), (True, None), (2025, 0), (2025, float("nan"))]
)
def test_bad_options_are_typed_errors(reg: Registry, season: object, tolerance: object) -> None:
    with pytest.raises(TraceStdError) as err:
        season_series(reg, S.A, season=season, tolerance=tolerance)  # type: ignore[arg-type]
    assert err.value.code == "audit.option.invalid"


def test_inspect_puc_gathers_authorisations_and_its_findings(reg: Registry) -> None:
    S.declare(reg, S.line(kg=300_000), S.line(S.B, kg=999_000), S.line(S.A, S.Q, kg=1_000))
    view = inspect_puc(reg, S.A, season=2025)
    assert view.registered and view.season == 2025 and view.seasons == (2025,)
    assert sorted(a.ref for a in view.authorisations) == sorted(f"UQ-{S.A}-{p}" for p in (S.P, S.FAR))
    assert {f.rule for f in view.findings} == {"over_yield", "unauthorised"}
    assert all(f.subject["puc"] == S.A for f in view.findings)
    assert inspect_puc(reg, S.A, season=2025, rules_=["unauthorised"]).findings[0].rule == "unauthorised"
    # findings the caller already holds for the season: asked for with the season, filtered to the PUC
    asked: list[int] = []
    held = run_audit(reg, season=2025)

    def provider(season: int) -> list[object]:
        asked.append(season)
        return held

    view2 = inspect_puc(reg, S.A, findings=provider)  # type: ignore[arg-type]
    assert asked == [2025] and view2.findings == view.findings


# -- the chart ---------------------------------------------------------------------------------
def _series(points: list[tuple[dt.date, float]], *, area: float | None = 10.0, crop: str | None = "durian",
            puc: str = S.A) -> SeasonSeries:  # fmt: skip
    total, out = 0.0, []
    for day, kg in points:
        total += kg
        out.append(SeasonPoint(day, kg, total, 1))
    return SeasonSeries(puc, crop, 2025, tuple(out), area, 20.0, 1.25, ("FAO",))


def _scales(root: ET.Element) -> tuple[object, object]:
    """The chart's own axes, read back: value → y from two y ticks, day → x from two month ticks."""
    yt = [
        (float(g.get("data-value")), float(g.find("s:line", NS).get("y1")))
        for g in root.iterfind(".//s:g[@class='y-tick']", NS)
    ]  # type: ignore[arg-type, union-attr]
    xt = [
        (D.fromisoformat(g.get("data-day")), float(g.find("s:line", NS).get("x1")))
        for g in root.iterfind(".//s:g[@class='x-tick']", NS)
    ]  # type: ignore[arg-type, union-attr]
    (v0, y0), (v1, y1) = yt[0], yt[-1]
    (d0, x0), (d1, x1) = xt[0], xt[-1]

    def value_at(y: float) -> float:
        return v0 + (y - y0) * (v1 - v0) / (y1 - y0)

    def day_at(x: float) -> float:
        return (x - x0) * (d1 - d0).days / (x1 - x0)  # days since 1 January

    return value_at, day_at


def test_svg_plots_the_data_and_the_capacity_on_its_own_axes() -> None:
    data = [(D(2025, 3, 10), 40_000.0), (D(2025, 5, 3), 160_000.0), (D(2025, 9, 9), 70_000.0)]
    series = _series(data)
    root = ET.fromstring(svg(series))
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("role") == "img"
    title, desc = root.find("s:title", NS), root.find("s:desc", NS)
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert "250.0" in (desc.text or "") and "270.0" in (desc.text or "") and "2025-09-09" in (desc.text or "")
    value_at, day_at = _scales(root)
    # Ticks: round numbers from 0 above both the total (270 t) and the capacity (250 t).
    values = [float(g.get("data-value") or 0) for g in root.iterfind(".//s:g[@class='y-tick']", NS)]
    assert values[0] == 0 and values[-1] >= 270 and values == nice_ticks(270 * 1.05)
    # The capacity line sits at 10 ha × 20 t/ha × 1.25 = 250 t.
    cap = root.find(".//s:g[@class='capacity']/s:line", NS)
    assert cap is not None and cap.get("y1") == cap.get("y2")
    assert value_at(float(cap.get("y1") or 0)) == pytest.approx(250.0, abs=0.01)
    # Each day with lines is one marker at (its day, the running total).
    marks = [e for e in root.iterfind(".//s:g[@class='points']/*", NS)]
    totals = [40.0, 200.0, 270.0]
    assert len(marks) == 3
    for mark, (day, _), total in zip(marks, data, totals, strict=True):
        if mark.tag.endswith("circle"):
            cx, cy = float(mark.get("cx") or 0), float(mark.get("cy") or 0)
        else:  # a square: above capacity
            cx, cy = float(mark.get("x") or 0) + 4, float(mark.get("y") or 0) + 4
        assert value_at(cy) == pytest.approx(total, abs=0.01)
        assert day_at(cx) == pytest.approx((day - D(2025, 1, 1)).days, abs=0.01)
        assert (mark.get("class") == "point above") == (total > 250)
        assert mark.find("s:title", NS) is not None
    # The step line ends on the last total and never goes down.
    line = root.find(".//s:polyline[@class='declared']", NS)
    assert line is not None
    ys = [value_at(float(p.split(",")[1])) for p in (line.get("points") or "").split()]
    assert ys[0] == pytest.approx(0, abs=0.01) and ys[-1] == pytest.approx(270, abs=0.01)
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(ys))


def test_svg_without_capacity_or_points() -> None:
    root = ET.fromstring(svg(_series([], area=None)))
    assert root.find(".//s:g[@class='capacity']", NS) is None
    assert root.find(".//s:text[@class='nothing']", NS) is not None
    assert "not judged" in (root.find("s:desc", NS).text or "")  # type: ignore[union-attr]


def test_svg_escapes_hostile_text_everywhere() -> None:
    hostile = "<script>alert(1)</script>\"'&\x01]]><!--"
    series = _series([(D(2025, 4, 1), 1000.0)], crop=hostile, puc=hostile)
    words = ChartText(
        title=hostile + " %(puc)s", x_axis=hostile, y_axis=hostile, declared=hostile, months=(hostile,) * 12,
        number=lambda v: hostile, point="%(day)s %(nope)s",  # a faulty template is shown as it is
    )  # fmt: skip
    text = svg(series, text=words, id_prefix='x" onload="alert(1)')
    root = ET.fromstring(text)  # still well-formed XML
    assert "<script" not in text and "onload=" not in text.replace("&quot;", "")
    assert all(not k.startswith("on") for e in root.iter() for k in e.attrib)
    assert [e.tag for e in root.iter() if "script" in e.tag.lower()] == []
    title = root.find("s:title", NS)
    assert title is not None and (title.text or "").startswith("<script>alert(1)</script>")
    assert "\x01" not in text


def test_svg_draws_no_external_reference() -> None:
    text = svg(_series([(D(2025, 4, 1), 1000.0), (D(2025, 12, 31), 2000.0)]))
    root = ET.fromstring(text)
    for e in root.iter():
        for k, v in e.attrib.items():
            assert (
                "href" not in k
                and "url(" not in v
                and "http" not in v.replace("http://www.w3.org/2000/svg", "")
            )
    assert "style" not in text and "<image" not in text and "@import" not in text


def test_svg_of_the_last_day_of_a_leap_year_stays_in_the_plot() -> None:
    series = dataclasses.replace(
        _series([]), season=2024, points=(SeasonPoint(D(2024, 12, 31), 5.0, 5.0, 1),)
    )
    root = ET.fromstring(svg(series))
    mark = root.find(".//s:g[@class='points']/s:circle", NS)
    frame = root.find("s:rect", NS)
    assert mark is not None and frame is not None
    assert (
        float(frame.get("x") or 0)
        < float(mark.get("cx") or 0)
        < float(frame.get("x") or 0) + float(frame.get("width") or 0)
    )

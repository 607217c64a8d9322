"""Plots: layered alliance drawings, maps, the CJK-font fallback, and no warnings."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import matplotlib

matplotlib.use("Agg")  # tests only: no display

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings

from medalliance import MedAllianceError, Registry, UnknownIdError, examples, synthetic
from medalliance.model.alliance import MemberRole
from medalliance.plot import (
    FONT_NOTE_GID,
    ITEM_GROUPS,
    MISSING_NOTE_GID,
    alliance_layout,
    cjk_font,
    plot_alliance,
    plot_map,
)
from medalliance.plot import _fonts as mfonts
from strategies import registries

CASES = [(name, a.id) for name in examples.names() for a in examples.load(name).alliances]


@pytest.fixture(autouse=True)
def _small_figures() -> Iterator[None]:
    # small canvases: drawing still lays out every text; figures are closed afterwards
    with matplotlib.rc_context({"figure.dpi": 40}):
        yield
    plt.close("all")


def _draw(ax: Any) -> None:
    """Render the figure: missing glyphs only warn when text is drawn."""
    ax.figure.canvas.draw()


def _nodes(ax: Any) -> dict[str, np.ndarray[Any, Any]]:
    return {
        c.get_gid().split(":", 1)[1]: np.asarray(c.get_offsets())
        for c in ax.collections
        if (c.get_gid() or "").startswith("nodes:")
    }


def _notes(ax: Any, gid: str) -> list[str]:
    return [t.get_text() for t in ax.texts if t.get_gid() == gid]


def _check_layers(reg: Registry, alliance: str) -> None:
    a = reg.alliance(alliance)
    lay = alliance_layout(reg, alliance)
    assert sorted(lay.ids) == sorted(a.members)
    y = dict(zip(lay.ids, lay.y, strict=True))
    leads = set(a.lead)
    others = [i for i in a.members if i not in leads]
    if others:
        assert min(y[i] for i in leads) > max(y[i] for i in others)
    for i in others:
        for j in others:
            ti, tj = reg.institution(i).tier, reg.institution(j).tier
            if ti > tj:
                assert y[i] > y[j], (i, j)
    expected_layers = ["lead"] + [
        t.value for t in sorted({reg.institution(i).tier for i in others}, key=lambda t: -t.rank)
    ]
    assert list(lay.layers) == expected_layers
    for i, layer in zip(lay.ids, lay.layer, strict=True):
        assert layer == ("lead" if i in leads else reg.institution(i).tier.value)


@pytest.mark.parametrize(("name", "alliance"), CASES)
def test_every_bundled_alliance_is_drawn_in_layers(name: str, alliance: str) -> None:
    reg = examples.load(name)
    _check_layers(reg, alliance)
    ax = plot_alliance(reg, alliance)
    _draw(ax)
    lay = alliance_layout(reg, alliance)
    a = reg.alliance(alliance)
    roles = {m.institution: m.role for m in a.memberships}
    drawn = _nodes(ax)
    for role in MemberRole:
        want = [(x, y) for i, x, y in zip(lay.ids, lay.x, lay.y, strict=True) if roles[i] is role]
        if want:
            np.testing.assert_allclose(drawn[role.value], np.array(want))
        else:
            assert role.value not in drawn
    lead_y = drawn["lead"][:, 1]
    for key, xy in drawn.items():
        if key != "lead":
            assert lead_y.min() > xy[:, 1].max()
    assert [t.get_text() for t in ax.get_yticklabels()] == _layer_names(lay.layers)
    # agreement arcs: one per group of items and non-first party; expert-clinic arrows
    gids = [p.get_gid() or "" for p in ax.patches]
    for g in reg.agreements_of(alliance):
        groups = [grp for grp, items in ITEM_GROUPS.items() if set(items) & set(g.items)]
        for grp in groups:
            assert gids.count(f"agreement:{g.id}:{grp}") == len(g.parties) - 1
        assert sum(x.startswith(f"agreement:{g.id}:") for x in gids) == len(groups) * (
            len(g.parties) - 1
        )
    for e in a.expert_clinics:
        assert gids.count(f"expert_clinic:{e.id}") == 1


def _layer_names(layers: tuple[str, ...]) -> list[str]:
    """The layer names drawn: Chinese with a CJK font, else the codes."""
    from medalliance import Tier

    if cjk_font() is None:
        return list(layers)
    return [MemberRole.LEAD.label_zh if x == "lead" else Tier(x).label_zh for x in layers]


def test_item_groups_cover_every_item_once() -> None:
    from medalliance import CooperationItem

    listed = [i for items in ITEM_GROUPS.values() for i in items]
    assert sorted(listed) == sorted(CooperationItem)


def test_no_cjk_font_falls_back_visibly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mfonts, "_cjk_font", lambda: None)
    reg = examples.load("shanghai_luwan")
    ax = plot_alliance(reg, "luwan_ruijin")
    _draw(ax)
    notes = _notes(ax, FONT_NOTE_GID)
    assert len(notes) == 1
    assert "no installed font has Chinese glyphs" in notes[0]
    shown = " ".join(t.get_text() for t in ax.texts) + ax.get_title()
    assert all(ord(c) < 0x2E80 for c in shown)  # no Chinese characters drawn
    for inst in reg.members_of("luwan_ruijin"):
        label = inst.name_en if inst.name_en else inst.id
        assert label.split()[0] in shown
    assert "Luwan" in ax.get_title()  # the alliance's English name


def test_a_cjk_font_is_used_for_names(monkeypatch: pytest.MonkeyPatch) -> None:
    # Pretend DejaVu Sans is a CJK font; names in Latin letters then show as names, no note.
    from matplotlib import font_manager

    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    monkeypatch.setattr(mfonts, "_cjk_font", lambda: ("DejaVu Sans", path))
    reg = Registry(
        institutions=[
            {"id": "h", "name": "County Hospital", "kind": "综合医院", "tier": "secondary"},
            {"id": "t", "name": "Town Centre", "kind": "乡镇卫生院"},
            {"id": "v", "name": "村卫生室", "name_en": "Village Clinic", "kind": "村卫生室"},
        ],
        alliances=[
            {
                "id": "a",
                "name": "Medical Community",
                "form": "县域医共体",
                "lead": ["h"],
                "memberships": [
                    {"institution": "h", "role": "lead"},
                    {"institution": "t", "role": "hub"},
                    {"institution": "v", "role": "base"},
                ],
            }
        ],
    )
    ax = plot_alliance(reg, "a")
    _draw(ax)
    texts = [t.get_text() for t in ax.texts]
    assert "County Hospital" in texts
    assert "Town Centre" in texts
    assert "Village Clinic" in texts  # the font lacks the Chinese glyphs of this one name
    notes = _notes(ax, FONT_NOTE_GID)
    assert notes == ["Some names use characters the font lacks; they show English names or ids"]
    assert texts.count("County Hospital") == 1
    assert ax.get_title().startswith("Medical Community")
    ax = plot_alliance(reg, "a", labels="id")
    assert {"h", "t", "v"} <= {t.get_text() for t in ax.texts}
    assert _notes(ax, FONT_NOTE_GID) == []


def test_font_search_rejects_placeholder_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    assert mfonts._has_cjk_glyphs({ord(c): 10 + i for i, c in enumerate("医联体院卫生")})
    assert not mfonts._has_cjk_glyphs({ord(c): 1 for c in "医联体院卫生"})  # one box for all
    assert not mfonts._has_cjk_glyphs({ord("医"): 3})
    # matplotlib's own fonts: DejaVu lacks the glyphs, Last Resort maps them all to boxes
    mfonts._cjk_font.cache_clear()
    try:
        assert cjk_font() is None or isinstance(cjk_font(), str)
        from matplotlib import font_manager

        bundled = [
            f
            for f in font_manager.fontManager.ttflist
            if "DejaVu" in f.name or "Last Resort" in f.name
        ]
        monkeypatch.setattr(font_manager.fontManager, "ttflist", bundled)
        monkeypatch.setattr(mfonts, "_package_fonts", list)  # no font package either
        mfonts._cjk_font.cache_clear()
        assert cjk_font() is None
    finally:
        mfonts._cjk_font.cache_clear()


def test_large_alliances_wrap_and_stay_readable() -> None:
    reg = synthetic.county(seed=4, townships=4, villages_per_township=6)
    a = reg.alliances[0]
    lay = alliance_layout(reg, a.id, max_per_row=5)
    rows: dict[str, set[float]] = {}
    for layer, y in zip(lay.layer, lay.y, strict=True):
        rows.setdefault(layer, set()).add(float(y))
    for layer in lay.layers:
        n = lay.layer.count(layer)
        assert len(rows[layer]) == -(-n // 5)  # ceil(n / 5) rows
    # layers never overlap: every row of a layer lies above every row of the next one
    for upper, lower in zip(lay.layers, lay.layers[1:], strict=False):
        assert min(rows[upper]) > max(rows[lower])
    ax = plot_alliance(reg, a.id, max_per_row=5)
    _draw(ax)


def test_options_are_checked() -> None:
    reg = examples.load("county_township")
    with pytest.raises(MedAllianceError, match="labels: must be 'auto' or 'id'"):
        plot_alliance(reg, "county_township_community", labels="name")  # type: ignore[arg-type]
    with pytest.raises(MedAllianceError, match="max_per_row: must be an integer >= 1"):
        alliance_layout(reg, "county_township_community", max_per_row=0)
    with pytest.raises(UnknownIdError):
        plot_alliance(reg, "nope")
    with pytest.raises(MedAllianceError, match="labels: must be 'auto', 'id' or 'none'"):
        plot_map(reg, labels="all")  # type: ignore[arg-type]


def test_given_axes_are_used() -> None:
    fig, (left, right) = plt.subplots(1, 2)
    reg = examples.load("gangkou")
    assert plot_alliance(reg, "gangkou_community", ax=right) is right
    assert len(left.collections) == 0
    assert len(fig.axes) == 2


# -- maps --------------------------------------------------------------------------------------


def test_map_points_are_the_coordinates() -> None:
    reg = synthetic.county(seed=1, townships=2, villages_per_township=2)
    ax = plot_map(reg)
    _draw(ax)
    [points] = [c for c in ax.collections if c.get_gid() == "institutions"]
    want = np.array([(i.lon, i.lat) for i in reg.institutions])
    np.testing.assert_allclose(np.asarray(points.get_offsets()), want)
    assert _notes(ax, MISSING_NOTE_GID) == []
    a = reg.alliances[0]
    ax = plot_map(reg, alliance=a.id)
    roles = {m.institution: m.role for m in a.memberships}
    for role, xy in _nodes(ax).items():
        ids = [i for i in a.members if roles[i].value == role]
        want = np.array([(reg.institution(i).lon, reg.institution(i).lat) for i in ids])
        np.testing.assert_allclose(xy, want)


def test_map_reports_institutions_without_coordinates() -> None:
    reg = synthetic.county(seed=1, townships=2, villages_per_township=2)
    stripped = tuple(
        i.replace(lat=None, lon=None) if k < 3 else i for k, i in enumerate(reg.institutions)
    )
    ax = plot_map(reg.replace(institutions=stripped))
    _draw(ax)
    assert _notes(ax, MISSING_NOTE_GID) == [
        f"3 of {len(reg.institutions)} institutions have no coordinates and are not shown"
    ]
    with pytest.raises(MedAllianceError, match="no institution has coordinates"):
        plot_map(examples.load("gangkou"))
    with pytest.raises(MedAllianceError, match="no member of alliance 'gangkou_community'"):
        plot_map(examples.load("gangkou"), alliance="gangkou_community")


def test_map_shows_only_the_tiers_asked_for() -> None:
    reg = synthetic.county(seed=1, townships=2, villages_per_township=2)
    ax = plot_map(reg, tiers=["二级", "primary"])
    [points] = [c for c in ax.collections if c.get_gid() == "institutions"]
    want = [(i.lon, i.lat) for i in reg.institutions if i.tier.value in ("secondary", "primary")]
    np.testing.assert_allclose(np.asarray(points.get_offsets()), np.array(want))
    with pytest.raises(MedAllianceError) as info:
        plot_map(reg, tiers=["primary", "county"])
    assert info.value.problems[0].render().startswith("tiers[1]: unknown tier 'county'")
    with pytest.raises(MedAllianceError, match="must be a list of tiers, got str"):
        plot_map(reg, tiers="primary")


def test_map_accessibility_surface() -> None:
    reg = examples.load("gangkou")  # no coordinates: the surface alone is drawn
    lon = np.array([108.3, 108.4, 108.5])
    lat = np.array([21.6, 21.6, 21.7])
    values = np.array([0.5, 1.5, 2.5])
    ax = plot_map(reg, accessibility=(lon, lat, values))
    _draw(ax)
    [surface] = [c for c in ax.collections if c.get_gid() == "accessibility"]
    np.testing.assert_allclose(np.asarray(surface.get_offsets()), np.c_[lon, lat])
    np.testing.assert_allclose(surface.get_array(), values)
    assert len(ax.figure.axes) == 2  # the colour bar
    assert _notes(ax, MISSING_NOTE_GID) == [
        "5 of 5 institutions have no coordinates and are not shown"
    ]
    # the inputs are not modified
    np.testing.assert_array_equal(values, [0.5, 1.5, 2.5])


def test_map_surface_problems_are_all_listed() -> None:
    reg = synthetic.county(seed=1, townships=1, villages_per_township=1)
    with pytest.raises(MedAllianceError, match=r"expected a tuple \(lon, lat, values\)"):
        plot_map(reg, accessibility=np.zeros((3, 4)))  # type: ignore[arg-type]
    with pytest.raises(MedAllianceError, match="differ in length"):
        plot_map(reg, accessibility=([1.0, 2.0], [1.0], [1.0, 2.0]))
    with pytest.raises(MedAllianceError) as info:
        plot_map(reg, accessibility=([200.0, 1.0], [1.0, float("nan")], [np.inf, 1.0]))
    assert [p.render() for p in info.value.problems] == [
        "accessibility.lon[0]: 1 value(s) not finite or outside [-180, 180] (first: 200.0)",
        "accessibility.lat[1]: 1 value(s) not finite or outside [-90, 90] (first: nan)",
        "accessibility.values[0]: 1 value(s) not finite (first: inf)",
    ]
    with pytest.raises(MedAllianceError) as info:
        plot_map(reg, accessibility=([["a"]], [[1.0]], "x"))
    assert [p.render() for p in info.value.problems] == [
        "accessibility.lon: must be numbers",
        "accessibility.lat: must be one-dimensional",
        "accessibility.values: must be numbers",
    ]


# -- generated registries, missing extra -------------------------------------------------------


@pytest.mark.slow
@settings(max_examples=8)
@given(reg=registries(max_institutions=8, max_alliances=2))
def test_generated_alliances_draw_without_warnings(reg: Registry) -> None:
    # names hold arbitrary Unicode (and "$"): labels fall back without missing-glyph warnings
    for a in reg.alliances:
        _check_layers(reg, a.id)
        ax = plot_alliance(reg, a.id)
        _draw(ax)
        plt.close(ax.figure)
    if any(i.has_coordinates for i in reg.institutions):
        ax = plot_map(reg)
        _draw(ax)
        plt.close(ax.figure)


def test_missing_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    mfonts._cjk_font.cache_clear()
    try:
        reg = examples.load("county_township")
        with pytest.raises(ImportError, match=r"pip install 'medalliance\[plot\]'"):
            plot_alliance(reg, "county_township_community")
        with pytest.raises(ImportError, match=r"pip install 'medalliance\[plot\]'"):
            cjk_font()
    finally:
        mfonts._cjk_font.cache_clear()


# -- issue 12, pictures ---------------------------------------------------------------------------


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= c <= "\u9fff" for c in text)


def test_shared_centres_are_drawn() -> None:
    reg = examples.load("gangkou")
    a = reg.alliance("gangkou_community")
    assert a.shared_centres
    ax = plot_alliance(reg, a.id, labels="id")
    _draw(ax)
    gids = {c.get_gid() for c in ax.collections}
    for c in a.shared_centres:
        assert f"shared_centre:{c.id}" in gids
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "shared centre" in legend


def test_lead_names_stand_above_the_lead_clear_of_the_arcs() -> None:
    reg = examples.load("qinghai_oncology")
    ax = plot_alliance(reg, "qinghai_oncology_centre", labels="id")
    lay = alliance_layout(reg, "qinghai_oncology_centre")
    lead = lay.ids[0]
    [label] = [t for t in ax.texts if t.get_text() == lead]
    _, y = label.get_position()
    assert y > float(lay.y[0])  # above the star; every arc leaves it downwards
    assert label.get_va() == "bottom"


def test_subtitles_and_legends_are_english_codes_without_a_cjk_font(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(mfonts, "_cjk_font", lambda: None)
    ax = plot_alliance(examples.load("gangkou"), "gangkou_community")
    _draw(ax)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "lead" in legend
    assert "county_medical_community" in ax.get_title()
    assert not any(_has_cjk(t) for t in legend)


@pytest.mark.skipif(cjk_font() is None, reason="no CJK font installed (the test extra has one)")
def test_subtitles_and_legends_are_chinese_with_a_cjk_font() -> None:
    ax = plot_alliance(examples.load("gangkou"), "gangkou_community")
    _draw(ax)
    title = ax.get_title()
    assert "县域医共体" in title
    assert "county_medical_community" not in title
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "牵头" in legend
    assert "共享中心" in legend
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks[0] == "牵头"
    assert _notes(ax, FONT_NOTE_GID) == []


def test_font_packages_are_picked_up_without_being_imported() -> None:
    from medalliance.plot import FONT_PACKAGES

    assert "noto_cjk_sans_otc" in FONT_PACKAGES
    before = set(sys.modules)
    mfonts._package_fonts()
    assert not (set(sys.modules) - before) & set(FONT_PACKAGES)

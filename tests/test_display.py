"""Notebook display: escaped, compact, truncated HTML; one-line reprs."""

from __future__ import annotations

import html
from collections import Counter
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import given, settings

from medalliance import Institution, MedAllianceError, Registry, Tier, examples, synthetic
from medalliance.display import (
    MAX_ROWS,
    _cell,  # internal; its formatting rules are tested here
    agreement_html,
    alliance_html,
    html_table,
    institution_html,
    member_table,
    registry_html,
    tabular_html,
)
from strategies import registries

VOID = {"br", "hr", "img"}


class _Balance(HTMLParser):
    """Checks that every tag is closed in order and collects the text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.tags: Counter[str] = Counter()

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.tags[tag] += 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack, f"unexpected </{tag}>"
        assert self.stack.pop() == tag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(markup: str) -> _Balance:
    p = _Balance()
    p.feed(markup)
    p.close()
    assert p.stack == [], p.stack
    return p


EVIL = "<script>alert('x')</script> & 医院"


def _evil_registry() -> Registry:
    return Registry(
        title=EVIL,
        institutions=[
            {"id": "h", "name": EVIL, "kind": "综合医院", "level": "三甲", "name_en": "<b>"},
            {"id": "v", "name": "某村卫生室", "kind": "村卫生室", "aliases": ["<i>"]},
        ],
        alliances=[
            {
                "id": "a",
                "name": EVIL,
                "form": "县域医共体",
                "lead": ["h"],
                "memberships": [{"institution": "h", "role": "lead"}, {"institution": "v"}],
            }
        ],
        agreements=[
            {
                "id": "g",
                "alliance": "a",
                "parties": ["h", "v"],
                "items": ["双向转诊"],
                "title": EVIL,
            }
        ],
    )


def test_everything_is_escaped() -> None:
    reg = _evil_registry()
    outputs = [
        registry_html(reg),
        reg._repr_html_(),
        alliance_html(reg.alliances[0]),
        alliance_html(reg.alliances[0], registry=reg),
        reg.alliances[0]._repr_html_(),
        institution_html(reg.institution("h")),
        reg.institution("v")._repr_html_(),
        agreement_html(reg.agreements[0]),
        reg.agreements[0]._repr_html_(),
        tabular_html(member_table(reg, "a")),
    ]
    for markup in outputs:
        assert "<script>" not in markup
        assert "<b>" not in markup
        assert "<i>" not in markup
        parsed = parse(markup)
        assert set(parsed.tags) <= {
            "div",
            "strong",
            "table",
            "caption",
            "thead",
            "tbody",
            "tfoot",
            "tr",
            "th",
            "td",
        }
    text = "".join(parse(registry_html(reg)).text)
    assert EVIL in text  # shown, as text
    assert html.escape(EVIL) in registry_html(reg)


def test_tier_and_kind_counts_match_a_naive_count() -> None:
    reg = synthetic.county(seed=5, townships=3, villages_per_township=4)
    markup = registry_html(reg)
    tiers = Counter(i.tier for i in reg.institutions)
    for tier, n in tiers.items():
        assert f"<td>{tier.value} ({tier.label_zh})</td><td>{n:,}</td>" in markup
    assert f"{len(reg.institutions):,} institutions" in markup
    for a in reg.alliances:
        members = [reg.institution(m) for m in a.members]
        per = Counter(i.tier for i in members)
        row = "".join(f"<td>{per[t]}</td>" for t in reversed(Tier))
        assert f"<td>{len(members)}</td>{row}</tr>" in markup


def _province() -> Registry:
    return synthetic.province(seed=1, cities=2, counties=2, townships=2, villages_per_township=1)


def test_long_tables_are_cut_with_a_count() -> None:
    reg = _province()
    shown = 4
    assert len(reg.alliances) > shown
    markup = registry_html(reg, max_rows=shown)
    more = len(reg.alliances) - shown
    assert f"… and {more:,} more rows" in markup
    body = markup[markup.index("<caption>alliances</caption>") :]
    assert body.count("<tr>") == shown + 2  # header, rows, footer
    assert "… and 1 more row<" in html_table(["x"], [[1], [2]], max_rows=1)
    assert "more" not in html_table(["x"], [[1], [2]], max_rows=2)
    big = synthetic.county(seed=1)
    members = alliance_html(big.alliances[0], registry=big)
    assert f"… and {len(big.alliances[0].memberships) - MAX_ROWS:,} more rows" in members


def test_registry_html_reads_only_the_alliances_it_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    reg = _province()
    calls: list[str] = []
    original = Registry.members_of

    def counting(self: Registry, alliance: str) -> tuple[Institution, ...]:
        calls.append(alliance)
        return original(self, alliance)

    monkeypatch.setattr(Registry, "members_of", counting)
    registry_html(reg, max_rows=5)
    assert len(calls) == 5


def test_html_table_rejects_bad_max_rows() -> None:
    for bad in (0, -1, True, 2.0):
        with pytest.raises(MedAllianceError, match="max_rows: must be an integer >= 1"):
            html_table(["x"], [], max_rows=bad)  # type: ignore[arg-type]


def test_member_tables_show_roles_and_tiers() -> None:
    reg = examples.load("shanghai_luwan")
    table = member_table(reg, "luwan_ruijin")
    assert [r["institution"] for r in table.rows()] == list(reg.alliance("luwan_ruijin").members)
    for row in table.rows():
        inst = reg.institution(row["institution"])
        assert row["tier"] == inst.tier.value
        role = reg.alliance("luwan_ruijin").role_of(inst.id)
        assert role is not None
        assert row["role"] == role.value
    df = table.to_frame()
    assert list(df.columns) == [
        "institution",
        "name",
        "role",
        "tightness",
        "tier",
        "grade",
        "kind",
        "joined",
    ]
    markup = alliance_html(reg.alliance("luwan_ruijin"), registry=reg)
    assert "上海交通大学医学院附属瑞金医院" in markup
    assert "<td>tertiary</td>" in markup
    plain = reg.alliance("luwan_ruijin")._repr_html_()
    assert "<th>role</th>" in plain
    assert "<td>ruijin</td><td>lead</td>" in plain


def test_institution_html_shows_only_fields_that_are_set() -> None:
    reg = examples.load("gangkou")
    inst = reg.institution("gangkou_peoples")
    markup = institution_html(inst)
    assert "<td>id</td>" in markup
    assert ("<td>beds</td>" in markup) == (inst.beds is not None)
    assert ("<td>lat, lon</td>" in markup) == inst.has_coordinates
    assert "<td>name_en</td>" not in institution_html(
        Institution(id="v", name="某村卫生室", kind="村卫生室")
    )


def test_reprs_are_one_short_line() -> None:
    reg = synthetic.county(seed=1)
    objects: list[Any] = [
        reg,
        reg.alliances[0],
        reg.institutions[0],
        reg.agreements[0],
        member_table(reg, reg.alliances[0].id),
    ]
    for obj in objects:
        text = repr(obj)
        assert "\n" not in text
        assert len(text) < 160, text
        assert str(obj) == text


def test_cell_formats() -> None:
    assert _cell(None) == ""
    assert _cell(True) == "yes"
    assert _cell(0.0) == "0"
    assert _cell(12.5) == "12.5"
    assert _cell(1 / 3) == "0.3333"
    assert _cell(2e-5) == "2e-05"
    assert _cell(float("nan")) == "nan"
    assert _cell(frozenset({"b", "a"})) == "a, b"
    assert _cell((Tier.PRIMARY, "x")) == "primary, x"


@settings(max_examples=30)
@given(reg=registries())
def test_generated_registries_display_well_formed_html(reg: Registry) -> None:
    parse(registry_html(reg))
    for a in reg.alliances:
        parse(alliance_html(a, registry=reg))
        parse(a._repr_html_())
    for i in reg.institutions:
        parsed = parse(institution_html(i))
        assert i.name in "".join(parsed.text)

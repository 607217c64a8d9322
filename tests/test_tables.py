"""pandas / GeoPandas tables: lossless round trips, a naive reference, every bad frame reported."""

from __future__ import annotations

import datetime as dt
import doctest
import importlib
import inspect
import math
import pkgutil
import sys
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import medalliance
from medalliance import MedAllianceError, Registry, examples, synthetic
from medalliance.io.tables import RegistryFrames, from_frames, to_frames, to_geodataframe
from medalliance.model.types import Tabular
from strategies import registries

# -- a naive reference: every record dumped by pydantic and flattened by hand -----------------

REGION = ("province", "city", "county", "township", "division_code")
PROVENANCE = ("source", "quote", "inferred", "note")


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return tuple(_plain(v) for v in value)
    return value


def _flatten(record: dict[str, Any], owner: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {} if owner is None else {"alliance": owner}
    for key, value in record.items():
        if key == "region":
            for f in REGION:
                out[f] = value[f]
        elif key == "provenance":
            for f in PROVENANCE:
                got = None if value is None else value[f]
                out[f"provenance_{f}"] = () if f == "inferred" and got is None else got
        else:
            out[key] = _plain(value)
    return out


NESTED = (
    "memberships",
    "shared_centres",
    "expert_clinics",
    "staff_postings",
    "declared",
    "changes",
)


def _naive_tables(reg: Registry) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for name in ("sources", "institutions", "agreements"):
        out[name] = [
            _flatten(r.model_dump(exclude={"level", "former_names"})) for r in getattr(reg, name)
        ]
    out["former_names"] = [
        {"institution": i.id, "name": f.name, "until": f.until}
        for i in reg.institutions
        for f in i.former_names
    ]
    out["alliances"] = [_flatten(a.model_dump(exclude=set(NESTED))) for a in reg.alliances]
    for row in out["alliances"]:  # the documented cell of a tightness set member by member
        row["tightness"] = row["tightness"] or "per_member"
    for child in NESTED:
        out[child] = [
            _flatten(r.model_dump(), owner=a.id) for a in reg.alliances for r in getattr(a, child)
        ]
    for row in out["changes"]:  # a change without a new lead: an empty lead cell
        row["lead"] = row["lead"] or ()
    out["divisions"] = [
        {**_flatten(d.model_dump()), "uncertain": "true" if d.uncertain else None}
        for d in reg.divisions
    ]  # the yes/no flag is written "true" or left blank
    return out


def _cell(value: Any) -> Any:
    """A DataFrame cell back to a plain Python value (the test's own decoding)."""
    if isinstance(value, pd.Timestamp):
        return value.date()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _frame_rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _cell(v) for k, v in row.items()} for row in df.to_dict("records")]


def _assert_matches_naive(reg: Registry) -> None:
    frames = to_frames(reg)
    naive = _naive_tables(reg)
    for name, df in frames.tables():
        got = _frame_rows(df)
        want = naive[name]
        assert len(got) == len(want), name
        for row, (g, w) in enumerate(zip(got, want, strict=True)):
            assert set(g) == set(w), (name, set(g) ^ set(w))
            for key in w:
                wv = w[key]
                gv = g[key]
                if isinstance(wv, float) and isinstance(gv, float):
                    assert gv == wv or (math.isnan(gv) and math.isnan(wv)), (name, row, key)
                else:
                    assert gv == wv, (name, row, key, gv, wv)
                    assert type(gv) is type(wv) or wv is None, (name, row, key, gv, wv)


# -- round trips -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", examples.names())
def test_every_example_round_trips_and_matches_naive(name: str) -> None:
    reg = examples.load(name)
    assert from_frames(to_frames(reg)) == reg
    _assert_matches_naive(reg)


@pytest.mark.slow
@settings(max_examples=30)
@given(reg=registries(history="all"))
def test_generated_registries_round_trip(reg: Registry) -> None:
    frames = to_frames(reg)
    back = from_frames(frames)
    assert back == reg
    assert back.model_dump() == reg.model_dump()  # int stays int, float stays float
    _assert_matches_naive(reg)


@settings(max_examples=10)
@given(reg=registries(history="all"), data=st.data())
def test_shuffled_top_level_rows_give_the_same_registry(reg: Registry, data: st.DataObject) -> None:
    frames = to_frames(reg)
    shuffled = {}
    for name in ("institutions", "alliances", "agreements", "sources"):
        df = getattr(frames, name)
        order = data.draw(st.permutations(list(range(len(df)))))
        shuffled[name] = df.iloc[list(order)].reset_index(drop=True)
    again = RegistryFrames(
        **{**dict(frames.tables()), **shuffled},
        title=frames.title,
        description=frames.description,
    )
    assert from_frames(again) == reg


def test_synthetic_county_round_trips() -> None:
    reg = synthetic.county(seed=3, townships=3, villages_per_township=4)
    assert from_frames(to_frames(reg)) == reg
    _assert_matches_naive(reg)


def test_from_frames_does_not_modify_its_input() -> None:
    frames = to_frames(examples.load("gangkou"))
    copies = {name: df.copy(deep=True) for name, df in frames.tables()}
    from_frames(frames)
    for name, df in frames.tables():
        pd.testing.assert_frame_equal(df, copies[name])


def test_frames_are_new_copies() -> None:
    reg = examples.load("shanghai_luwan")
    a, b = to_frames(reg), to_frames(reg)
    assert a.institutions is not b.institutions
    a.institutions.loc[0, "name"] = "changed"
    assert from_frames(b) == reg


def test_dtypes_are_native() -> None:
    frames = to_frames(examples.load("shanghai_luwan"))
    inst = frames.institutions
    assert isinstance(inst["tier"].dtype, pd.CategoricalDtype)
    assert inst["tier"].cat.ordered
    assert list(inst["tier"].cat.categories) == ["village", "primary", "secondary", "tertiary"]
    assert str(inst["beds"].dtype) == "Int64"
    assert inst["lat"].dtype == np.float64
    assert str(frames.alliances["founded"].dtype) == "datetime64[s]"
    assert frames.alliances["founded"].iloc[0] == pd.Timestamp("2011-01-28")
    assert inst["aliases"].dtype == object
    top = inst.sort_values("tier", ascending=False)["id"].iloc[0]
    assert top == "ruijin"


def test_empty_registry_has_typed_empty_tables() -> None:
    frames = to_frames(Registry())
    for name, df in frames.tables():
        assert len(df) == 0, name
        assert len(df.columns) > 0, name
    assert from_frames(frames) == Registry()
    assert from_frames(RegistryFrames()) == Registry()
    assert from_frames(RegistryFrames(sources=pd.DataFrame())) == Registry()


def test_optional_columns_may_be_left_out_and_labels_are_read() -> None:
    frames = RegistryFrames(
        institutions=pd.DataFrame(
            {
                "id": ["h", "v"],
                "name": ["某县人民医院", "某村卫生室"],
                "kind": ["综合医院", "村卫生室"],
                "tier": ["三级", np.nan],
                "beds": [500.0, np.nan],  # integer column with a gap, stored as floats
                "services": [["CT", "磁共振"], None],
                "joined_note": [None, None],
            }
        ).drop(columns=["joined_note"]),
        alliances=pd.DataFrame(
            {"id": ["a"], "name": ["某医联体"], "form": ["城市医疗集团"], "lead": [np.array(["h"])]}
        ),
        memberships=pd.DataFrame(
            {"alliance": ["a", "a"], "institution": ["h", "v"], "role": ["牵头", None]}
        ),
    )
    reg = from_frames(frames)
    h = reg.institution("h")
    assert h.beds == 500
    assert type(h.beds) is int
    assert [s.value for s in h.services] == ["ct", "mri"]
    assert reg.institution("v").tier.value == "village"
    assert [m.role.value for m in reg.alliance("a").memberships] == ["lead", "member"]


def test_dates_from_strings_dates_and_midnight_timestamps() -> None:
    frames = to_frames(examples.load("shanghai_luwan"))
    for value in ("2011-01-28", dt.date(2011, 1, 28), pd.Timestamp("2011-01-28")):
        alliances = frames.alliances.copy()
        alliances["founded"] = pd.Series([value], dtype=object)
        reg = from_frames(_replace(frames, alliances=alliances))
        assert reg.alliances[0].founded == dt.date(2011, 1, 28)


def _replace(frames: RegistryFrames, **tables: Any) -> RegistryFrames:
    parts = dict(frames.tables())
    parts.update(tables)
    return RegistryFrames(**parts, title=frames.title, description=frames.description)


def _problems(frames: RegistryFrames) -> list[str]:
    with pytest.raises(MedAllianceError) as info:
        from_frames(frames)
    return [p.render() for p in info.value.problems]


# -- bad frames --------------------------------------------------------------------------------


def test_table_level_problems_are_all_listed() -> None:
    frames = to_frames(examples.load("gangkou"))
    bad = _replace(
        frames,
        institutions=frames.institutions.drop(columns=["kind"]).assign(bed=1),
        memberships=[{"alliance": "x"}],
        declared=frames.declared.rename(columns={"unit": "units"}),
    )
    input_only = ["level", "alliance", "role"]
    assert _problems(bad) == [
        "institutions.bed: unknown column (did you mean 'beds'?); the institutions table has "
        "columns: " + ", ".join([*to_frames(Registry()).institutions.columns, *input_only]),
        "institutions.kind: required column is missing",
        "memberships: expected a pandas DataFrame, got list",
        "declared.units: unknown column (did you mean 'unit'?); the declared table has columns: "
        + ", ".join(to_frames(Registry()).declared.columns),
        "declared.unit: required column is missing",
    ]


def test_duplicate_columns_are_reported() -> None:
    frames = to_frames(examples.load("county_township"))
    sources = pd.concat([frames.sources, frames.sources[["note"]]], axis=1)
    assert _problems(_replace(frames, sources=sources)) == ["sources.note: duplicate column"]


def test_cell_problems_and_registry_problems_come_together() -> None:
    frames = to_frames(examples.load("gangkou"))
    inst = frames.institutions.copy()
    inst["beds"] = inst["beds"].astype("float64")
    inst.loc[1, "beds"] = 12.5
    inst.loc[2, "name"] = np.nan
    inst["aliases"] = pd.Series([(), "甲;;乙", (), (), ()], dtype=object)
    inst.loc[3, "division_code"] = "12"
    mem = frames.memberships.copy()
    mem.loc[4, "institution"] = "nowhere"
    centres = frames.shared_centres.copy()
    centres.loc[2, "capacity_per_day"] = -3
    centres.loc[3, "alliance"] = "no_such_alliance"
    declared = frames.declared.copy()
    declared.loc[5, "value"] = "many"
    got = _problems(
        _replace(
            frames,
            institutions=inst,
            memberships=mem,
            shared_centres=centres,
            declared=declared,
        )
    )
    assert "institutions[1].beds: must be a whole number, got 12.5" in got
    assert "institutions[2].name: required value is missing" in got
    assert any(p.startswith("institutions[1].aliases: empty item 2 in the list") for p in got)
    assert any(p.startswith("institutions[3].division_code: String should match") for p in got)
    assert "memberships[4].institution: unknown institution 'nowhere'" in got
    assert any(
        p.startswith("shared_centres[2].capacity_per_day: Input should be greater") for p in got
    )
    unknown = "unknown alliance 'no_such_alliance' (not an id or name in the alliances table)"
    assert f"shared_centres[3].alliance: {unknown}" in got
    assert any(p.startswith("declared[5].value") for p in got)
    assert len(got) == len(set(got))  # nothing reported twice


def test_whole_float_counts_are_integers_but_inf_is_not() -> None:
    frames = to_frames(synthetic.county(seed=1, townships=1, villages_per_township=1))
    inst = frames.institutions.copy()
    inst["beds"] = inst["beds"].astype("float64")
    reg = from_frames(_replace(frames, institutions=inst))
    assert all(type(i.beds) is int for i in reg.institutions if i.beds is not None)
    inst.loc[0, "beds"] = np.inf
    assert _problems(_replace(frames, institutions=inst)) == [
        "institutions[0].beds: must be a whole number, got inf"
    ]


def test_declared_values_keep_floats_for_non_counts_and_ints_for_counts() -> None:
    reg = examples.load("gangkou")
    frames = to_frames(reg)
    declared = frames.declared.copy()
    declared["value"] = declared["value"].astype("float64")  # e.g. after a CSV round trip
    back = from_frames(_replace(frames, declared=declared))
    assert back == reg
    for fig in (f for a in back.alliances for f in a.declared):
        if fig.unit.is_count:
            assert type(fig.value) is int


def test_dates_with_a_time_of_day_or_a_zone_are_errors() -> None:
    frames = to_frames(examples.load("shanghai_luwan"))
    alliances = frames.alliances.copy()
    alliances["founded"] = pd.Series([pd.Timestamp("2011-01-28 09:30")], dtype="datetime64[s]")
    assert _problems(_replace(frames, alliances=alliances)) == [
        "alliances[0].founded: expected a date, got a time of day 2011-01-28 09:30:00"
    ]
    alliances["founded"] = pd.Series([pd.Timestamp("2011-01-28", tz="Asia/Shanghai")])
    assert _problems(_replace(frames, alliances=alliances)) == [
        "alliances.founded: dates must not carry a time zone"
    ]
    alliances["founded"] = pd.Series([pd.Timestamp("2011-01-28 09:30")], dtype=object)
    assert _problems(_replace(frames, alliances=alliances)) == [
        "alliances[0].founded: expected a date, got a time of day 2011-01-28 09:30:00"
    ]


def test_provenance_needs_its_source() -> None:
    frames = to_frames(examples.load("gangkou"))
    inst = frames.institutions.copy()
    inst.loc[0, "provenance_source"] = np.nan
    inst.loc[1, "provenance_source"] = "unknown_source"
    got = _problems(_replace(frames, institutions=inst))
    assert got[0].startswith("institutions[0].provenance_source: required when provenance_quote")
    assert got[1] == "institutions[1].provenance_source: unknown source 'unknown_source'"


def test_alliance_without_member_rows_and_lead_errors() -> None:
    frames = to_frames(examples.load("gangkou"))
    alliances = frames.alliances.copy()
    alliances["lead"] = pd.Series([("gangkou_peoples", "gongche_thc")], dtype=object)
    got = _problems(_replace(frames, alliances=alliances))
    assert got == ["alliances[0].lead[1]: lead 'gongche_thc' has member role 'hub', not 'lead'"]
    empty = frames.memberships.iloc[0:0]
    got = _problems(_replace(frames, memberships=empty, shared_centres=None, declared=None))
    assert got == [
        "alliances[0].id: alliance 'gangkou_community' has no rows in the memberships table",
        "alliances[0].lead[0]: lead 'gangkou_peoples' is not a member",
    ]


def test_wrong_container_and_title_are_reported() -> None:
    with pytest.raises(MedAllianceError, match="expected RegistryFrames, got dict"):
        from_frames({"institutions": pd.DataFrame()})  # type: ignore[arg-type]
    with pytest.raises(MedAllianceError, match="title: must not be empty"):
        from_frames(RegistryFrames(title="  "))


def test_numeric_ids_are_not_coerced_to_text() -> None:
    frames = RegistryFrames(
        institutions=pd.DataFrame({"id": [1], "name": ["某村卫生室"], "kind": ["村卫生室"]})
    )
    assert _problems(frames) == ["institutions[0].id: Input should be a valid string (got 1)"]


def test_repr_is_one_line_and_iteration_gives_tables() -> None:
    frames = to_frames(examples.load("dingzhou"))
    assert "\n" not in repr(frames)
    assert repr(frames).startswith("RegistryFrames(institutions=4,")
    assert [n for n, _ in frames] == [n for n, _ in frames.tables()]
    assert "<td>shared_centres</td><td>24</td>" in frames._repr_html_()


# -- GeoPandas ---------------------------------------------------------------------------------


def _mixed() -> Registry:
    reg = synthetic.county(seed=2, townships=1, villages_per_township=2)
    first = reg.institutions[0].replace(lat=None, lon=None)
    return reg.replace(institutions=(first, *reg.institutions[1:]))


def test_geodataframe_points_match_coordinates() -> None:
    reg = synthetic.county(seed=2, townships=2, villages_per_township=2)
    gdf = to_geodataframe(reg)
    assert gdf.crs.to_epsg() == 4326
    assert len(gdf) == len(reg.institutions)
    assert gdf.attrs["without_coordinates"] == ()
    for (_, row), inst in zip(gdf.iterrows(), reg.institutions, strict=True):
        assert row["id"] == inst.id
        assert row.geometry.x == inst.lon
        assert row.geometry.y == inst.lat


def test_geodataframe_missing_coordinates_modes() -> None:
    reg = _mixed()
    missing_id = reg.institutions[0].id
    with pytest.raises(MedAllianceError) as info:
        to_geodataframe(reg)
    assert [p.render() for p in info.value.problems] == [
        f"institutions[0].lat: institution {missing_id!r} has no coordinates "
        "(use missing='drop' or 'keep' to go on without it)"
    ]
    dropped = to_geodataframe(reg, missing="drop")
    assert len(dropped) == len(reg.institutions) - 1
    assert missing_id not in set(dropped["id"])
    assert dropped.attrs["without_coordinates"] == (missing_id,)
    kept = to_geodataframe(reg, missing="keep")
    assert len(kept) == len(reg.institutions)
    assert kept.geometry.iloc[0] is None
    assert kept.geometry.iloc[1:].notna().all()
    with pytest.raises(MedAllianceError, match="must be 'error', 'drop' or 'keep'"):
        to_geodataframe(reg, missing="ignore")  # type: ignore[arg-type]


# -- missing extras ----------------------------------------------------------------------------


@pytest.mark.parametrize("module", ["pandas", "geopandas"])
def test_missing_extra_names_it(module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, module, None)
    reg = synthetic.county(seed=1, townships=1, villages_per_township=1)
    convert = to_frames if module == "pandas" else to_geodataframe
    with pytest.raises(ImportError, match=r"pip install 'medalliance\[tables\]'"):
        convert(reg)


# -- every table-like result offers to_frame() -------------------------------------------------


def _tabular_classes() -> dict[type[Tabular], Any]:
    """Public Tabular subclasses of every medalliance module (later modules included)."""
    found: dict[type[Tabular], Any] = {}
    for info in pkgutil.walk_packages(medalliance.__path__, "medalliance."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, Tabular)
                and obj is not Tabular
                and obj.__module__ == module.__name__
                and not name.startswith("_")
            ):
                found[obj] = module
    return found


def _harvest(modules: set[Any]) -> dict[type[Tabular], Tabular]:
    """Instances of Tabular classes built by the modules' own docstring examples."""
    out: dict[type[Tabular], Tabular] = {}
    finder = doctest.DocTestFinder()
    for module in sorted(modules, key=lambda m: m.__name__):
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        for test in finder.find(module):
            runner.run(test, out=lambda _: None, clear_globs=False)
            for value in test.globs.values():
                if isinstance(value, Tabular):
                    out.setdefault(type(value), value)
            test.globs.clear()
    return out


def _extra_instances() -> list[Tabular]:
    """Results whose docstrings do not keep one in a variable."""
    from medalliance import coverage

    gangkou = examples.load("gangkou")
    return [coverage.articulation_points(gangkou)]


def test_every_tabular_result_gives_a_dataframe() -> None:
    classes = _tabular_classes()
    instances = _harvest(set(classes.values()))
    for extra in _extra_instances():
        instances.setdefault(type(extra), extra)
    missing = sorted(c.__qualname__ for c in classes if c not in instances)
    assert missing == [], f"add an instance of {missing} to _extra_instances()"
    for cls, result in instances.items():
        rows = result.rows()
        df = result.to_frame()
        assert isinstance(df, pd.DataFrame), cls
        assert len(df) == len(rows), cls
        if rows:
            assert list(df.columns) == list(rows[0]), cls
        html = result._repr_html_()
        assert html.startswith('<div class="medalliance">'), cls
        assert cls.__name__ in html
        if cls.__qualname__ not in LONG_REPRS:
            assert "\n" not in repr(result), cls


LONG_REPRS: set[str] = set()
"""Classes (of other modules) whose repr is still their dataclass repr, over several lines."""


# -- the shapes of a health bureau's sheets (issue 12) -----------------------------------------


def test_from_frames_reads_aliases_levels_list_cells_and_text_numbers() -> None:
    frames = RegistryFrames(
        institutions=pd.DataFrame(
            {
                "机构编码": ["h", "t"],
                "机构名称": ["某县医院", "某镇卫生院"],
                "Kind": ["综合医院", "乡镇卫生院"],
                "等级": ["二甲", None],
                "床位数（张）": ["320", None],
                "经度": ["112.5", None],
                "纬度": [30.25, None],
                "服务项目": ["ct；lab", None],
                "所属医联体": ["某医共体", "a"],
                "角色": ["牵头单位", "成员单位"],
            }
        ),
        alliances=pd.DataFrame({"id": ["a"], "name": ["某医共体"], "form": ["县域医共体"]}),
        agreements=pd.DataFrame(
            {"id": ["g"], "alliance": ["某医共体"], "parties": ["h、t"], "items": ["双向转诊"]}
        ),
    )
    reg = from_frames(frames)
    h = reg.institution("h")
    assert (h.tier.value, h.beds, h.lon, h.lat) == ("secondary", 320, 112.5, 30.25)
    assert [s.value for s in h.services] == ["ct", "lab"]
    assert reg.alliance("a").lead == ("h",)
    assert reg.agreements[0].alliance == "a"
    assert reg.agreements[0].parties == ("h", "t")


def test_ambiguous_names_and_leaderless_alliances_are_errors() -> None:
    frames = RegistryFrames(
        institutions=pd.DataFrame(
            {
                "id": ["h"],
                "name": ["某院"],
                "kind": ["综合医院"],
                "tier": ["二级"],
                "alliance": ["同名"],
                "role": ["成员"],
            }
        ),
        alliances=pd.DataFrame(
            {"id": ["a", "b"], "name": ["同名", "同名"], "form": ["县域医共体", "县域医共体"]}
        ),
        memberships=pd.DataFrame({"alliance": ["b"], "institution": ["h"], "role": ["成员"]}),
    )
    assert _problems(frames) == [
        "institutions[0].alliance: alliance name '同名' is ambiguous (alliances rows [0, 1]): "
        "use the id",
        "alliances[0].id: alliance 'a' has no rows in the memberships table",
        "alliances[1].lead: no lead: fill in the lead (牵头单位), or give a member the role lead",
    ]

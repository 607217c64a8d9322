"""Messages a person meets (issue 12): traditional labels, suggestions, knock-on errors,
plurals, compact displays, undetermined figures, referral and indicator reasons."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from typing import Any

import pytest

import medalliance
from medalliance import LabelError, MedAllianceError, MemberRole, Specialty, UnknownIdError
from medalliance.model.labels import to_simplified
from medalliance.model.types import FrozenModel
from medalliance.model.vocab import LabelledEnum

# -- 1. traditional forms of every label -------------------------------------------------------

# Simplified -> traditional, written out by hand for this test (independent of the library's
# own table): every CJK character of every label is either a key here or listed in SAME.
_SIMPLIFIED = (
    "专业个乡云产优会传体余儿养内划办务区医协单卫县双后员团国图声处复头妇婴学实对导层师帮干"
    "并广应张总执扫护报担拟摄数断无术机松构枢标检横测点牵电疗监础礼种窥签紧约级纽线终经结络"
    "统综绿网联肤肾肿脏药营衔规计认训议设评诊财质购费资转达进远适递遗采镇镜长门阅队际难项预"
    "颈额驻验龙周"
)
_TRADITIONAL = (
    "專業個鄉雲產優會傳體餘兒養內劃辦務區醫協單衛縣雙後員團國圖聲處復頭婦嬰學實對導層師幫幹"
    "並廣應張總執掃護報擔擬攝數斷無術機鬆構樞標檢橫測點牽電療監礎禮種窺簽緊約級紐線終經結絡"
    "統綜綠網聯膚腎腫臟藥營銜規計認訓議設評診財質購費資轉達進遠適遞遺採鎮鏡長門閱隊際難項預"
    "頸額駐驗龍週"
)
S2T = dict(zip(_SIMPLIFIED, _TRADITIONAL, strict=True))
SAME = frozenset(
    "一三上下不丙中主乙事二互五交享人他付以件任估位住作例供依保信修值健像元先光全公六共其出分"
    "判制前副力勒勤包化半危口合同名向吸呼咽品喉四地坐型城域培基士外多天契字官定宜宣室宫家密射"
    "就巡已市常平年幼床底府庭康建式彩影待心急性息患感慢成房所手才打托扶承技拜持指按振接控推描"
    "援支放政效救教散敬新方族日明星普有服期未本材村析果染查核案模次止殖母毒比民沉治泌法派流消"
    "液源片物特理生用甲申留疑疾病症瘤百皮盟目盾省眼矛研磁社神私科程立站童等算管精老者耗耳育胃"
    "腔自至致色草血行街西超近送透通逾道部配酸醉重量金防院集非骨麻鼻"
)
"""Characters written the same in traditional script (in the sense of these labels)."""


def _label_enums() -> list[type[LabelledEnum]]:
    for mod in pkgutil.walk_packages(medalliance.__path__, "medalliance."):
        importlib.import_module(mod.name)
    found: list[type[LabelledEnum]] = []
    todo = list(LabelledEnum.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if list(cls) and cls not in found:
            found.append(cls)
    return sorted(found, key=lambda c: c.__qualname__)


def _traditional(label: str) -> str:
    return "".join(S2T.get(c, c) for c in label)


def _cjk(label: str) -> list[str]:
    return [c for c in label if "\u3400" <= c <= "\u9fff"]


@pytest.mark.parametrize("cls", _label_enums(), ids=lambda c: c.__name__)
def test_every_label_parses_in_traditional_form(cls: type[LabelledEnum]) -> None:
    table = cls.table()
    unlisted = sorted({c for label in table.accepted for c in _cjk(label)} - set(S2T) - SAME)
    assert not unlisted, f"add to S2T (with the traditional form) or to SAME: {unlisted}"
    wrong = []
    for label in table.accepted:
        trad = _traditional(label)
        if trad != label and table.lookup(trad) is not table.lookup(label):
            wrong.append((label, trad))
    assert not wrong


def test_the_reported_traditional_labels() -> None:
    for label in ("牽頭", "牽頭單位", "牽頭醫院"):
        assert MemberRole.parse(label) is MemberRole.LEAD
    assert medalliance.CooperationItem.parse("資訊共享").value == "information_sharing"
    assert to_simplified("牽頭") == "牵头"


def test_enough_vocabularies_are_checked() -> None:
    names = {c.__name__ for c in _label_enums()}
    assert {"Specialty", "CooperationItem", "MemberRole", "Direction", "Weekday"} <= names


# -- 4. suggestions ------------------------------------------------------------------------------


def test_unknown_label_suggests_the_closest_instead_of_the_whole_list() -> None:
    with pytest.raises(LabelError) as info:
        Specialty.parse("神经内")
    message = str(info.value)
    assert "did you mean '神经内科' (neurology)?" in message
    assert "accepted:" not in message
    assert len(message) < 200


def test_unknown_label_without_a_close_one_lists_every_accepted_label() -> None:
    with pytest.raises(LabelError, match=r"accepted: .*神经内科"):
        Specialty.parse("宇宙飞船")


def test_unknown_id_in_a_file_suggests_the_closest() -> None:
    data: dict[str, Any] = {
        "institutions": [
            {"id": "vil-c1", "name": "某村卫生室", "kind": "村卫生室"},
            {"id": "town-a", "name": "某镇卫生院", "kind": "乡镇卫生院"},
        ],
        "alliances": [
            {
                "id": "county",
                "name": "某县医共体",
                "form": "医共体",
                "lead": ["town-a"],
                "memberships": [
                    {"institution": "town-a", "role": "牵头"},
                    {"institution": "vil-c2", "role": "成员"},
                ],
            }
        ],
        "agreements": [
            {"id": "g", "alliance": "countyy", "parties": ["town-a", "vil-c1"], "items": ["会诊"]}
        ],
    }
    with pytest.raises(MedAllianceError) as info:
        medalliance.Registry.model_validate(data)
    messages = [p.message for p in info.value.problems]
    assert "unknown institution 'vil-c2'; did you mean 'vil-c1'?" in messages
    assert "unknown alliance 'countyy'; did you mean 'county'?" in messages


def test_unknown_specialty_of_a_case_suggests() -> None:
    with pytest.raises(MedAllianceError, match="did you mean '心血管内科' \\(cardiology\\)"):
        medalliance.ReferralCase(origin="v1", criterion="beyond_capability", specialty="心血管科")


def test_suggestions_among_many_ids_stay_cheap() -> None:
    from medalliance.model.labels import closest

    ids = [f"inst-{k:06d}" for k in range(200_000)]
    assert closest("inst-1999900", ids)[0] == "inst-199990"


def test_unknown_criterion_suggests() -> None:
    policy = medalliance.referral.default_policy()
    with pytest.raises(UnknownIdError, match="did you mean 'postop_recovery'"):
        policy.criterion("postop_recovry")


# -- 6. one cause, reported once ---------------------------------------------------------------


def test_one_bad_direction_in_a_policy_is_one_problem() -> None:
    from medalliance.referral.policy import policy_from_data

    criterion = {"code": "a", "name_en": "a", "name_zh": "甲", "directions": ["upp"]}
    with pytest.raises(MedAllianceError) as info:
        policy_from_data({"name": "p", "criteria": [criterion]})
    [problem] = info.value.problems
    assert problem.path == ("criteria", 0, "directions", 0)
    assert "did you mean 'up'" in problem.message
    assert "at least 1 item" not in str(info.value)


def test_an_empty_policy_list_is_still_refused() -> None:
    from medalliance.referral.policy import policy_from_data

    criterion = {"code": "a", "name_en": "a", "name_zh": "甲", "directions": []}
    with pytest.raises(MedAllianceError) as info:
        policy_from_data({"name": "p", "criteria": [criterion]})
    assert [p.message for p in info.value.problems] == ["must list at least one item"]


def _public_classes() -> list[type[Any]]:
    out: dict[type[Any], None] = {}
    for name in ("medalliance", *(f"medalliance.{m}" for m in _PACKAGES)):
        mod = importlib.import_module(name)
        for attr in getattr(mod, "__all__", ()):
            obj = getattr(mod, attr)
            if inspect.isclass(obj):
                out[obj] = None
    return list(out)


_PACKAGES = (
    "referral",
    "sharing",
    "coverage",
    "accessibility",
    "indicators",
    "report",
    "checks",
    "display",
    "distributed",
)


# -- 8. a compact display for every public result and policy object ------------------------------


def _results() -> list[Any]:
    """Results of the public analyses on bundled examples (and the inputs they take)."""
    from medalliance import accessibility as acc
    from medalliance import coverage as cov
    from medalliance import examples as ex
    from medalliance import indicators as ind
    from medalliance import referral as ref
    from medalliance import report, sharing, synthetic
    from medalliance.distributed import scenario_sweep
    from medalliance.history import diff, panel, timeline

    county = ex.load("county_township")
    gangkou = ex.load("gangkou")
    zhejiang = ex.load("zhejiang_geriatric")
    case = ref.ReferralCase(origin="township_centre", criterion="needs_equipment_or_exam")
    target = cov.ReachTarget(services=("ct",))
    pop = acc.Population(["v1", "v2"], [1200, 800], lat=[21.6, 21.7], lon=[108.3, 108.4])
    supply = acc.supply_from_registry(gangkou, capacity=lambda i: 1.0, skip_missing=True)
    costs = acc.costs_from_coordinates(pop, supply, speed_kmh=30, cutoff_min=60)
    activity = ind.Activity(
        care=[{"period": "2019", "kind": "visit", "institution": "township_centre", "count": 7}],
        referrals=[
            {
                "period": "2019",
                "origin": "township_centre",
                "destination": "county_hospital",
                "count": 3,
            }
        ],
        postings=[
            {"period": "2019", "host": "county_hospital", "site": "township_centre", "count": 1}
        ],
        residents=[{"period": "2019", "count": 1000, "signed": 300}],
    )
    volumes = sharing.volumes_from_declared(gangkou)
    province = synthetic.province(
        seed=1, cities=1, counties=2, townships=2, villages_per_township=1
    )
    overlap = cov.alliance_overlap(province)
    price = sharing.SharedPrice(service="ct", list_price_yuan=300, discount=0.1)
    return [
        ref.evaluate(county, case, outside_options=2),
        ref.evaluate_many(county, [case]),
        ref.referral_paths(county, "township_centre"),
        ref.default_policy(),
        ref.example_catalogue(),
        cov.alliance_coverage(zhejiang, "zhejiang_geriatric_alliance"),
        cov.alliance_overlap(ex.load("beijing_pilots_2013")),
        cov.area_coverage(gangkou, gangkou.alliances[0].id),
        cov.population_coverage(gangkou, pop, cutoff_min=30, speed_kmh=30),
        cov.reachability(county, target=target),
        cov.registry_coverage(gangkou),
        cov.removal_impact(county, "county_hospital", target=target),
        cov.removal_impact_all(county, target=target),
        scenario_sweep(county, [1, 2], lambda reg, k: k),
        _tiled(),
        cov.articulation_points(county),
        target,
        sharing.sharing_summary(gangkou, volumes, prices=[price]),
        volumes,
        sharing.service_access(gangkou),
        sharing.allocate_capacity(10, [3, 9]),
        sharing.expert_clinic_coverage(ex.load("dingzhou")),
        sharing.recognition_groups(gangkou, "lab"),
        pop,
        supply,
        costs,
        acc.two_step_fca(costs, pop, supply, cutoff_min=60),
        acc.nearest_cost(costs),
        acc.coverage_within(costs, pop, cutoff_min=30),
        acc.ExponentialDecay(rate=0.1),
        acc.GaussianDecay(sigma=10),
        acc.PowerDecay(beta=1.0),
        acc.StepWeights(bounds=(10, 20), weights=(1.0, 0.5)),
        activity,
        ind.evaluate_indicators(county, activity, period="2019"),
        ind.default_targets(),
        report.alliance_summary(zhejiang, "zhejiang_geriatric_alliance"),
        report.registry_summary(zhejiang),
        county,
        county.alliances[0],
        county.institutions[0],
        ex.load("beijing_tongren").agreements[0],
        medalliance.display.member_table(county, county.alliances[0].id),
        sharing.RecognitionClaim(by="qisha_thc", of="gangkou_peoples", test_kind="影像"),
        ind.INDICATORS,
        *(ex.load(name) for name in ex.names()),
        medalliance.check_registry(ex.load("benxi_central")),
        cov.reachability(county, target=target).of("township_centre"),
        overlap,
        list(overlap.pairs()),
        cov.articulation_points(_chain()),
        price,
        medalliance.StaffPosting(id="p1", host="h", site="c", count=3, title="副主任医师"),
        medalliance.AllianceChange(date="2018-01-01", tightness="紧密型"),
        medalliance.FormerName(name="某镇卫生院", until="2015-06-30"),
        diff(ex.load("qinghai_oncology"), "2018-04-12", "2018-04-13"),
        timeline(ex.load("benxi_central")),
        panel(ex.load("qinghai_oncology"), ["2018-12-31"]),
    ]


def _tiled() -> Any:
    """A tiled accessibility result of two cells (dask's synchronous scheduler)."""
    import dask
    import pandas as pd

    dd: Any = importlib.import_module("dask.dataframe")  # untyped functions: use it as Any

    from medalliance.accessibility import Supply
    from medalliance.distributed import tiled_accessibility

    cells = pd.DataFrame(
        {"id": ["a", "b"], "lat": [30.0, 30.1], "lon": [120.0, 120.0], "people": [5, 7]}
    )
    with dask.config.set(scheduler="sync"):
        return tiled_accessibility(
            dd.from_pandas(cells, npartitions=1),
            Supply(["x"], [3], lat=[30.05], lon=[120.0]),
            speed_kmh=30,
            cutoff_min=30,
        )


def _chain() -> medalliance.Registry:
    """h - t - v linked by two agreements: t is a cut point."""
    return medalliance.Registry(
        institutions=[
            {"id": "h", "name": "某县医院", "kind": "综合医院", "tier": "二级"},
            {"id": "t", "name": "某镇卫生院", "kind": "乡镇卫生院"},
            {"id": "v", "name": "某村卫生室", "kind": "村卫生室"},
        ],
        alliances=[
            {
                "id": "a",
                "name": "某县医共体",
                "form": "医共体",
                "lead": ["h"],
                "memberships": [
                    {"institution": "h", "role": "lead"},
                    {"institution": "t"},
                    {"institution": "v"},
                ],
            }
        ],
        agreements=[
            {"id": "g1", "alliance": "a", "parties": ["h", "t"], "items": ["双向转诊"]},
            {"id": "g2", "alliance": "a", "parties": ["t", "v"], "items": ["双向转诊"]},
        ],
    )


def _walk(obj: Any, seen: dict[type[Any], Any]) -> None:
    if isinstance(obj, tuple | list):
        for item in obj:
            _walk(item, seen)
        return
    if not hasattr(obj, "_repr_html_") and not isinstance(obj, FrozenModel):
        return
    seen.setdefault(type(obj), obj)
    fields = getattr(type(obj), "model_fields", None)
    names = list(fields) if fields is not None else list(getattr(obj, "__dict__", {}))
    for name in names:
        _walk(getattr(obj, name), seen)


def _displayed_classes() -> list[type[Any]]:
    from medalliance.model.types import FrozenModel, Tabular

    return [c for c in _public_classes() if issubclass(c, FrozenModel | Tabular)]


def test_every_public_result_and_policy_class_has_a_compact_display() -> None:
    from medalliance.display import Member

    seen: dict[type[Any], Any] = {}
    _walk(_results(), seen)
    county = medalliance.examples.load("county_township")
    division = medalliance.model.divisions.bundled_divisions()[0]
    for obj in (*county.alliances[0].memberships, medalliance.Source(id="s", title="t"), division):
        seen.setdefault(type(obj), obj)
    abstract = {Member, medalliance.accessibility.Decay}  # reached through MemberTable; a base
    wanted = [c for c in _displayed_classes() if c not in abstract]
    missing = [c.__name__ for c in wanted if c not in seen]
    assert not missing, f"add a result of these classes to _results(): {missing}"
    for cls in wanted:
        html = seen[cls]._repr_html_()
        assert html.startswith("<"), cls
        assert len(html) < 6_000, (cls.__name__, len(html))
        cells = re.findall(r"<td[^>]*>(.*?)</td>", html, flags=re.S)
        assert max(map(len, cells), default=0) < 400, cls.__name__


def test_coverage_and_policy_are_tables_too() -> None:
    pytest.importorskip("pandas")
    reg = medalliance.examples.load("zhejiang_geriatric")
    cov = medalliance.alliance_coverage(reg, "zhejiang_geriatric_alliance")
    frame = cov.to_frame()
    assert list(frame.columns) == ["measure", "value"]
    assert "beds (beds): consistency" in set(frame["measure"]) or any(
        m.startswith("beds") for m in frame["measure"]
    )
    policy = medalliance.referral.default_policy()
    assert len(policy.to_frame()) == len(policy.criteria)
    assert len(repr(policy)) < 100


# -- 7. one count, one noun ----------------------------------------------------------------------


def test_counts_of_one_are_singular_in_displays() -> None:
    from medalliance.display import alliance_html, registry_html

    reg = _chain()
    centre = {"id": "c1", "kind": "影像中心", "host": "h", "services": ["ct"]}
    alliance = reg.alliances[0].replace(shared_centres=[centre])
    reg = reg.replace(alliances=[alliance])
    html = registry_html(reg) + alliance_html(alliance)
    assert "1 alliance ·" in html
    assert "1 shared centre" in html
    for wrong in ("1 alliances", "1 shared centres", "1 sources", "1 agreements"):
        assert wrong not in html
    assert "3 institutions" in html


def test_count_noun_is_the_one_helper() -> None:
    from medalliance._words import count_noun
    from medalliance.cli._common import plural

    assert plural(1, "member") == count_noun(1, "member") == "1 member"
    assert count_noun(2_000, "case") == "2,000 cases"


# -- 9. a lower bound has no difference --------------------------------------------------------


def test_report_says_undetermined_when_members_lack_the_figure(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from medalliance.cli import main
    from medalliance.report import alliance_summary

    assert main(["report", "zhejiang_geriatric"]) == 0
    out = capsys.readouterr().out
    [line] = [x for x in out.splitlines() if x.strip().startswith("beds_radiated")]
    assert line.split()[-1] == "undetermined"
    assert "13000" not in line.split()[-1]
    summary = alliance_summary(
        medalliance.examples.load("zhejiang_geriatric"), "zhejiang_geriatric_alliance"
    )
    [beds] = [c for c in summary.figures if c.figure.metric == "beds_radiated"]
    assert beds.difference is None
    assert beds.consistency is not None
    assert beds.consistency.value == "undetermined"


# -- 10. referral reasons say what is missing, in one language each ---------------------------


def _township() -> medalliance.Registry:
    """A township centre linked (alliance-wide referral) to a county hospital and villages."""
    return medalliance.Registry(
        institutions=[
            {
                "id": "h",
                "name": "某县医院",
                "kind": "综合医院",
                "tier": "二级",
                "specialties": ["心内科"],
            },
            {"id": "t", "name": "某镇卫生院", "kind": "乡镇卫生院"},
            {"id": "v1", "name": "甲村卫生室", "kind": "村卫生室"},
            {"id": "v2", "name": "乙村卫生室", "kind": "村卫生室"},
        ],
        alliances=[
            {
                "id": "a",
                "name": "某县医共体",
                "form": "医共体",
                "lead": ["h"],
                "provisions": ["双向转诊"],
                "memberships": [
                    {"institution": "h", "role": "lead"},
                    *({"institution": x} for x in ("t", "v1", "v2")),
                ],
            }
        ],
    )


def _ascii_words(text: str) -> list[str]:
    """English words in a text (abbreviations such as CT, in Chinese labels too, aside)."""
    return re.findall(r"[a-z]{2,}", text)


def test_upward_case_names_the_missing_specialty_and_ignores_the_villages() -> None:
    from medalliance.referral import default_policy, evaluate, evaluate_many, example_catalogue

    reg = _township()
    policy = default_policy().replace(catalogue=example_catalogue())
    case = medalliance.ReferralCase(origin="t", criterion="beyond_capability", condition="I63.9")
    decision = evaluate(reg, case, policy=policy)
    assert not decision.eligible
    assert [r.code for r in decision.reasons] == ["no_capable_destination"]
    [reason] = decision.reasons
    assert "neurology (for I63.9)" in reason.en
    assert "1 linked institution " in reason.en
    assert "神经内科" in reason.zh
    assert _ascii_words(reason.zh) == []
    batch = evaluate_many(reg, [case], policy=policy)
    assert batch.reason_codes(0) == ("no_capable_destination",)


def test_wrong_direction_in_chinese_names_the_directions_in_chinese() -> None:
    from medalliance.referral import evaluate

    reg = _township()
    case = medalliance.ReferralCase(origin="h", criterion="critical_or_difficult")
    [reason] = evaluate(reg, case).reasons
    assert reason.code == "wrong_direction"
    assert "上转" in reason.zh
    assert _ascii_words(reason.zh) == []
    assert "3 linked institutions lie" in reason.en


# -- 11. indicator reasons name the institutions and the kind of record ------------------------


def test_indicator_reasons_name_institutions_and_kinds_of_record() -> None:
    from medalliance.indicators import Activity, evaluate_indicators

    reg = medalliance.Registry(
        institutions=[
            {"id": "county-hosp", "name": "某县医院", "kind": "综合医院", "tier": "二级"},
            {
                "id": "town-a",
                "name": "某镇卫生院",
                "kind": "乡镇卫生院",
                "region": {"county": "某县"},
            },
        ]
    )
    mine = {"period": "2024", "resident_county": "某县"}
    visits = Activity(
        care=[
            {**mine, "kind": "visit", "institution": "county-hosp", "count": 30},
            {**mine, "kind": "visit", "institution": "town-a", "count": 70},
        ]
    )
    report = evaluate_indicators(reg, visits, period="2024", county="某县")
    reason = report.result("grassroots_visit_share").reason or ""
    assert "county-hosp" in reason
    assert "region.county" in reason
    assert reason.startswith("1 visit (门急诊) record has no county")
    inpatient = report.result("within_county_inpatient_share").reason or ""
    assert inpatient.startswith("no admission (住院) records for residents of")


# -- 13. the getting-started page lists the real dependencies ----------------------------------


def test_getting_started_lists_every_dependency() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"^dependencies = \[(.*?)^\]", pyproject, flags=re.S | re.M)
    assert block is not None
    names = re.findall(r'^\s*"([A-Za-z0-9_.-]+)', block.group(1), flags=re.M)
    assert "scipy" in names
    page = (root / "docs" / "getting-started.md").read_text(encoding="utf-8")
    [sentence] = re.findall(r"Its dependencies are (.*?)\.", page, flags=re.S)
    listed = {w.lower() for w in re.findall(r"[A-Za-z0-9_-]+", sentence)}
    assert {n.lower() for n in names} <= listed

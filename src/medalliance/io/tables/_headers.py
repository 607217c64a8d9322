"""Table and column names in English and Chinese: the one alias table, and header matching.

Private to :mod:`medalliance.io`: :func:`~medalliance.io.tables.from_frames` and the
spreadsheet reader (:mod:`medalliance.io.sheets`) both resolve headers here, so a column is
called the same in a DataFrame, a CSV file and a workbook.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence

from medalliance.io.tables._columns import _SPECS

_REGION = {
    "province": ("所属省份", "省份", "省", "所属省"),
    "city": ("所属地市", "地市", "市", "所属市", "城市"),
    "county": ("所属区县", "区县", "县区", "县", "区", "所属县区", "district"),
    "township": ("所属乡镇", "乡镇", "乡镇街道", "街道", "town"),
    "division_code": ("行政区划代码", "区划代码", "行政区划编码", "区划编码"),
}
_PROVENANCE = {
    "provenance_source": ("资料来源", "来源编号", "source"),
    "provenance_quote": ("来源原文", "原文", "quote"),
    "provenance_inferred": ("推断字段", "inferred"),
    "provenance_note": ("来源备注", "note"),
}
_ALLIANCE = {"alliance": ("所属医联体", "医联体", "医联体编号", "所属医共体", "alliance_id")}

ALIASES: dict[str, tuple[tuple[str, ...], dict[str, tuple[str, ...]]]] = {
    "registry": (
        ("登记册", "概况", "总览"),
        {"title": ("标题", "名称"), "description": ("说明", "简介", "描述")},
    ),
    "sources": (
        ("来源", "资料来源", "source"),
        {
            "id": ("来源编号", "编号"),
            "title": ("标题", "题目"),
            "file": ("文件", "文件名"),
            "url": ("网址", "链接", "link"),
            "published": ("发布日期", "发布时间", "date"),
            "note": ("备注",),
        },
    ),
    "institutions": (
        ("机构", "医疗机构", "机构名录", "医疗卫生机构", "institution"),
        {
            "id": ("机构编码", "机构代码", "机构编号", "编号", "代码", "institution_id"),
            "name": ("机构名称", "名称", "单位名称", "医疗机构名称", "institution_name"),
            "name_en": ("英文名称", "english_name"),
            "aliases": ("别名", "简称", "曾用名"),
            "kind": ("机构类别", "机构类型", "类别", "类型", "type", "category"),
            "tier": ("层级",),
            "grade": ("等次",),
            "ownership": ("所有制", "所有制形式", "经营性质"),
            **_REGION,
            "lat": ("纬度", "latitude"),
            "lon": ("经度", "longitude", "lng"),
            "beds": ("床位数", "床位", "核定床位数", "编制床位数", "bed_count"),
            "specialties": ("专科", "特色专科", "重点专科"),
            "services": ("服务项目", "服务", "服务与设备"),
            "population_served": ("服务人口", "服务人口数"),
            "opened": ("开业日期", "启用日期"),
            "closed": ("停业日期", "撤销日期"),
            **_PROVENANCE,
            "level": ("等级", "级别", "医院等级", "机构等级"),
            "alliance": ("所属医联体", "医联体", "所属医共体", "医共体", "alliances"),
            "role": ("角色", "医联体角色", "成员角色", "roles"),
        },
    ),
    "alliances": (
        ("医联体", "医联体名录", "alliance"),
        {
            "id": ("医联体编号", "编号", "编码", "代码", "alliance_id"),
            "name": ("医联体名称", "名称", "alliance_name"),
            "name_en": ("英文名称", "english_name"),
            "aliases": ("别名", "简称"),
            "form": ("组织形式", "形式", "医联体形式", "类型"),
            "unit": ("单元",),
            "part_of": ("上级医联体",),
            "part_of_name": ("上级医联体名称",),
            "tightness": ("紧密程度", "紧密度"),
            "lead": ("牵头单位", "牵头医院", "牵头机构", "leads"),
            "specialty": ("专科",),
            **_REGION,
            "founded": ("成立日期", "成立时间"),
            "dissolved": ("解散日期", "撤销日期"),
            "provisions": ("合作内容", "合作事项"),
            "policy_basis": ("政策依据",),
            "description": ("简介", "说明", "描述"),
            **_PROVENANCE,
        },
    ),
    "memberships": (
        ("成员", "成员单位", "医联体成员", "membership"),
        {
            **_ALLIANCE,
            "institution": ("成员机构", "机构", "机构编码", "成员单位", "institution_id"),
            "role": ("角色", "成员角色"),
            "tightness": ("紧密程度", "紧密度"),
            "joined": ("加入日期", "加入时间"),
            "left": ("退出日期", "退出时间"),
            **_PROVENANCE,
        },
    ),
    "shared_centres": (
        ("共享中心", "资源共享中心", "shared_centers", "centres"),
        {
            **_ALLIANCE,
            "id": ("中心编号", "编号"),
            "kind": ("中心类型", "类型", "类别"),
            "host": ("依托单位", "承建单位"),
            "name": ("中心名称", "名称"),
            "services": ("服务项目", "服务"),
            "serves": ("服务对象", "服务范围"),
            "capacity_per_day": ("日服务能力", "每日容量"),
            **_PROVENANCE,
        },
    ),
    "expert_clinics": (
        ("专家门诊", "专家坐诊"),
        {
            **_ALLIANCE,
            "id": ("门诊编号", "编号"),
            "host": ("派出单位",),
            "site": ("坐诊单位", "坐诊地点"),
            "department": ("科室",),
            "weekdays": ("坐诊日", "出诊日"),
            "start": ("开始日期",),
            **_PROVENANCE,
        },
    ),
    "staff_postings": (
        ("人员派驻", "派驻"),
        {
            **_ALLIANCE,
            "id": ("派驻编号", "编号"),
            "host": ("派出单位",),
            "site": ("派驻单位",),
            "person": ("人员", "姓名"),
            "count": ("人数",),
            "title": ("职称",),
            "specialty": ("专科",),
            "start": ("开始日期",),
            "end": ("结束日期",),
            **_PROVENANCE,
        },
    ),
    "declared": (
        ("公布数据", "公布指标"),
        {
            **_ALLIANCE,
            "metric": ("指标",),
            "value": ("数值", "值"),
            "unit": ("单位",),
            "qualifier": ("限定词", "限定"),
            "subject": ("对象",),
            "service": ("服务",),
            "period": ("时期", "期间"),
            "description": ("说明", "描述"),
            **_PROVENANCE,
        },
    ),
    "changes": (
        ("医联体变更", "变更记录", "变更", "alliance_changes"),
        {
            **_ALLIANCE,
            "date": ("变更日期", "生效日期", "日期"),
            "form": ("新组织形式", "组织形式", "形式"),
            "tightness": ("新紧密程度", "紧密程度", "紧密度"),
            "lead": ("新牵头单位", "牵头单位", "leads"),
            "note": ("变更说明", "说明", "备注"),
            **_PROVENANCE,
            "provenance_note": ("来源备注",),  # "note" is the change's own note here
        },
    ),
    "former_names": (
        ("机构曾用名", "曾用名", "更名记录", "former_name"),
        {
            "institution": ("机构编码", "机构", "机构编号", "institution_id"),
            "name": ("曾用名", "原名称", "名称", "former_name"),
            "until": ("使用截止日期", "截止日期", "停用日期"),
        },
    ),
    "divisions": (
        ("行政区划", "区划代码表", "区划变更", "division"),
        {
            "code": ("区划代码", "行政区划代码", "代码"),
            "name": ("区划名称", "名称"),
            "level": ("级别", "层级"),
            "province": ("省份", "省"),
            "city": ("地市", "市"),
            "valid_from": ("启用日期", "起始日期"),
            "valid_until": ("停用日期", "截止日期"),
            "successor": ("继承代码", "并入代码", "新代码"),
            "uncertain": ("存疑", "不确定"),
            "source": ("来源", "出处"),
            "quote": ("原文", "引文"),
            "note": ("备注", "说明"),
        },
    ),
    "agreements": (
        ("协议", "合作协议", "agreement"),
        {
            "id": ("协议编号", "编号"),
            "alliance": _ALLIANCE["alliance"],
            "parties": ("签约方", "协议各方"),
            "items": ("合作事项", "合作内容"),
            "title": ("协议名称", "标题"),
            "signed": ("签订日期", "签署日期"),
            "valid_from": ("生效日期",),
            "valid_until": ("截止日期", "失效日期"),
            "status": ("状态",),
            **_PROVENANCE,
        },
    ),
}
"""For each table (the ``registry`` table holds the title and description): the Chinese and
English names of its sheet or CSV file, and the Chinese and English headers of each column.
Besides these, every table and column is known by its own (English) name. The first Chinese
name is the one the writers use with ``headers="zh"``. Matching ignores case, surrounding
blanks, full-width forms and a trailing unit in brackets: ``床位数（张）`` is ``beds``."""

_UNIT = re.compile(r"\s*\([^()]*\)$")


def normalize(header: object) -> str:
    """The form of a header or sheet name that aliases are matched in.

    Examples
    --------
    >>> normalize(" Beds "), normalize("床位数（张）"), normalize("Division-Code")
    ('beds', '床位数(张)', 'division_code')
    """
    text = unicodedata.normalize("NFKC", str(header)).strip().casefold()
    return re.sub(r"[\s\-]+", "_", text)


def _lookup(names: dict[str, str], header: object) -> str | None:
    key = normalize(header)
    found = names.get(key)
    if found is None and _UNIT.search(key):
        found = names.get(_UNIT.sub("", key))
    return found


def _column_names(table: str) -> dict[str, str]:
    names = {c.name: c.name for c in _SPECS.get(table, ())}
    if table == "registry":
        names = {"title": "title", "description": "description"}
    for column, aliases in ALIASES[table][1].items():
        for alias in aliases:
            names.setdefault(normalize(alias), column)
    return names


_COLUMNS = {table: _column_names(table) for table in ALIASES}
_TABLES = {normalize(t): t for t in ALIASES} | {
    normalize(a): t for t, (names, _) in ALIASES.items() for a in names
}


def table_name(name: str) -> str | None:
    """The table a sheet or CSV file name stands for, or ``None``.

    Examples
    --------
    >>> table_name("机构"), table_name("Institutions"), table_name("notes")
    ('institutions', 'institutions', None)
    """
    return _lookup(_TABLES, name)


def column_name(table: str, header: object) -> str | None:
    """The column of ``table`` a header stands for, or ``None``.

    Examples
    --------
    >>> column_name("institutions", "机构名称"), column_name("institutions", "床位数（张）")
    ('name', 'beds')
    >>> column_name("alliances", "机构名称") is None
    True
    """
    return _lookup(_COLUMNS[table], header)


def chinese(table: str, column: str | None = None) -> str:
    """The Chinese name the writers give a table (``column=None``) or one of its columns.

    Examples
    --------
    >>> chinese("institutions"), chinese("institutions", "beds")
    ('机构', '床位数')
    """
    if column is None:
        return ALIASES[table][0][0]
    return ALIASES[table][1][column][0]


def resolve(table: str, headers: Sequence[object]) -> tuple[dict[str, int], list[tuple[int, str]]]:
    """Match the headers of a table to its columns.

    Returns
    -------
    tuple
        The position of each recognised column by its name, and the problems as
        ``(position, message)`` pairs: unknown headers (with the closest name), a header
        repeated, and two headers for one column.

    Examples
    --------
    >>> resolve("institutions", ["机构编码", "机构名称", "Kind", "床位"])[0]
    {'id': 0, 'name': 1, 'kind': 2, 'beds': 3}
    >>> resolve("institutions", ["id", "名称", "name", "bed"])[1]  # doctest: +ELLIPSIS
    [(2, "duplicate column: '名称' and 'name' are both name"), (3, "unknown column (did you mean 'beds'?); ...")]
    """  # noqa: E501
    found: dict[str, int] = {}
    problems: list[tuple[int, str]] = []
    seen: set[object] = set()
    for pos, header in enumerate(headers):
        if header in seen:
            problems.append((pos, "duplicate column"))
            continue
        seen.add(header)
        column = column_name(table, header)
        if column is None:
            problems.append((pos, _unknown(table, header)))
        elif column in found:
            first = headers[found[column]]
            problems.append((pos, f"duplicate column: {first!r} and {header!r} are both {column}"))
        else:
            found[column] = pos
    return found, problems


def _unknown(table: str, header: object) -> str:
    names = _COLUMNS[table]
    close = difflib.get_close_matches(normalize(header), list(names), n=1, cutoff=0.75)
    hint = f" (did you mean {names[close[0]]!r}?)" if close else ""
    columns = ", ".join(c.name for c in _SPECS.get(table, ())) or "title, description"
    return f"unknown column{hint}; the {table} table has columns: {columns}"

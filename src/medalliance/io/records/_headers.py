"""The column names the record readers accept, in English and Chinese: the one table.

Private to :mod:`medalliance.io.records`, which exports it as ``HEADER_ALIASES``; the page
"Record files" in the docs lists the same names (a test checks that it does).

A header cell names a field when, after :func:`header_key`, it equals one of the field's
names: surrounding spaces, the case of Latin letters and a unit in brackets at the end
(``人口(人)``, ``医保基金支出（元）``) do not matter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

_PERIOD = ("period", "期间", "时期", "统计期", "统计期间", "年份", "年度")
_COUNTY = ("county", "县", "区县", "县区", "所在县")
_COUNTY_CODE = ("county_code", "区划代码", "县区划代码", "行政区划代码")

_TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "population": {
        "id": ("id", "村名", "名称", "村名称", "地名", "编号", "代码", "name", "code"),
        "people": ("people", "population", "人口", "人数", "常住人口"),
        "lat": ("lat", "latitude", "纬度"),
        "lon": ("lon", "lng", "longitude", "经度"),
    },
    "care": {
        "period": _PERIOD,
        "kind": ("kind", "类别", "类型", "服务类型"),
        "count": ("count", "次数", "人次", "数量", "诊疗人次"),
        "institution": ("institution", "机构", "机构编号", "机构代码"),
        "county": _COUNTY,
        "county_code": _COUNTY_CODE,
        "resident_county": ("resident_county", "参保地", "参保县", "居住县"),
        "resident_county_code": ("resident_county_code", "参保地区划代码", "参保地代码"),
        "insurance_fund_yuan": ("insurance_fund_yuan", "医保基金支出", "医保基金", "医保支出"),
        "cost_yuan": ("cost_yuan", "医疗费用", "总费用", "费用"),
        "tcm": ("tcm", "中医", "中医类", "是否中医"),
    },
    "referrals": {
        "period": _PERIOD,
        "origin": ("origin", "转出机构", "转出", "来源机构"),
        "destination": ("destination", "转入机构", "转入", "接收机构"),
        "count": ("count", "次数", "人次", "转诊人次", "数量"),
        "person": ("person", "患者", "患者编号", "人员编号"),
    },
    "postings": {
        "period": _PERIOD,
        "host": ("host", "派出机构", "派出单位", "支援机构"),
        "site": ("site", "受援机构", "受援单位", "派驻地"),
        "count": ("count", "人数", "派驻人数", "数量"),
    },
    "residents": {
        "period": _PERIOD,
        "county": _COUNTY,
        "county_code": _COUNTY_CODE,
        "count": ("count", "人口", "人数", "常住人口"),
        "signed": ("signed", "签约人数", "签约居民", "签约居民数"),
    },
}

HEADER_ALIASES: Mapping[str, Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {kind: MappingProxyType(fields) for kind, fields in _TABLES.items()}
)
"""For each kind of record file (``population``, ``care``, ``referrals``, ``postings``,
``residents``): its fields, each with the column names that mean it (the field's own name
first)."""

_UNIT = re.compile(r"\s*[(（][^()（）]*[)）]$")


def header_key(cell: str) -> str:
    """The form of a header cell that is compared with the names of the table.

    Examples
    --------
    >>> header_key(" People "), header_key("人口（人）"), header_key("cost_yuan (元)")
    ('people', '人口', 'cost_yuan')
    """
    return _UNIT.sub("", cell.strip()).strip().lower()


_LOOKUP: dict[str, dict[str, str]] = {
    kind: {header_key(name): field for field, names in fields.items() for name in names}
    for kind, fields in _TABLES.items()
}


def field_of(kind: str, cell: str) -> str | None:
    """The field that header cell ``cell`` names in a ``kind`` file, or ``None``.

    Examples
    --------
    >>> field_of("population", "村名"), field_of("care", "次数"), field_of("care", "颜色")
    ('id', 'count', None)
    """
    return _LOOKUP[kind].get(header_key(cell))

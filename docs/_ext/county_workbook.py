"""Write docs/data/county.xlsx: the sample workbook of docs/howto-spreadsheets.md.

A made-up county health bureau's sheets, shaped the way bureaus keep them: Chinese headers, a
level column (三级甲等), each institution's alliance and role in its own row, list cells
separated by 、 and ；. Run from the repository root after changing the data:

    python docs/_ext/county_workbook.py

tests/test_sheets.py checks that the committed workbook holds what this script writes.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import openpyxl

INSTITUTIONS = [
    [
        "机构编码",
        "机构名称",
        "机构类别",
        "等级",
        "所属区县",
        "床位数",
        "经度",
        "纬度",
        "专科",
        "服务项目",
        "所属医联体",
        "角色",
    ],
    [
        "city_first",
        "示例市第一人民医院",
        "综合医院",
        "三级甲等",
        "示例市辖区",
        1800,
        114.512,
        38.043,
        "心血管内科、神经内科",
        "ct；mri；icu",
        "示例市胸痛专科联盟",
        "牵头单位",
    ],
    [
        "county_hosp",
        "示例县人民医院",
        "综合医院",
        "二级甲等",
        "示例县",
        520,
        114.921,
        37.826,
        "心血管内科",
        "ct；dr；lab",
        "示例县医共体、示例市胸痛专科联盟",
        "牵头单位、成员单位",
    ],
    [
        "county_tcm",
        "示例县中医医院",
        "中医医院",
        "二级甲等",
        "示例县",
        260,
        114.934,
        37.819,
        None,
        "dr；lab",
        "示例县医共体",
        "成员单位",
    ],
    [
        "dongzhen_thc",
        "示例县东镇卫生院",
        "乡镇卫生院",
        None,
        "示例县",
        60,
        115.012,
        37.861,
        None,
        "dr；lab",
        "示例县医共体",
        "枢纽",
    ],
    [
        "xizhen_thc",
        "示例县西镇卫生院",
        "乡镇卫生院",
        None,
        "示例县",
        45,
        114.803,
        37.790,
        None,
        "lab",
        "示例县医共体",
        "枢纽",
    ],
    [
        "dawang_vc",
        "示例县东镇大王村卫生室",
        "村卫生室",
        None,
        "示例县",
        None,
        115.031,
        37.874,
        None,
        None,
        "示例县医共体",
        "成员单位",
    ],
    [
        "liujia_vc",
        "示例县西镇刘家村卫生室",
        "村卫生室",
        None,
        "示例县",
        None,
        114.786,
        37.772,
        None,
        None,
        "示例县医共体",
        "成员单位",
    ],
]
ALLIANCES = [
    ["编号", "医联体名称", "组织形式", "专科", "成立日期", "合作内容"],
    [
        "county_community",
        "示例县医共体",
        "县域医共体",
        None,
        dt.datetime(2019, 9, 1),
        "双向转诊、远程会诊、检查检验结果互认",
    ],
    [
        "chest_pain",
        "示例市胸痛专科联盟",
        "专科联盟",
        "心血管内科",
        dt.datetime(2020, 5, 12),
        "双向转诊；远程心电",
    ],
]
AGREEMENTS = [
    ["协议编号", "所属医联体", "签约方", "合作事项", "签订日期"],
    [
        "dongzhen_referral",
        "示例县医共体",
        "county_hosp、dongzhen_thc",
        "双向转诊、优先接诊",
        dt.datetime(2021, 3, 1),
    ],
]
SHEETS = {"机构": INSTITUTIONS, "医联体": ALLIANCES, "协议": AGREEMENTS}


def write(path: Path) -> None:
    """Write the sample workbook to ``path``."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in SHEETS.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = openpyxl.styles.Font(bold=True)
    stamp = dt.datetime(2024, 1, 1)
    book.properties.created = book.properties.modified = stamp
    book.save(path)


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[2]
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else root / "docs" / "data" / "county.xlsx")

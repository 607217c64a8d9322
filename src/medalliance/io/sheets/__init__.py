"""A registry from spreadsheets and back: ``.xlsx`` workbooks and folders of CSV files.

:func:`read_sheets` reads the tidy sheets a health bureau keeps — institutions with their
alliance and role, alliances, agreements — and :func:`write_sheets` writes a registry as such
sheets, so ``read_sheets`` of what ``write_sheets`` wrote is the same registry. Workbooks need
the ``sheets`` extra (``pip install 'medalliance[sheets]'``, which installs openpyxl); CSV
needs nothing.

The tables are the flat tables of :mod:`medalliance.io.tables`, with the same column names
and the same conversion (``from_frames`` reads the same shapes from DataFrames):

- **One sheet per table** in a workbook, or **one CSV file per table** in a folder (UTF-8,
  with or without a BOM). A sheet or file is named after its table, in English or Chinese:
  ``institutions`` / ``机构``, ``alliances`` / ``医联体``, ``memberships`` / ``成员``,
  ``agreements`` / ``协议``, ``shared_centres`` / ``共享中心``, ``expert_clinics`` /
  ``专家门诊``, ``staff_postings`` / ``人员派驻``, ``declared`` / ``公布数据``, ``changes`` /
  ``医联体变更``, ``former_names`` / ``机构曾用名``, ``sources`` / ``来源``, ``divisions`` /
  ``行政区划``, and ``registry`` / ``登记册`` (one row: ``title``, ``description``). Tables
  without rows may be left out; any other sheet or CSV file is an error.
- **Row 1 is the header.** Headers are the column names or their Chinese and English aliases
  (``机构名称``, ``机构类别``, ``等级``, ``所属区县``, ``床位数``, ``经度``, ``纬度``,
  ``所属医联体``, ``角色``, ...: the one alias table is
  ``medalliance.io.tables._headers.ALIASES``); case, surrounding blanks, full-width forms and
  a trailing unit in brackets (``床位数（张）``) do not matter. An unknown or repeated header
  is an error. Blank rows are skipped.
- **An institution's own row can say where it belongs**: ``所属医联体`` (``alliance``: the
  id or the name of an alliance, or several) and ``角色`` (``role``: one, or one for each
  alliance) give its membership rows. An alliance without a ``lead`` cell is led by its
  members whose role is lead (牵头单位).
- **A level column** (``等级``: ``三级甲等``, ``二甲``, ``未定级``, ...) is split into tier and
  grade by the same rule as the YAML format (:func:`~medalliance.model.parse_level`).
- **List cells** (aliases, specialties, services, lead, parties, items, ...) separate items
  with ``;``, ``；``, ``、``, ``,`` or ``，``; an empty item is an error. A cell starting with
  ``[`` is a JSON list of strings: the writer uses it for items that contain a separator.
- **Numbers** are written with the digits 0-9 (``1,200``, ``１２００`` or ``1_200`` are
  errors, never guesses); a count must be whole. In a workbook a whole number in a text
  column (a division code typed as a number) is read as its digits, and date cells are
  dates; in a CSV file dates are ``YYYY-MM-DD``.
- **Errors** list every problem at once, each at ``sheet!row:column (header)``: the
  spreadsheet's own row number (the header is row 1) and column letter, e.g.
  ``机构!3:E (床位数): must be a whole number, got 12.5``. Merged cells and cells holding a
  formula error (``#N/A``) are errors too.

Examples
--------
>>> import tempfile, pathlib
>>> from medalliance import examples
>>> reg = examples.load("county_township")
>>> path = pathlib.Path(tempfile.mkdtemp()) / "county.xlsx"
>>> write_sheets(reg, path, headers="zh")
>>> read_sheets(path) == reg
True
"""

from __future__ import annotations

from medalliance.io.sheets._read import read_sheets
from medalliance.io.sheets._write import write_sheets

__all__ = ["read_sheets", "write_sheets"]

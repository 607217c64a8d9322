"""pandas and GeoPandas tables of a registry, and back (the ``tables`` extra).

:func:`to_frames` turns a :class:`~medalliance.model.registry.Registry` into one DataFrame per kind
of record (a :class:`RegistryFrames`); :func:`from_frames` validates such frames back into a
registry, so ``from_frames(to_frames(reg)) == reg`` for every registry.
:func:`to_geodataframe` gives the institutions as points (EPSG:4326) for GeoPandas.

The tables and their columns:

================  =====================================================================
table             one row per
================  =====================================================================
``sources``       :class:`~medalliance.model.registry.Source`
``institutions``  :class:`~medalliance.model.institution.Institution`
``alliances``     :class:`~medalliance.model.alliance.Alliance` (without its nested records)
``memberships``   :class:`~medalliance.model.alliance.Membership`, with its ``alliance`` id
``shared_centres``  :class:`~medalliance.model.alliance.SharedCentre`, with its ``alliance`` id
``expert_clinics``  :class:`~medalliance.model.alliance.ExpertClinic`, with its ``alliance`` id
``staff_postings``  :class:`~medalliance.model.staffing.StaffPosting`, with its ``alliance`` id
``declared``      :class:`~medalliance.model.alliance.DeclaredFigure`, with its ``alliance`` id
``changes``       :class:`~medalliance.model.alliance.AllianceChange`, with its ``alliance`` id
``former_names``  :class:`~medalliance.model.institution.FormerName`, with its ``institution`` id
``agreements``    :class:`~medalliance.model.agreement.Agreement`, items included
``divisions``     :class:`~medalliance.model.divisions.Division` (``uncertain``: ``true`` or blank)
================  =====================================================================

Encoding rules (the same both ways):

- Columns are named like the model fields. When reading, a header may also be a Chinese or
  English alias (``机构名称``, ``床位数``, ``所属区县``, ``纬度``, ...; case, surrounding
  blanks, full-width forms and a unit in brackets do not matter), from the one alias table
  shared with the spreadsheet reader (:mod:`medalliance.io.sheets`). ``region`` is
  flattened to ``province``, ``city``, ``county``, ``township`` and ``division_code``;
  ``provenance`` to
  ``provenance_source``, ``provenance_quote``, ``provenance_inferred`` and
  ``provenance_note``.
- Categorical fields (tier, kind, role, form, ...) are pandas categoricals of their canonical
  values; ordered ones (``tier``, a membership's ``tightness``) sort by rank. Any accepted
  label is read back, e.g. ``三级`` for ``tertiary``. The alliances' ``tightness`` column
  also holds ``per_member`` for an alliance whose tightness is set member by member
  (``Alliance.tightness`` is ``None``); since that is not a level, the column is not
  ordered. A membership's ``tightness`` left empty means the alliance's.
- Tuple fields (``aliases``, ``specialties``, ``services``, ``lead``, ``parties``,
  ``items``, ``weekdays``, ...) hold Python tuples in object columns: no separator, nothing
  to escape. Use ``DataFrame.explode`` for a long table. When reading, a list, tuple or
  array is accepted, and so is a string, split at ``;``, ``；``, ``、``, ``,`` or ``，``
  (``"心血管内科、神经内科"``; an empty item is an error; a string starting with ``[`` is a
  JSON list of strings). ``serves`` holds ``"all"`` or a tuple of ids.
- The institutions table may also have three input-only columns, never written:
  ``level`` (``等级``: ``三级甲等`` is split into tier and grade by the model's
  :func:`~medalliance.model.parse_level`), ``alliance`` (``所属医联体``: the id or name of
  each alliance the institution belongs to) and ``role`` (``角色``: one role, or one for each
  alliance); the last two add membership rows. Wherever an alliance id is expected, an
  alliance's name (held by no other alliance) is accepted too. An alliance row without a
  ``lead`` is led by its members whose role is lead.
- Counts (``beds``, ``population_served``, ``capacity_per_day``, a posting's ``count``) are
  nullable ``Int64``. When reading, a float is accepted only if it is a whole number (pandas
  stores integer columns with gaps as floats); ``12.5`` is an error, never rounded. A
  declared figure's ``value`` (an object column of ints and floats) is read the same way
  when its unit is a count. A number written as text is read when it uses the digits 0-9
  (``"320"``; ``"1,200"`` or ``"１２００"`` are errors).
- Dates are ``datetime64[s]``. When reading, a date, an ISO ``YYYY-MM-DD`` string or a
  timestamp at midnight without a time zone is accepted; any other time of day is an error.
- A missing value (``None``, ``NaN``, ``NaT``, ``pd.NA``) means the field's default:
  ``None``, an empty tuple, or the stated default (role ``member``, an alliance's tightness
  ``loose``, unit ``alliance``, qualifier ``exact``, status ``in_force``, serves ``all``).
  In a required column it is an error.
- Row order is kept: institutions, alliances, agreements and sources come out sorted by id
  (the registry's canonical order); the rows of one alliance in ``memberships``,
  ``shared_centres``, ``expert_clinics``, ``staff_postings`` and ``declared`` keep the
  alliance's order, which ``from_frames`` restores.

:func:`from_frames` reports every problem at once: a table that is not a DataFrame, a missing
required column, an unknown column, a missing value in a required column, a value of the
wrong type, a child row whose ``alliance`` is not in the alliances table, and every problem
the registry's own validation finds, each with the path ``table[row].column`` (``row`` is
the position, as in ``df.iloc[row]``). Input frames are never modified.

Examples
--------
>>> from medalliance import examples
>>> reg = examples.load("shanghai_luwan")
>>> frames = to_frames(reg)
>>> frames.institutions[["id", "tier", "beds"]].head(3)
                   id       tier  beds
0        dapuqiao_chc    primary  <NA>
1  huaihaizhonglu_chc    primary  <NA>
2       luwan_dongnan  secondary  <NA>
>>> frames.memberships.groupby("role", observed=True).size().to_dict()
{'lead': 1, 'member': 6}
>>> from_frames(frames) == reg
True
"""

from __future__ import annotations

# The reference page lists the members in source order: keep this order.
# isort: off
from medalliance.io.tables._frames import RegistryFrames
from medalliance.io.tables._to_frames import to_frames
from medalliance.io.tables._from_frames import from_frames
from medalliance.io.tables._geodataframe import to_geodataframe
# isort: on

__all__ = ["RegistryFrames", "from_frames", "to_frames", "to_geodataframe"]

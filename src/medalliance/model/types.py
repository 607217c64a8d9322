"""Shared annotated types and the frozen base model.

Every model in medalliance derives from :class:`FrozenModel`: immutable, closed (unknown
fields are errors), and raising :class:`~medalliance.errors.MedAllianceError` with every
problem and its path instead of pydantic's ``ValidationError``. Limits live in the types
(``Field(ge=0)``, patterns), never in prose.

Examples
--------
>>> from medalliance.model.types import FrozenModel, NonNegInt
>>> class Ward(FrozenModel):
...     beds: NonNegInt
>>> Ward(beds=-1)
Traceback (most recent call last):
...
medalliance.errors.MedAllianceError: 1 problem:
  - beds: Input should be greater than or equal to 0 (got -1)
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)
from typing_extensions import Self

from medalliance.errors import ID_PATTERN, TEXT_PATTERN, MedAllianceError

__all__ = [
    "MAX_COUNT",
    "FrozenModel",
    "Id",
    "IsoDate",
    "Latitude",
    "Longitude",
    "NonEmptyText",
    "NonNegInt",
    "PositiveInt",
    "Tabular",
    "no_duplicates",
]

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
"""Identifier of an institution, alliance, agreement, centre, clinic or source: ASCII letters,
digits, ``_``, ``.`` and ``-``, starting with a letter or digit, at most 128 characters.
``:`` is reserved as the separator of graph edge keys."""

NonEmptyText = Annotated[str, StringConstraints(pattern=TEXT_PATTERN)]
"""Text that is not empty or blank and holds no control characters other than tab and newline
(they cannot be stored losslessly in XML, GraphML or FHIR)."""

MAX_COUNT = 2**53 - 1
"""The largest count the model holds (9,007,199,254,740,991): every count up to it is exact
as a float too (and in JavaScript, and in every JSON reader), so sums and ratios of counts
never overflow or round."""

NonNegInt = Annotated[int, Field(ge=0, le=MAX_COUNT, strict=True)]
"""A count: an integer from 0 to :data:`MAX_COUNT`. Floats, strings and booleans are
rejected, not coerced."""

PositiveInt = Annotated[int, Field(ge=1, le=MAX_COUNT, strict=True)]
"""An integer from 1 to :data:`MAX_COUNT`; floats, strings and booleans are rejected."""

Latitude = Annotated[float, Field(ge=-90.0, le=90.0, allow_inf_nan=False, strict=True)]
"""WGS84 latitude in degrees: a number (an int is fine); strings and booleans are rejected."""

Longitude = Annotated[float, Field(ge=-180.0, le=180.0, allow_inf_nan=False, strict=True)]
"""WGS84 longitude in degrees: a number (an int is fine); strings and booleans are rejected."""


_DATE = re.compile(
    r"^\s*([0-9]{4})\s*(?:-\s*([0-9]{1,2})\s*-|/\s*([0-9]{1,2})\s*/|年\s*([0-9]{1,2})\s*月)"
    r"\s*([0-9]{1,2})\s*(日?)\s*$"
)


def _iso_date(value: object) -> object:
    """Accept a ``date``, or text ``2024-03-01``, ``2024-3-1``, ``2024/3/1`` or ``2024年3月1日``.

    Nothing else: no datetimes, no epoch numbers, no day-month-year orders. The message does
    not repeat the value (the error adds it once).
    """
    if isinstance(value, _dt.datetime):
        msg = "expected a date without a time of day"
        raise ValueError(msg)
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        m = _DATE.match(value)
        if m is not None and (m.group(4) is None) == (m.group(6) == ""):
            year, day = int(m.group(1)), int(m.group(5))
            month = int(m.group(2) or m.group(3) or m.group(4))
            try:
                return _dt.date(year, month, day)
            except ValueError as exc:
                msg = f"not a calendar date: {exc}"
                raise ValueError(msg) from None
    msg = "expected a date such as 2024-03-01 (2024-3-1, 2024/3/1 and 2024年3月1日 are read too)"
    raise ValueError(msg)


IsoDate = Annotated[_dt.date, BeforeValidator(_iso_date)]
"""A calendar date, given as a ``datetime.date`` or as text: ISO ``2024-03-01``, or
``2024-3-1``, ``2024/3/1`` or ``2024年3月1日`` (year, month, day; read as the same date and
written back in ISO form)."""


REPLACED_FROM = object()
"""Key of the validation context entry that names the already validated model a new one is
built from (by :meth:`FrozenModel.replace` or
:meth:`~medalliance.model.registry.Registry.subset`); its parts need no second check."""


class FrozenModel(BaseModel):
    """Base of every medalliance model: frozen, closed, clear errors.

    Construction and ``model_validate``/``model_validate_json`` raise
    :class:`~medalliance.errors.MedAllianceError` listing every problem with its path.
    ``model_copy(update=...)`` does not re-validate in pydantic, so use :meth:`replace`
    (a :class:`~medalliance.model.registry.Registry` validates every part given to it again,
    so what ``model_copy`` changed is refused there). :meth:`replace` passes the model it
    copies as validation context (:data:`REPLACED_FROM`), so a model can keep its unchanged
    parts without checking them twice (the registry does).
    """

    model_config: ClassVar[ConfigDict] = ConfigDict(
        frozen=True,
        extra="forbid",
        validate_default=False,
        use_attribute_docstrings=True,
        ser_json_inf_nan="strings",
    )

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise MedAllianceError.from_validation_error(exc) from None

    # Tell pydantic this __init__ only wraps errors: nested models are then validated in
    # pydantic-core directly instead of through a Python __init__ call each (3x faster).
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def model_validate(
        cls,
        obj: Any,
        *,
        strict: bool | None = None,
        extra: Any = None,
        from_attributes: bool | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        """Validate ``obj``; raise MedAllianceError listing every problem.

        Examples
        --------
        >>> from medalliance import Region
        >>> Region.model_validate({"province": "浙江省"}).province
        '浙江省'
        """
        try:
            return super().model_validate(
                obj,
                strict=strict,
                extra=extra,
                from_attributes=from_attributes,
                context=context,
                by_alias=by_alias,
                by_name=by_name,
            )
        except ValidationError as exc:
            raise MedAllianceError.from_validation_error(exc) from None

    @classmethod
    def model_validate_json(
        cls,
        json_data: str | bytes | bytearray,
        *,
        strict: bool | None = None,
        extra: Any = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        """Validate a JSON document; raise MedAllianceError listing every problem.

        Examples
        --------
        >>> from medalliance import Region
        >>> Region.model_validate_json('{"division_code": "12"}')
        Traceback (most recent call last):
        ...
        medalliance.errors.MedAllianceError: 1 problem:
          - division_code: String should match pattern '^[0-9]{6}$' (got '12')
        """
        try:
            return super().model_validate_json(
                json_data,
                strict=strict,
                extra=extra,
                context=context,
                by_alias=by_alias,
                by_name=by_name,
            )
        except ValidationError as exc:
            raise MedAllianceError.from_validation_error(exc) from None

    def _repr_html_(self) -> str:
        """Notebook display: the fields in a compact table (see :mod:`medalliance.display`)."""
        return render_html(self, "model")

    def replace(self, **changes: Any) -> Self:
        """Return a copy with ``changes`` applied, validated again as a whole.

        Unlike ``model_copy(update=...)``, every field and cross-field rule is checked.

        Raises
        ------
        MedAllianceError
            If the changed model is invalid; the original is untouched.

        Examples
        --------
        >>> from medalliance import Institution
        >>> clinic = Institution(id="v1", name="某村卫生室", kind="村卫生室")
        >>> clinic.replace(beds=2).beds
        2
        >>> clinic.replace(beds=-2)
        Traceback (most recent call last):
        ...
        medalliance.errors.MedAllianceError: 1 problem:
          - beds: Input should be greater than or equal to 0 (got -2)
        """
        unknown = sorted(set(changes) - set(type(self).model_fields))
        if unknown:
            msg = f"unknown field(s) for {type(self).__name__}: {', '.join(unknown)}"
            raise MedAllianceError([msg])
        data = {name: getattr(self, name) for name in type(self).model_fields}
        data.update(changes)
        return type(self).model_validate(data, context={REPLACED_FROM: self})


_M = TypeVar("_M", bound=BaseModel)


def trusted(cls: type[_M], values: dict[str, Any]) -> _M:
    """Build a model from values that are already valid, without validation.

    For hot paths that assemble results from validated parts (every field given, of the
    right type). Much cheaper than ``model_construct``; the result compares and serialises
    like a validated instance.

    Examples
    --------
    >>> from medalliance import Region
    >>> trusted(Region, dict(Region().__dict__)) == Region()
    True
    """
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


def no_duplicates(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """Reject a tuple that lists the same item twice (used as an ``AfterValidator``).

    Examples
    --------
    >>> no_duplicates(("ct", "mri"))
    ('ct', 'mri')
    >>> no_duplicates(("ct", "ct"))
    Traceback (most recent call last):
    ...
    ValueError: duplicate item(s): 'ct'
    """
    if len(set(values)) != len(values):
        seen: set[Any] = set()
        dupes: list[str] = []
        for v in values:
            if v in seen and repr(str(v)) not in dupes:
                dupes.append(repr(str(v)))
            seen.add(v)
        msg = f"duplicate item(s): {', '.join(dupes)}"
        raise ValueError(msg)
    return values


class Tabular:
    """Mixin for result models that read naturally as a table.

    Subclasses implement :meth:`rows` (one flat dict of scalars per row, column order kept);
    :meth:`to_frame` turns the rows into a pandas DataFrame (pandas is imported lazily: the
    ``tables`` extra).

    Examples
    --------
    >>> class Pairs(Tabular):
    ...     def rows(self) -> list[dict[str, object]]:
    ...         return [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]
    >>> Pairs().rows()[1]
    {'a': 2, 'b': 'y'}
    """

    def rows(self) -> list[dict[str, Any]]:
        """The result as a list of flat rows (column name to scalar)."""
        raise NotImplementedError  # pragma: no cover - every subclass implements it

    def to_frame(self) -> Any:
        """The result as a :class:`pandas.DataFrame` (one row per :meth:`rows` entry).

        Raises
        ------
        ImportError
            When pandas is not installed (``pip install 'medalliance[tables]'``).
        """
        from medalliance._optional import require

        pd = require("pandas", extra="tables")
        rows = self.rows()
        return pd.DataFrame.from_records(rows) if rows else pd.DataFrame()

    def _repr_html_(self) -> str:
        """Notebook display: the first rows as an HTML table (see :mod:`medalliance.display`)."""
        return render_html(self, "tabular")


# -- notebook display hook ---------------------------------------------------------------------
# The model defines *that* its objects render as HTML; the display layer (an edge module) says
# *how*, by registering renderers when it is imported. ``import medalliance`` imports it, so the
# renderers are always there; the model never imports the display layer.

_HTML_RENDERERS: dict[str, Callable[[Any], str]] = {}


def register_html_renderer(kind: str, renderer: Callable[[Any], str]) -> None:
    """Register the notebook renderer of ``kind`` (called by :mod:`medalliance.display`).

    Examples
    --------
    >>> register_html_renderer("demo", lambda obj: f"<b>{obj}</b>")
    >>> render_html(1, "demo")
    '<b>1</b>'
    """
    _HTML_RENDERERS[kind] = renderer


def render_html(obj: Any, kind: str) -> str:
    """HTML of ``obj`` by the renderer registered for ``kind`` (escaped text if none is).

    Examples
    --------
    >>> render_html(1, "no such kind")
    '<pre>1</pre>'
    """
    renderer = _HTML_RENDERERS.get(kind)
    if renderer is None:
        import html

        return f"<pre>{html.escape(repr(obj))}</pre>"
    return renderer(obj)

"""Bundled example registries, one per alliance system in the source articles.

Each dataset is a YAML file inside the package (``medalliance/examples/data/NAME.yaml``)
that records the article it comes from (a :class:`~medalliance.model.registry.Source`), what the
article states, and which values were inferred (``provenance.inferred``). Figures the article
states without itemising them are :class:`~medalliance.model.alliance.DeclaredFigure` s.

Examples
--------
>>> names()[:3]
('beijing_pilots_2013', 'beijing_tongren', 'benxi_central')
>>> load("qinghai_oncology").alliance("qinghai_oncology_centre").form.value
'specialty_alliance'
"""

from __future__ import annotations

from functools import cache, lru_cache
from importlib import resources
from importlib.abc import Traversable

from medalliance.errors import Problem, UnknownIdError
from medalliance.io._files import registry_from_yaml
from medalliance.model.registry import Registry

__all__ = ["DEFAULT", "load", "names", "path"]

DEFAULT = "county_township"
"""The dataset ``medalliance report`` shows when given no argument."""


def _data() -> Traversable:
    return resources.files(__name__).joinpath("data")


@lru_cache(maxsize=1)
def names() -> tuple[str, ...]:
    """Names of the bundled datasets, sorted.

    Examples
    --------
    >>> "gangkou" in names()
    True
    """
    return tuple(
        sorted(p.name[: -len(".yaml")] for p in _data().iterdir() if p.name.endswith(".yaml"))
    )


def path(name: str) -> Traversable:
    """The packaged file of dataset ``name``.

    Raises
    ------
    UnknownIdError
        If there is no such dataset; the message lists the available ones.

    Examples
    --------
    >>> path("gangkou").name
    'gangkou.yaml'
    """
    if name not in names():
        msg = f"unknown example {name!r}; available: {', '.join(names())}"
        raise UnknownIdError([Problem((), msg)])
    return _data().joinpath(f"{name}.yaml")


@cache
def load(name: str) -> Registry:
    """Load bundled dataset ``name`` as a validated :class:`Registry`.

    Results are cached: registries are immutable, so sharing one is safe.

    Raises
    ------
    UnknownIdError
        If there is no such dataset.

    Examples
    --------
    >>> reg = load("shanghai_luwan")
    >>> len(reg.alliance("luwan_ruijin").members)
    7
    >>> load("atlantis")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    medalliance.errors.UnknownIdError: unknown example 'atlantis'; available: beijing_pilots..., ...
    """
    text = path(name).read_text(encoding="utf-8")
    return registry_from_yaml(text, source=f"medalliance example {name!r}")

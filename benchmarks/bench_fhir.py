"""Benchmark: FHIR export + validation of a ~1,000-institution registry.

Input: ``medalliance.synthetic.province(seed=..., counties=10)`` (about 1,050 institutions,
19 alliances of all four forms, 136 agreements; about 5,000 FHIR resources). Measured in the
same run, on the same data, for ``--version`` R5 (default) or R4B:

* **medalliance** -- ``to_fhir(registry)`` (plain dicts) followed by the validation that
  ``to_fhir(..., validate=True)`` runs: one ``Bundle.model_validate`` of the whole bundle with
  the ``fhir.resources`` models plus the O(n) reference check.
* **direct baseline** -- the same bundle built directly with ``fhir.resources``: every
  element object (``Identifier``, ``Coding``, ``CodeableConcept``, ``Extension``,
  ``Reference``, ..., each resource and the ``Bundle``) created with its model's
  constructor, bottom-up, as hand-written code does (``Identifier(system=..., value=...)``
  then ``Organization(identifier=[...], ...)``). The mapping work is the same: the baseline
  is fed the mapping's output, so it also gets the ``to_fhir`` time added, and its builder
  resolves each field's model class once per (class, field) and caches it.

Both produce equal model objects (checked). Every time is the best over ``--repeat`` rounds;
each round runs every step in turn, once with the garbage collector on and once with it
paused, so the load of a shared machine falls on all steps alike. The ratio is
medalliance / baseline (below 1: medalliance is faster). Also printed: ``to_fhir`` alone,
``from_fhir`` (reading the bundle back into the identical registry, checked) and the bundle's
size.

Run::

    python benchmarks/bench_fhir.py
    python benchmarks/bench_fhir.py --version R4B --repeat 5
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import sys
import time
import typing
from collections.abc import Callable
from functools import cache
from typing import Any

import medalliance as ma
from medalliance import synthetic
from medalliance.io.fhir import _validated, from_fhir, to_fhir, validate_fhir
from medalliance.io.fhir._map import _reference_problems


def interleaved(steps: dict[str, Callable[[], Any]], rounds: int) -> dict[str, float]:
    """Best wall time of every step over ``rounds`` rounds that run each step in turn, once
    with the garbage collector on and once with it paused (medalliance pauses it itself while
    validating; every step gets the same chance). Interleaving spreads the load of a shared
    machine over all steps alike."""
    best = dict.fromkeys(steps, float("inf"))
    for _ in range(rounds):
        for name, fn in steps.items():
            for paused in (False, True):
                gc.collect()
                if paused:
                    gc.disable()
                try:
                    t0 = time.perf_counter()
                    fn()
                    best[name] = min(best[name], time.perf_counter() - t0)
                finally:
                    gc.enable()
    return best


class DirectBuilder:
    """Builds fhir.resources objects bottom-up with their constructors from JSON-ready data."""

    def __init__(self, version: str) -> None:
        package = "fhir.resources" if version == "R5" else "fhir.resources.R4B"
        module = __import__(package, fromlist=["get_fhir_model_class"])
        self.get_class: Callable[[str], Any] = module.get_fhir_model_class
        self.fields = cache(self._fields)

    def _fields(self, cls: type) -> dict[str, tuple[str, Any]]:
        """JSON key -> (python field name, model class of its items or None for primitives)."""
        out: dict[str, tuple[str, Any]] = {}
        for name, info in cls.model_fields.items():  # type: ignore[attr-defined]
            key = info.alias or name
            out[key] = (name, self._item_class(info.annotation))
        return out

    def _item_class(self, annotation: Any) -> Any:
        stack = [annotation]
        while stack:
            t = stack.pop()
            name = getattr(t, "__name__", "")
            if getattr(t, "__module__", "") == "abc" and name.endswith("Type"):
                return "resource" if name == "ResourceType" else self.get_class(name[:-4])
            stack.extend(typing.get_args(t))
        return None

    def build(self, data: dict[str, Any], cls: Any = None) -> Any:
        if cls is None or cls == "resource":
            cls = self.get_class(data["resourceType"])
        fields = self.fields(cls)
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if key == "resourceType":
                continue
            name, item = fields[key]
            if item is None:
                kwargs[name] = value
            elif isinstance(value, list):
                kwargs[name] = [self.build(v, item) if isinstance(v, dict) else v for v in value]
            else:
                kwargs[name] = self.build(value, item)
        return cls(**kwargs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--counties", type=int, default=10, help="counties of the province")
    parser.add_argument("--version", choices=("R5", "R4B"), default="R5")
    parser.add_argument("--repeat", type=int, default=5, help="rounds (default 5)")
    args = parser.parse_args()

    import fhir.resources

    print(
        f"machine: {platform.platform()}, {platform.machine()}, Python {sys.version.split()[0]}, "
        f"medalliance {ma.__version__}, fhir.resources {fhir.resources.__version__}"
    )
    reg = synthetic.province(seed=args.seed, counties=args.counties)
    print(
        f"registry: {len(reg.institutions)} institutions, {len(reg.alliances)} alliances, "
        f"{len(reg.agreements)} agreements (synthetic.province(seed={args.seed}, "
        f"counties={args.counties})); FHIR {args.version}"
    )
    version = args.version
    builder = DirectBuilder(version)
    package = "fhir.resources" if version == "R5" else "fhir.resources.R4B"
    get_class = __import__(package, fromlist=["get_fhir_model_class"]).get_fhir_model_class

    def models_only(data: dict[str, Any]) -> Any:
        """The model validation of ``validate_fhir`` alone (no reference check)."""
        problems: list[Any] = []
        model = _validated(data, data["entry"], get_class, problems)
        assert not problems
        return model

    bundle = to_fhir(reg, version=version)
    validated = validate_fhir(bundle, version=version)
    assert builder.build(bundle) == validated, "the direct build and the validated bundle differ"
    assert from_fhir(bundle) == reg, "from_fhir did not give the registry back"
    t = interleaved(
        {
            "export": lambda: to_fhir(reg, version=version),
            "models": lambda: models_only(bundle),
            "references": lambda: _reference_problems(bundle),
            "ours": lambda: to_fhir(reg, version=version, validate=True),
            "build": lambda: builder.build(bundle),
            "read": lambda: from_fhir(bundle),
        },
        args.repeat,
    )
    t_export, t_models, t_refs, t_ours, t_build, t_read = (
        t[k] for k in ("export", "models", "references", "ours", "build", "read")
    )
    size_mb = len(json.dumps(bundle, ensure_ascii=False).encode()) / 1e6
    t_direct = t_export + t_build
    rows = [
        ("to_fhir (plain dicts)", t_export),
        ("validation: fhir.resources models (per resource, then Bundle)", t_models),
        ("validation: every reference resolves (O(n))", t_refs),
        ("medalliance: to_fhir(..., validate=True)", t_ours),
        ("direct: constructors, bottom-up", t_build),
        ("direct: + the same mapping (to_fhir)", t_direct),
        ("from_fhir (read back)", t_read),
    ]
    print(f"bundle: {len(bundle['entry'])} resources, {size_mb:.1f} MB of JSON")
    width = max(len(r[0]) for r in rows)
    for label, seconds in rows:
        print(f"  {label:<{width}}  {seconds * 1000:8.1f} ms")
    print(f"ratio export + validation / direct construction: {t_ours / t_direct:.2f}")
    print(
        "ratio export + model validation only (no reference check, like the baseline) / "
        f"direct construction: {(t_export + t_models) / t_direct:.2f}"
    )
    print(f"ratio export without validation / direct construction: {t_export / t_direct:.3f}")


if __name__ == "__main__":
    main()

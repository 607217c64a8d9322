"""Benchmark: reading and writing registry YAML, before and after libyaml, against JSON.

* **read** -- YAML text to a validated registry: ``medalliance.io.registry_from_yaml`` with
  libyaml's C parser (the default when PyYAML has it), the same with PyYAML's pure-Python
  parser (the fallback), and the 0.1 reader (PyYAML ``SafeLoader`` with a Python
  duplicate-key hook) as "before"; ``registry_from_json`` of the same registry is the
  reference.
* **write** -- a registry to YAML text: ``registry_to_yaml`` with libyaml's emitter, with the
  pure-Python emitter, and the 0.1 writer (``yaml.dump`` with a ``SafeDumper`` subclass);
  ``registry_to_json`` is the reference.

Before any time is printed, every reader is checked to give back the registry and the two
emitters to write the same bytes. Every time is the best of ``--repeat`` runs, with the
garbage collector paused as medalliance pauses it itself.

Input: ``medalliance.synthetic.national(seed=0, scale=...)``.

Run::

    python benchmarks/bench_yaml.py                  # scale 0.02 (~22,000 institutions)
    python benchmarks/bench_yaml.py --scale 0.1 --repeat 1
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

import yaml

import medalliance as ma
from medalliance import synthetic
from medalliance._gc import paused_gc
from medalliance._parse import _yaml
from medalliance.io import (
    registry_from_dict,
    registry_from_json,
    registry_from_yaml,
    registry_to_dict,
    registry_to_json,
    registry_to_yaml,
)


class OldLoader(yaml.SafeLoader):
    """The 0.1 reader: PyYAML's pure-Python safe loader with a duplicate-key check."""


def _old_mapping(loader: OldLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, "duplicate key", key_node.start_mark
            )
        seen.add(key)
    loader.flatten_mapping(node)
    return {
        loader.construct_object(k, deep=deep): loader.construct_object(v, deep=deep)
        for k, v in node.value
    }


OldLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _old_mapping)


class OldDumper(yaml.SafeDumper):
    """The 0.1 writer: PyYAML's pure-Python safe dumper, lists indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def old_read(text: str) -> ma.Registry:
    with paused_gc():
        return registry_from_dict(yaml.load(text, Loader=OldLoader))


def old_write(reg: ma.Registry) -> str:
    with paused_gc():
        return yaml.dump(
            registry_to_dict(reg),
            Dumper=OldDumper,
            allow_unicode=True,
            sort_keys=False,
            default_flow_style=False,
            width=100,
        )


def with_libyaml(flag: bool, fn: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        saved, _yaml.LIBYAML = _yaml.LIBYAML, flag
        try:
            return fn()
        finally:
            _yaml.LIBYAML = saved

    return run


def libyaml_version() -> str:
    from yaml import _yaml as cyaml  # type: ignore[attr-defined]

    return str(cyaml.get_version_string())


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scale", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    if not _yaml.LIBYAML:
        sys.exit("PyYAML was built without libyaml: nothing to compare")
    print(
        f"machine: {platform.platform()}, Python {sys.version.split()[0]}, "
        f"PyYAML {yaml.__version__} (libyaml {libyaml_version()}), "
        f"medalliance {ma.__version__}"
    )
    reg = synthetic.national(seed=args.seed, scale=args.scale)
    yaml_text = registry_to_yaml(reg)
    json_text = registry_to_json(reg)
    print(
        f"input: synthetic.national(seed={args.seed}, scale={args.scale}): "
        f"{len(reg.institutions):,} institutions; YAML {len(yaml_text.encode()) / 1e6:.1f} MB, "
        f"JSON {len(json_text.encode()) / 1e6:.1f} MB"
    )
    old_text = old_write(reg)
    reads = {
        "YAML, libyaml": with_libyaml(True, lambda: registry_from_yaml(yaml_text)),
        "YAML, pure Python": with_libyaml(False, lambda: registry_from_yaml(yaml_text)),
        "YAML, 0.1 reader": lambda: old_read(old_text),
        "JSON": lambda: registry_from_json(json_text),
    }
    writes = {
        "YAML, libyaml": with_libyaml(True, lambda: registry_to_yaml(reg)),
        "YAML, pure Python": with_libyaml(False, lambda: registry_to_yaml(reg)),
        "YAML, 0.1 writer": lambda: old_write(reg),
        "JSON": lambda: registry_to_json(reg),
    }
    times: dict[tuple[str, str], float] = {}
    for name, fn in reads.items():
        times["read", name], back = best_of(fn, args.repeat)
        assert back == reg, f"{name} did not read the registry back"
    for name, fn in writes.items():
        times["write", name], text = best_of(fn, args.repeat)
        if name.startswith("YAML, ") and "0.1" not in name:
            assert text == yaml_text, f"{name} wrote other bytes"
    print()
    print(f"{'step':<6} {'path':<18} {'seconds':>8} {'x JSON':>7} {'x 0.1':>7}")
    for step in ("read", "write"):
        old = times[step, "YAML, 0.1 reader" if step == "read" else "YAML, 0.1 writer"]
        for name in reads if step == "read" else writes:
            t = times[step, name]
            print(f"{step:<6} {name:<18} {t:>8.3f} {t / times[step, 'JSON']:>7.1f} {t / old:>7.2f}")


if __name__ == "__main__":
    main()

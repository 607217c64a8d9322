"""Benchmark: JSON -> validated Registry, and Registry -> networkx graph, at national scale.

Input: ``medalliance.synthetic.national_data(seed=..., scale=...)`` written to a temporary
JSON file (about 1.07 million institutions at ``--scale 1.0``). Baselines are measured in
the same run, on the same data:

* **load floor** -- ``pydantic.TypeAdapter(...).validate_json`` of the same JSON text into
  plain TypedDicts mirroring the file format (str/int/float/list fields, no custom
  validators, no model objects). Target: ``medalliance.io.registry_from_json`` within 2x.
  A second floor with plain frozen pydantic models of the same fields (model objects, but
  none of medalliance's rules) is printed for reference.
* **graph floor** -- bare ``networkx.MultiDiGraph`` construction (``add_nodes_from`` +
  ``add_edges_from``) from the node and edge attribute dicts ``to_graph`` produces, prepared
  in advance. Target: ``medalliance.to_graph`` within 1.5x.
* **memory** -- with ``tracemalloc``: the memory the registry and the graph keep (and the
  peak while they are built), beside the plain TypedDict data and the bare graph; and the
  peak resident set size (``ru_maxrss``) of each timing process.

Each step runs in a fresh subprocess so that timings and peaks do not mix. Every time is
the best of ``--repeat`` runs with the garbage collector on and as many with it paused
(medalliance pauses it itself during bulk construction; the baselines get the same chance).

Run::

    python benchmarks/bench_registry.py                 # scale 1.0, a few minutes
    python benchmarks/bench_registry.py --scale 0.05 --repeat 3
    python benchmarks/bench_registry.py --no-memory     # skip the tracemalloc step
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from typing import Any, Literal

import networkx as nx
from pydantic import BaseModel, ConfigDict, TypeAdapter
from typing_extensions import NotRequired, TypedDict

import medalliance as ma
from medalliance import synthetic

# -- the load floor: plain TypedDicts mirroring the file format (no model objects, no rules) --


class TRegion(TypedDict, total=False):
    province: str
    city: str
    county: str
    township: str
    division_code: str


class TInstitution(TypedDict):
    id: str
    name: str
    name_en: NotRequired[str]
    aliases: NotRequired[list[str]]
    kind: str
    tier: NotRequired[str]
    grade: NotRequired[str]
    ownership: NotRequired[str]
    region: NotRequired[TRegion]
    lat: NotRequired[float]
    lon: NotRequired[float]
    beds: NotRequired[int]
    specialties: NotRequired[list[str]]
    services: NotRequired[list[str]]
    population_served: NotRequired[int]
    provenance: NotRequired[dict[str, Any]]
    level: NotRequired[str]


class TMembership(TypedDict):
    institution: str
    role: NotRequired[str]
    joined: NotRequired[str]
    provenance: NotRequired[dict[str, Any]]


class TCentre(TypedDict):
    id: str
    kind: str
    host: str
    name: NotRequired[str]
    services: NotRequired[list[str]]
    serves: NotRequired[str | list[str]]
    capacity_per_day: NotRequired[int]
    provenance: NotRequired[dict[str, Any]]


class TClinic(TypedDict):
    id: str
    host: str
    site: str
    department: str
    weekdays: list[str]
    start: NotRequired[str]
    provenance: NotRequired[dict[str, Any]]


class TAlliance(TypedDict):
    id: str
    name: str
    name_en: NotRequired[str]
    aliases: NotRequired[list[str]]
    form: str
    tightness: NotRequired[str]
    lead: list[str]
    memberships: list[TMembership]
    specialty: NotRequired[str]
    region: NotRequired[TRegion]
    founded: NotRequired[str]
    provisions: NotRequired[list[str]]
    shared_centres: NotRequired[list[TCentre]]
    expert_clinics: NotRequired[list[TClinic]]
    declared: NotRequired[list[dict[str, Any]]]
    policy_basis: NotRequired[list[str]]
    description: NotRequired[str]
    provenance: NotRequired[dict[str, Any]]


class TAgreement(TypedDict):
    id: str
    alliance: str
    parties: list[str]
    items: list[str]
    title: NotRequired[str]
    signed: NotRequired[str]
    valid_from: NotRequired[str]
    valid_until: NotRequired[str]
    provenance: NotRequired[dict[str, Any]]


class TRegistry(TypedDict):
    schema_version: int
    title: NotRequired[str]
    description: NotRequired[str]
    sources: NotRequired[list[dict[str, Any]]]
    institutions: list[TInstitution]
    alliances: list[TAlliance]
    agreements: list[TAgreement]


# -- reference floor: plain frozen pydantic models of the same fields (none of medalliance's rules)


class _M(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PRegion(_M):
    province: str | None = None
    city: str | None = None
    county: str | None = None
    township: str | None = None
    division_code: str | None = None


class PInstitution(_M):
    id: str
    name: str
    name_en: str | None = None
    aliases: tuple[str, ...] = ()
    kind: str
    tier: str | None = None
    grade: str | None = None
    ownership: str | None = None
    region: PRegion = PRegion()
    lat: float | None = None
    lon: float | None = None
    beds: int | None = None
    specialties: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    population_served: int | None = None


class PMembership(_M):
    institution: str
    role: str = "member"
    joined: date | None = None


class PCentre(_M):
    id: str
    kind: str
    host: str
    name: str | None = None
    services: tuple[str, ...] = ()
    serves: Literal["all"] | tuple[str, ...] = "all"
    capacity_per_day: int | None = None


class PClinic(_M):
    id: str
    host: str
    site: str
    department: str
    weekdays: tuple[str, ...]


class PAlliance(_M):
    id: str
    name: str
    form: str
    tightness: str = "loose"
    lead: tuple[str, ...]
    memberships: tuple[PMembership, ...]
    specialty: str | None = None
    region: PRegion = PRegion()
    provisions: tuple[str, ...] = ()
    shared_centres: tuple[PCentre, ...] = ()
    expert_clinics: tuple[PClinic, ...] = ()


class PAgreement(_M):
    id: str
    alliance: str
    parties: tuple[str, ...]
    items: tuple[str, ...]


class PRegistry(_M):
    schema_version: int
    title: str | None = None
    description: str | None = None
    institutions: tuple[PInstitution, ...] = ()
    alliances: tuple[PAlliance, ...] = ()
    agreements: tuple[PAgreement, ...] = ()


# -- measuring ---------------------------------------------------------------------------------


def best(fn: Callable[[], Any], repeat: int) -> float:
    """Best wall time of ``fn`` over ``repeat`` runs with the collector on and as many paused."""
    times = []
    for paused in (False, True):
        for _ in range(repeat):
            gc.collect()
            if paused:
                gc.disable()
            t = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - t)
            gc.enable()
            del result
    return min(times)


def maxrss_mb() -> float:
    """Peak resident set size of this process in MB (Linux reports KiB)."""
    per_mb = 1024 * 1024 if sys.platform == "darwin" else 1024  # macOS reports bytes
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / per_mb


def prepared(reg: ma.Registry) -> tuple[dict[str, Any], list[Any], list[Any]]:
    """The graph attributes, node and edge tuples of ``to_graph(reg)``, as fresh objects."""
    G = ma.to_graph(reg)
    nodes = [(n, dict(a)) for n, a in G.nodes(data=True)]
    edges = [(u, v, k, dict(d)) for u, v, k, d in G.edges(keys=True, data=True)]
    return dict(G.graph), nodes, edges


def bare_graph(graph_attrs: dict[str, Any], nodes: list[Any], edges: list[Any]) -> nx.MultiDiGraph:
    """The floor: a MultiDiGraph built from prepared attribute dicts with the public API."""
    H = nx.MultiDiGraph()
    H.graph.update(graph_attrs)
    H.add_nodes_from(nodes)
    H.add_edges_from(edges)
    return H


def run_step(step: str, path: str, repeat: int) -> None:
    """Run one step in this (fresh) process and print its figures as JSON."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    out: dict[str, float] = {}
    if step == "floor_typeddict":
        ta_d = TypeAdapter(TRegistry)
        out["seconds"] = best(lambda: ta_d.validate_json(text), repeat)
    elif step == "floor_models":
        ta_m = TypeAdapter(PRegistry)
        out["seconds"] = best(lambda: ta_m.validate_json(text), repeat)
    elif step == "load":
        out["seconds"] = best(lambda: ma.io.registry_from_json(text), repeat)
    elif step == "graph":
        reg = ma.io.registry_from_json(text)
        del text
        out["seconds"] = best(lambda: ma.to_graph(reg), repeat)
        G = ma.to_graph(reg)
        out["nodes"], out["edges"] = G.number_of_nodes(), G.number_of_edges()
    elif step == "graph_floor":
        reg = ma.io.registry_from_json(text)
        del text
        graph_attrs, nodes, edges = prepared(reg)
        out["seconds"] = best(lambda: bare_graph(graph_attrs, nodes, edges), repeat)
    elif step == "memory":
        out.update(measure_memory(text))
    else:
        raise SystemExit(f"unknown step {step!r}")
    out["maxrss_mb"] = maxrss_mb()
    print(json.dumps(out))


def measure_memory(text: str) -> dict[str, float]:
    """Memory kept by (and peak while building) each object, in MB, with tracemalloc."""
    mb = 1e-6
    out: dict[str, float] = {}
    gc.collect()
    tracemalloc.start()

    def phase(name: str, build: Callable[[], Any]) -> Any:
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        obj = build()
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
        out[f"{name}_kept_mb"] = (current - before) * mb
        out[f"{name}_peak_mb"] = (peak - before) * mb
        return obj

    data = phase("floor_data", lambda: TypeAdapter(TRegistry).validate_json(text))
    del data
    reg = phase("registry", lambda: ma.io.registry_from_json(text))
    G = phase("graph", lambda: ma.to_graph(reg))
    del G
    graph_attrs, nodes, edges = prepared(reg)
    H = phase("bare_graph", lambda: bare_graph(graph_attrs, nodes, edges))
    del H
    tracemalloc.stop()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--scale", type=float, default=1.0, help="national scale (default 1.0)")
    ap.add_argument("--repeat", type=int, default=2, help="runs per GC setting (default 2)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-memory", action="store_true", help="skip the tracemalloc step")
    ap.add_argument("--step", help=argparse.SUPPRESS)
    ap.add_argument("--input", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.step:
        run_step(args.step, args.input, args.repeat)
        return

    import numpy
    import pydantic
    import pydantic_core

    print(
        f"machine: {platform.platform()}; {platform.processor() or platform.machine()}; "
        f"{os.cpu_count()} CPUs; Python {platform.python_version()} "
        f"({platform.python_implementation()})"
    )
    print(
        f"medalliance {ma.__version__}, pydantic {pydantic.VERSION}, "
        f"pydantic-core {pydantic_core.__version__}, networkx {nx.__version__}, "
        f"numpy {numpy.__version__}"
    )
    t = time.perf_counter()
    data = synthetic.national_data(seed=args.seed, scale=args.scale)
    t_gen = time.perf_counter() - t
    n_inst, n_all, n_agr = (len(data[k]) for k in ("institutions", "alliances", "agreements"))
    steps = ["floor_typeddict", "floor_models", "load", "graph_floor", "graph"]
    if not args.no_memory:
        steps.append("memory")
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "national.json")
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False)
        del data
        size = os.path.getsize(path)
        print(
            f"input: national_data(seed={args.seed}, scale={args.scale}): {n_inst:,} "
            f"institutions, {n_all:,} alliances, {n_agr:,} agreements; {size / 1e6:,.0f} MB "
            f"JSON; generated in {t_gen:.1f} s"
        )
        print(
            f"each step in a fresh process; time = best of {args.repeat} runs with GC on "
            f"and {args.repeat} with GC paused\n",
            flush=True,
        )
        for step in steps:
            cmd = [sys.executable, __file__, "--step", step, "--input", path]
            cmd += ["--repeat", str(args.repeat)]
            t = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
            results[step] = json.loads(proc.stdout.strip().splitlines()[-1])
            print(f"  {step} done in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    report(results)


def report(results: dict[str, dict[str, float]]) -> None:
    """Print the tables and the verdicts."""
    sec = {k: v["seconds"] for k, v in results.items() if "seconds" in v}
    floor, graph_floor = sec["floor_typeddict"], sec["graph_floor"]
    g = results["graph"]
    print(f"graph: {g['nodes']:,.0f} nodes, {g['edges']:,.0f} edges")
    print(f"\n{'step':52s} {'best s':>8s} {'ratio':>7s} {'peak RSS MB':>12s}")
    rows = [
        ("load floor: TypeAdapter(TypedDicts).validate_json", "floor_typeddict", floor),
        ("load ref.: TypeAdapter(plain models).validate_json", "floor_models", floor),
        ("load: medalliance.io.registry_from_json", "load", floor),
        ("graph floor: add_nodes_from + add_edges_from", "graph_floor", graph_floor),
        ("graph: medalliance.to_graph", "graph", graph_floor),
    ]
    for label, step, base in rows:
        r = results[step]
        print(
            f"{label:52s} {r['seconds']:8.2f} {r['seconds'] / base:6.2f}x {r['maxrss_mb']:12,.0f}"
        )
    load = sec["load"] / floor
    graph = sec["graph"] / graph_floor
    print(f"\nload vs plain-model reference: {sec['load'] / sec['floor_models']:.2f}x")
    print(f"target load <= 2x TypedDict floor: {'met' if load <= 2 else 'MISSED'} ({load:.2f}x)")
    verdict = "met" if graph <= 1.5 else "MISSED"
    print(f"target to_graph <= 1.5x bare networkx: {verdict} ({graph:.2f}x)")
    print("(peak RSS of the graph steps includes the loaded registry; of graph floor, also the")
    print(" prepared attribute lists)")
    mem = results.get("memory")
    if mem:
        print(f"\n{'memory (tracemalloc)':40s} {'kept MB':>10s} {'peak MB':>10s} {'ratio':>7s}")
        for label, key, floor_key in (
            ("plain TypedDict data (floor)", "floor_data", "floor_data"),
            ("medalliance Registry", "registry", "floor_data"),
            ("bare networkx graph (floor)", "bare_graph", "bare_graph"),
            ("medalliance to_graph", "graph", "bare_graph"),
        ):
            kept, peak = mem[f"{key}_kept_mb"], mem[f"{key}_peak_mb"]
            ratio = kept / mem[f"{floor_key}_kept_mb"]
            print(f"{label:40s} {kept:10,.0f} {peak:10,.0f} {ratio:6.2f}x")
        print("(kept = memory the object holds once built; peak = above the start of the build;")
        print(" ratio = kept vs the floor above it; the graph excludes the registry it reads)")


if __name__ == "__main__":
    main()

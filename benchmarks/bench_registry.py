"""Benchmark: JSON -> validated Registry, and Registry -> networkx graph, at national scale.

Baselines measured in the same run, on the same data:

* load floor (models): ``TypeAdapter`` validation of the same JSON into plain pydantic
  models with the same fields and types but none of medalliance's rules (no label parsing,
  no cross-reference checks). Target: medalliance within 2x.
* load floor (TypedDict): the same with TypedDicts (no model objects at all), for reference.
* graph floor: bare ``networkx.MultiDiGraph`` construction (``add_nodes_from`` +
  ``add_edges_from``) from node and edge attribute dicts prepared in advance. Target:
  ``medalliance.to_graph`` within 1.5x.

Run: ``python benchmarks/bench_registry.py [--scale 1.0] [--repeat 3]``
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
from collections.abc import Callable
from datetime import date
from typing import Any, Literal

import networkx as nx
from pydantic import BaseModel, ConfigDict, TypeAdapter
from typing_extensions import NotRequired, TypedDict

import medalliance as ma
from medalliance import synthetic


# -- plain mirrors of the file format (no medalliance rules) -----------------------------------
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
    tier: str
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


class TRegion(TypedDict, total=False):
    province: str
    city: str
    county: str
    township: str
    division_code: str


class TInstitution(TypedDict):
    id: str
    name: str
    kind: str
    tier: str
    grade: NotRequired[str]
    ownership: NotRequired[str]
    region: NotRequired[TRegion]
    lat: NotRequired[float]
    lon: NotRequired[float]
    beds: NotRequired[int]
    specialties: NotRequired[list[str]]
    services: NotRequired[list[str]]
    population_served: NotRequired[int]


class TMembership(TypedDict):
    institution: str
    role: str


class TAlliance(TypedDict):
    id: str
    name: str
    form: str
    tightness: str
    lead: list[str]
    memberships: list[TMembership]
    specialty: NotRequired[str]
    region: NotRequired[TRegion]
    provisions: NotRequired[list[str]]
    shared_centres: NotRequired[list[dict[str, Any]]]
    expert_clinics: NotRequired[list[dict[str, Any]]]


class TAgreement(TypedDict):
    id: str
    alliance: str
    parties: list[str]
    items: list[str]


class TRegistry(TypedDict):
    schema_version: int
    title: NotRequired[str]
    description: NotRequired[str]
    institutions: list[TInstitution]
    alliances: list[TAlliance]
    agreements: list[TAgreement]


# -- timing ------------------------------------------------------------------------------------
def best(fn: Callable[[], Any], repeat: int) -> float:
    """Best wall time of ``fn`` over ``repeat`` runs with the garbage collector on, and as
    many with it paused (medalliance pauses it itself during bulk work; a baseline gets the
    same advantage so the ratio stays fair)."""
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
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_step(step: str, path: str, repeat: int) -> None:
    """Time one step in this (fresh) process and print ``seconds peak_rss_mb``."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    if step == "floor_models":
        ta_m = TypeAdapter(PRegistry)
        secs = best(lambda: ta_m.validate_json(text), repeat)
    elif step == "floor_typeddict":
        ta_d = TypeAdapter(TRegistry)
        secs = best(lambda: ta_d.validate_json(text), repeat)
    elif step == "load":
        secs = best(lambda: ma.io.registry_from_json(text), repeat)
    else:
        reg = ma.io.registry_from_json(text)
        del text
        if step == "graph":
            secs = best(lambda: ma.to_graph(reg), repeat)
        else:  # graph_floor: the same attribute dicts, prepared in advance
            G = ma.to_graph(reg)
            nodes = [(n, dict(a)) for n, a in G.nodes(data=True)]
            edges = [(u, v, k, dict(d)) for u, v, k, d in G.edges(keys=True, data=True)]
            graph_attrs = dict(G.graph)
            del G

            def bare() -> nx.MultiDiGraph:
                H = nx.MultiDiGraph()
                H.graph.update(graph_attrs)
                H.add_nodes_from(nodes)
                H.add_edges_from(edges)
                return H

            secs = best(bare, repeat)
    print(f"{secs:.3f} {maxrss_mb():.0f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--step", help=argparse.SUPPRESS)
    ap.add_argument("--input", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.step:
        run_step(args.step, args.input, args.repeat)
        return

    import pydantic

    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cpus, Python {platform.python_version()}"
    )
    print(f"medalliance {ma.__version__}, pydantic {pydantic.VERSION}, networkx {nx.__version__}")
    t = time.perf_counter()
    data = synthetic.national_data(seed=args.seed, scale=args.scale)
    t_gen = time.perf_counter() - t
    n_inst, n_all = len(data["institutions"]), len(data["alliances"])
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "national.json")
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False)
        del data
        size = os.path.getsize(path)
        print(
            f"data: {n_inst:,} institutions, {n_all:,} alliances, {size / 1e6:.0f} MB JSON "
            f"(generated in {t_gen:.1f} s)"
        )
        print(
            "each step runs in a fresh process; time = best of runs, memory = that process's peak"
        )
        results = {}
        for step in ("floor_models", "floor_typeddict", "load", "graph_floor", "graph"):
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--step",
                    step,
                    "--input",
                    path,
                    "--repeat",
                    str(args.repeat),
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            results[step] = (float(out[0]), float(out[1]))
    rows = [
        ("load: floor, TypeAdapter -> plain models", "floor_models", "floor_models"),
        ("load: floor, TypeAdapter -> TypedDicts", "floor_typeddict", "floor_models"),
        ("load: medalliance registry_from_json", "load", "floor_models"),
        ("graph: floor, bare networkx build", "graph_floor", "graph_floor"),
        ("graph: medalliance to_graph", "graph", "graph_floor"),
    ]
    print(f"{'step':45s} {'best s':>8s} {'ratio':>6s} {'peak MB':>8s}")
    for label, step, base in rows:
        secs, rss = results[step]
        print(f"{label:45s} {secs:8.2f} {secs / results[base][0]:6.2f} {rss:8,.0f}")
    load = results["load"][0] / results["floor_models"][0]
    graph = results["graph"][0] / results["graph_floor"][0]
    print(f"load vs TypedDict floor: {results['load'][0] / results['floor_typeddict'][0]:.2f}x")
    print(
        f"targets: load <= 2x model floor: {'met' if load <= 2 else 'MISSED'} ({load:.2f}x); "
        f"to_graph <= 1.5x bare: {'met' if graph <= 1.5 else 'MISSED'} ({graph:.2f}x)"
    )
    print(
        "peak MB of 'graph' steps includes the loaded registry; of 'graph_floor' also the "
        "prepared attribute lists"
    )


if __name__ == "__main__":
    main()

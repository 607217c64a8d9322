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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    print(
        f"machine: {platform.platform()}, {os.cpu_count()} cpus, Python {platform.python_version()}"
    )
    import pydantic

    print(f"medalliance {ma.__version__}, pydantic {pydantic.VERSION}, networkx {nx.__version__}")
    t = time.perf_counter()
    data = synthetic.national_data(seed=args.seed, scale=args.scale)
    t_gen = time.perf_counter() - t
    text = json.dumps(data, ensure_ascii=False)
    n_inst, n_all = len(data["institutions"]), len(data["alliances"])
    del data
    print(
        f"data: {n_inst:,} institutions, {n_all:,} alliances, {len(text) / 1e6:.0f} MB JSON "
        f"(generated in {t_gen:.1f} s)"
    )

    floor_models = TypeAdapter(PRegistry)
    floor_dicts = TypeAdapter(TRegistry)
    t_floor_m = best(lambda: floor_models.validate_json(text), args.repeat)
    t_floor_d = best(lambda: floor_dicts.validate_json(text), args.repeat)
    t_ours = best(lambda: ma.io.registry_from_json(text), args.repeat)
    reg = ma.io.registry_from_json(text)
    rss_registry = maxrss_mb()

    G = ma.to_graph(reg)
    nodes = [(n, dict(a)) for n, a in G.nodes(data=True)]
    edges = [(u, v, k, dict(d)) for u, v, k, d in G.edges(keys=True, data=True)]
    graph_attrs = dict(G.graph)
    n_nodes, n_edges = G.number_of_nodes(), G.number_of_edges()
    del G

    def bare() -> nx.MultiDiGraph:
        H = nx.MultiDiGraph()
        H.graph.update(graph_attrs)
        H.add_nodes_from(nodes)
        H.add_edges_from(edges)
        return H

    t_bare = best(bare, args.repeat)
    t_graph = best(lambda: ma.to_graph(reg), args.repeat)
    G = ma.to_graph(reg)
    rss_graph = maxrss_mb()

    rows = [
        ("load: floor, TypeAdapter -> plain models", t_floor_m, 1.0),
        ("load: floor, TypeAdapter -> TypedDicts", t_floor_d, t_floor_d / t_floor_m),
        ("load: medalliance registry_from_json", t_ours, t_ours / t_floor_m),
        ("graph: floor, bare networkx build", t_bare, 1.0),
        ("graph: medalliance to_graph", t_graph, t_graph / t_bare),
    ]
    print(f"graph: {n_nodes:,} nodes, {n_edges:,} edges")
    print(f"{'step':45s} {'best s':>9s} {'ratio':>7s}")
    for label, secs, ratio in rows:
        print(f"{label:45s} {secs:9.2f} {ratio:7.2f}")
    print(f"load vs TypedDict floor: {t_ours / t_floor_d:.2f}x")
    load_ok = "met" if t_ours <= 2 * t_floor_m else "MISSED"
    graph_ok = "met" if t_graph <= 1.5 * t_bare else "MISSED"
    print(f"targets: load <= 2x model floor: {load_ok}; to_graph <= 1.5x bare: {graph_ok}")
    print(
        f"peak RSS: after registry {rss_registry:,.0f} MB; after graph {rss_graph:,.0f} MB "
        f"(includes the benchmark's own copies of the JSON text and attribute lists)"
    )
    del G


if __name__ == "__main__":
    main()

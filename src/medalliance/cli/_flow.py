"""``medalliance flow``: queueing over a referral network file, its scenarios side by side."""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING, Any, TextIO

from medalliance.cli._common import add_json_flag, path_argument, print_json, table
from medalliance.errors import MedAllianceError, Problem

if TYPE_CHECKING:
    from medalliance.cli._common import Subparsers
    from medalliance.flow import FlowAnalysis, ScenarioComparison, SimulationResult


def add_parser(subparsers: Subparsers) -> None:
    """Register ``flow`` and its options."""
    fl = subparsers.add_parser(
        "flow", help="waits and utilisation of a referral flow network, scenario by scenario"
    )
    fl.add_argument(
        "network",
        metavar="FILE",
        type=path_argument,
        help="flow network file (.yaml, .yml or .json) with optional scenarios",
    )
    fl.add_argument(
        "--within",
        metavar="IDS",
        help="comma-separated nodes whose completed care is counted (e.g. a "
        "county's institutions): the projected within share per scenario",
    )
    fl.add_argument(
        "--simulate",
        action="store_true",
        help="also simulate the baseline (native engine) and show means with 95%% "
        "confidence intervals beside the exact values",
    )
    fl.add_argument(
        "--horizon",
        type=float,
        default=1_000.0,
        metavar="T",
        help="with --simulate: run length in the network's time unit (default 1000)",
    )
    fl.add_argument(
        "--replications",
        type=int,
        default=20,
        metavar="R",
        help="with --simulate: independent runs (default 20)",
    )
    fl.add_argument(
        "--seed", type=int, default=1, metavar="S", help="with --simulate: random seed (default 1)"
    )
    add_json_flag(fl)
    fl.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Analyse every scenario of the file; print node tables and the scenario summary."""
    from medalliance.flow import compare, simulate
    from medalliance.io.flow import read_flow_scenarios

    _check(args)
    scenarios = read_flow_scenarios(args.network)
    within = [w for w in args.within.split(",") if w] if args.within else None
    cmp = compare(scenarios, within=within)
    sim = None
    if args.simulate:
        base = scenarios["baseline"]
        sim = simulate(
            base,
            horizon=args.horizon,
            warmup=args.horizon / 10,
            replications=args.replications,
            seed=args.seed,
        )
    if args.json:
        print_json(_json(cmp, sim), out)
        return 0
    unit = scenarios["baseline"].time_unit
    for name, res in zip(cmp.names, cmp.analyses, strict=True):
        print(f"{name}  (rates per {unit}; waits in {unit}s)", file=out)
        _print_nodes(res, out)
        print(file=out)
    print("Scenarios", file=out)
    table(
        [_summary_cells(r) for r in cmp.summary()],
        ("scenario", "busiest", "max util.", "unstable", "time in network", "within"),
        out,
    )
    if sim is not None:
        print(
            f"\nSimulated baseline: {sim.replications} runs of {sim.horizon:g} {unit}s "
            f"(first {sim.horizon / 10:g} discarded), seed {args.seed}",
            file=out,
        )
        _print_simulated(cmp.analyses[0], sim, out)
    return 0


def _check(args: argparse.Namespace) -> None:
    problems = []
    if not (math.isfinite(args.horizon) and args.horizon > 0):
        problems.append(
            Problem(("--horizon",), f"must be a finite number > 0, got {args.horizon:g}")
        )
    if args.replications < 2:
        problems.append(Problem(("--replications",), f"must be >= 2, got {args.replications}"))
    if not args.simulate:
        problems += [
            Problem((opt,), "applies only with --simulate")
            for opt, value, default in (
                ("--horizon", args.horizon, 1_000.0),
                ("--replications", args.replications, 20),
                ("--seed", args.seed, 1),
            )
            if value != default
        ]
    if problems:
        raise MedAllianceError(problems)


def _num(x: float | None, digits: int = 3) -> str | None:
    return None if x is None else f"{x:.{digits}g}"


def _print_nodes(res: FlowAnalysis, out: TextIO) -> None:
    rows = [
        (
            r["node"],
            r["servers"],
            _num(r["arrival_rate"]),
            f"{r['utilisation']:.1%}",
            _num(r["mean_wait"]),
            _num(r["mean_sojourn"]),
            _num(r["mean_queue"]),
            "" if r["stable"] else "UNSTABLE",
        )
        for r in res.rows()
    ]
    table(rows, ("node", "servers", "arrivals", "util.", "wait", "sojourn", "queue", "note"), out)
    for u in res.unstable:
        print(
            f"  {u.node}: {u.excess_rate:.3g} more arrivals than it can serve; needs "
            f"{u.servers_needed} servers",
            file=out,
        )


def _summary_cells(r: dict[str, Any]) -> tuple[Any, ...]:
    share = r["within_share"]
    return (
        r["scenario"],
        r["busiest_node"],
        f"{r['max_utilisation']:.1%}",
        r["unstable"] or "",
        _num(r["mean_time_in_network"]),
        None if share is None else f"{share:.2%}",
    )


def _print_simulated(res: FlowAnalysis, sim: SimulationResult, out: TextIO) -> None:
    rows = []
    for m in ("utilisation", "mean_wait"):
        mean, half = sim.mean(m), sim.half_width(m)
        exact = getattr(res, m)
        for i, node in enumerate(res.network.nodes):
            rows.append(
                (
                    node,
                    m,
                    _num(float(exact[i])) if res.stable[i] else None,
                    f"{mean[i]:.3g} ± {half[i]:.2g}",
                )
            )
    table(rows, ("node", "measure", "exact", "simulated"), out)


def _json(cmp: ScenarioComparison, sim: SimulationResult | None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "scenarios": [
            {"name": name, "nodes": res.rows(), "unstable": [u.__dict__ for u in res.unstable]}
            for name, res in zip(cmp.names, cmp.analyses, strict=True)
        ],
        "summary": cmp.summary(),
    }
    if sim is not None:
        doc["simulated"] = sim.rows()
    return doc

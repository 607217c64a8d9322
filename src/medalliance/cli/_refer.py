"""``medalliance refer``: where a patient may be referred under a policy, and why."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from medalliance.cli._common import (
    add_json_flag,
    add_target,
    path_argument,
    print_json,
    table,
)
from medalliance.cli._load import load_registry
from medalliance.errors import MedAllianceError, Problem

if TYPE_CHECKING:
    from medalliance.cli._common import Subparsers
    from medalliance.model.registry import Registry
    from medalliance.model.vocab import ServiceKind
    from medalliance.referral import ReferralCase, ReferralDecision, ReferralPath, ReferralPolicy


def add_parser(subparsers: Subparsers) -> None:
    """Register ``refer`` and its options."""
    rf = subparsers.add_parser("refer", help="decide where a patient may be referred, and why")
    add_target(rf)
    rf.add_argument("--from", dest="origin", required=True, metavar="ID", help="origin institution")
    rf.add_argument("--criterion", required=True, metavar="CODE", help="referral criterion code")
    rf.add_argument("--specialty", metavar="S", help="specialty needed (label or code)")
    rf.add_argument(
        "--service", action="append", default=[], metavar="X", help="service needed (repeatable)"
    )
    rf.add_argument("--home", metavar="ID", help="patient's home institution")
    rf.add_argument(
        "--urgency",
        default="routine",
        metavar="U",
        help="routine (default), urgent or emergency (常规/紧急/急诊)",
    )
    rf.add_argument("--condition", metavar="CODE", help="condition code (e.g. ICD-10)")
    rf.add_argument(
        "--outside-options",
        type=int,
        default=0,
        metavar="N",
        help="also list up to N capable institutions the patient may go to outside the "
        "alliance channels (possible, without the alliance's privileges)",
    )
    rf.add_argument(
        "--paths",
        action="store_true",
        help="also list the escalation paths up the tiers (to the specialty and the first "
        "--service, when given)",
    )
    rf.add_argument(
        "--policy",
        metavar="FILE",
        type=path_argument,
        help="referral policy file (default: built in)",
    )
    add_json_flag(rf)
    rf.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Decide the referral case the options describe; print the decision and its reasons."""
    from medalliance.io.records import read_policy
    from medalliance.referral import evaluate, referral_paths
    from medalliance.referral.policy import default_policy

    reg, _ = load_registry(args.target, args.as_of)
    policy = read_policy(args.policy) if args.policy is not None else default_policy()
    case = _read_case(args, reg, policy)
    decision = evaluate(reg, case, policy=policy, outside_options=args.outside_options)
    towards = next(iter(case.services), None)  # referral_paths follows one service
    paths = (
        referral_paths(reg, case.origin, specialty=case.specialty, service=towards)
        if args.paths
        else ()
    )
    if args.json:
        doc = decision.model_dump(mode="json")
        if args.paths:
            doc["paths"] = [{**p.model_dump(mode="json"), "hops": p.hops} for p in paths]
        print_json(doc, out)
        return 0
    _print_decision(reg, policy, case, decision, out)
    if args.paths:
        _print_paths(case, towards, paths, out)
    return 0


def _read_case(args: argparse.Namespace, reg: Registry, policy: ReferralPolicy) -> ReferralCase:
    """The case from the options, or every problem: unknown ids and criterion too."""
    from medalliance.referral import ReferralCase

    try:
        return ReferralCase.model_validate(
            {
                "origin": args.origin,
                "criterion": args.criterion,
                "specialty": args.specialty,
                "services": args.service,
                "home": args.home,
                "urgency": args.urgency,
                "condition": args.condition,
            }
        )
    except MedAllianceError as exc:  # name unknown ids and criterion too, not only labels
        problems = list(exc.problems)
        for field, value, find in (
            ("origin", args.origin, reg.institution),
            ("criterion", args.criterion, policy.criterion),
            ("home", args.home, reg.institution),
        ):
            if value is None or any(p.path[:1] == (field,) for p in exc.problems):
                continue
            try:
                find(value)
            except MedAllianceError as unknown:
                problems.extend(unknown.with_prefix((field,)).problems)
        if args.outside_options < 0:
            problems.append(Problem(("outside_options",), "must be >= 0"))
        raise MedAllianceError(problems) from None


def _print_decision(
    reg: Registry,
    policy: ReferralPolicy,
    case: ReferralCase,
    decision: ReferralDecision,
    out: TextIO,
) -> None:
    origin = reg.institution(case.origin)
    criterion = policy.criterion(case.criterion)
    print(
        f"{origin.name} ({origin.id}, {origin.level_zh}) · {criterion.name_zh} ({criterion.code})",
        file=out,
    )
    if decision.eligible and decision.direction is not None:
        print(f"eligible: {decision.direction.label_zh} ({decision.direction.value})", file=out)
        rows = [
            (
                i + 1,
                d.institution,
                reg.institution(d.institution).name,
                d.direction.value,
                " ".join(d.flags) or None,
                d.distance_km,
                ",".join(d.alliances),
            )
            for i, d in enumerate(decision.destinations)
        ]
        table(rows, ("#", "id", "name", "direction", "priority", "km", "alliance"), out)
    else:
        print("not eligible: no referral through an alliance channel", file=out)
    for r in decision.reasons:
        print(f"  [{r.code}] {r.en} / {r.zh}", file=out)
    if decision.outside_options:
        print("also possible outside the alliance channels (without their privileges):", file=out)
        outside = [
            (d.institution, reg.institution(d.institution).name, d.direction.value, d.distance_km)
            for d in decision.outside_options
        ]
        table(outside, ("id", "name", "direction", "km"), out)


def _print_paths(
    case: ReferralCase,
    towards: ServiceKind | None,
    paths: Sequence[ReferralPath],
    out: TextIO,
) -> None:
    wanted = [
        f"{what} {x.value}"
        for what, x in (("specialty", case.specialty), ("service", towards))
        if x is not None
    ]
    to = f" to an institution with {' and '.join(wanted)}" if wanted else ""
    print(f"escalation paths{to}:", file=out)
    for p in paths:
        print(f"  {p.hops} hop(s): {' → '.join(p.institutions)}", file=out)
    if not paths:
        print("  none", file=out)

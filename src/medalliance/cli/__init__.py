"""The ``medalliance`` command line.

Commands:

- ``medalliance report [NAME|FILE] [--alliance ID] [--json]``: report on a bundled example
  (default: :data:`medalliance.examples.DEFAULT`) or a file: alliances, members by tier and
  role, agreements and their items, shared centres, expert clinics, declared vs computed
  figures, and check findings.
- ``medalliance list [--json]``: the bundled examples.
- ``medalliance validate FILE [--json]``: exit 0 when the file is a valid registry, 1 with
  every problem listed when it is not.
- ``medalliance export NAME|FILE --format json|yaml|graphml|fhir [--fhir-version R5|R4B]
  [-o OUT]``: write the registry in another format (to standard output unless ``-o`` is
  given); ``fhir`` writes a FHIR Bundle (:func:`medalliance.io.fhir.to_fhir`, R5 by default).
- ``medalliance schema``: print the JSON Schema of the file format.
- ``medalliance refer NAME|FILE --from ID --criterion CODE [--specialty S] [--service X]
  [--home ID] [--urgency U] [--condition CODE] [--outside-options N] [--paths]
  [--policy FILE] [--json]``: decide where a patient at institution ``ID`` may be referred
  through alliance channels under the referral policy (built in, or ``--policy FILE``), with
  ranked destinations and every reason; optionally capable institutions outside the alliance
  channels (possible, without the alliance's privileges) and the escalation paths up the
  tiers.
- ``medalliance sharing NAME|FILE [--alliance ID] [--json]``: where institutions get each
  service (their own, a shared centre, an agreement, or nowhere) and the shared centres with
  their capacity, declared volumes and utilisation.
- ``medalliance coverage NAME|FILE [--population FILE] [--cutoff-min M] [--speed-kmh V]
  [--json]``: per alliance, members by tier and role, beds and population computed from the
  members beside the declared figures, townships covered and alliances sharing members; for
  the registry, whether each grassroots member reaches a secondary or higher institution
  through referral channels (hops; members with no path), the institutions whose loss splits
  the referral network, and with ``--population FILE`` (CSV ``id,people,lat,lon``) the people
  within ``M`` minutes (default 15) of a member at an assumed speed ``V`` (default 30 km/h).
- ``medalliance plan centre NAME|FILE --alliance ID --service S --population FILE [--p N]
  [--cutoff-min M] [--speed-kmh V] [--host-kind K ...] [--method exact|greedy]
  [--time-limit-s S] [--format table|json|csv]``: propose ``N`` members (default 1) to host a
  new shared centre for service ``S``, keeping the members that already offer it, so that the
  most people are within ``M`` minutes (default 30); prints the solver's status, bound and gap
  and a before/after table (:func:`medalliance.planning.place_shared_centre`).
- ``medalliance plan sites --costs FILE --model M [--population FILE] [--p N] [options]``:
  MCLP, p-median, LSCP or p-center on a cost table, with candidates, fixed sites,
  capacities, a time limit and a warm start; ``plan partition --units FILE --adjacency FILE``
  divides units into contiguous groups around lead units; ``plan check-grid --units FILE
  (--groups FILE | --registry NAME|FILE)`` names gaps and overlaps of a grid (status 1 when
  there is one); ``plan equity FILE...`` compares the equity of access values.

Progress bars (reading and writing large files, FHIR export) appear on standard error only
when it is a terminal and the work is large; ``-q``/``--quiet`` turns them off.

Errors in the input are printed (every problem, with its path) and the command exits with
status 1; with ``--json`` the problems are also written to standard output as
``{"valid": false, "source": ..., "problems": [{"path": ..., "message": ...}]}``. Usage errors
exit with status 2. No traceback is shown for bad input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from contextlib import nullcontext, redirect_stderr, redirect_stdout
from typing import TextIO

from medalliance._progress import quiet
from medalliance.cli import (
    _access,
    _coverage,
    _export,
    _flow,
    _indicators,
    _list,
    _panel,
    _plan,
    _refer,
    _report,
    _schema,
    _sharing,
    _validate,
)
from medalliance.cli._common import Command, print_error
from medalliance.cli._guard import EXIT_INVALID, EXIT_USAGE, guarded
from medalliance.errors import MedAllianceError

__all__ = ["main"]

# the order of ``medalliance --help``
_COMMANDS: tuple[Command, ...] = (
    _report,
    _list,
    _validate,
    _export,
    _schema,
    _refer,
    _sharing,
    _coverage,
    _indicators,
    _panel,
    _access,
    _flow,
    _plan,
)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="medalliance",
        description="Inspect, validate and convert medical-alliance (医联体) registries.",
    )
    from medalliance._version import __version__

    p.add_argument("--version", action="version", version=f"medalliance {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for command in _COMMANDS:
        command.add_parser(sub)
    return p


def main(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the command line; return the exit status.

    The status is 0 for success, 1 for invalid input or output that cannot be written, 2
    for a usage error, 130 when interrupted (Ctrl-C) and 141 when the reader of standard
    output went away (``| head``). Nothing ends in a traceback.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default: ``sys.argv[1:]``).
    out, err : text streams, optional
        Where the output and the messages go (default: standard output and error). Help and
        usage messages go there too.

    Examples
    --------
    >>> import io
    >>> buf = io.StringIO()
    >>> main(["validate", "missing.yaml"], out=buf, err=buf)
    1
    >>> print(buf.getvalue().strip())
    error: 1 problem in missing.yaml:
      - <root>: file not found
    """
    return guarded(
        lambda o, e: _dispatch(argv, o, e),
        out=out if out is not None else sys.stdout,
        err=err if err is not None else sys.stderr,
    )


def _dispatch(argv: Sequence[str] | None, out: TextIO, err: TextIO) -> int:
    """Parse ``argv`` and run its command, writing to ``out`` and ``err``."""
    parser = _parser()
    args = _parse(parser, argv, out, err)
    if isinstance(args, int):
        return args
    if args.command is None:
        args = _parse(parser, ["report", *([] if argv is None else argv)], out, err)
        if isinstance(args, int):  # pragma: no cover - a bare command line parses
            return args
    try:
        with quiet() if getattr(args, "quiet", False) else nullcontext():
            status: int = args.func(args, out)
    except MedAllianceError as exc:
        # `validate --quiet` prints nothing, not even problems; elsewhere --quiet only hides bars
        if not (args.command == "validate" and getattr(args, "quiet", False)):
            print_error(exc, as_json=getattr(args, "json", False), out=out, err=err)
        return EXIT_INVALID
    return status


def _parse(
    parser: argparse.ArgumentParser, argv: Sequence[str] | None, out: TextIO, err: TextIO
) -> argparse.Namespace | int:
    """The parsed arguments, or the status argparse exits with (help, version, usage)."""
    try:
        with redirect_stdout(out), redirect_stderr(err):
            return parser.parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""Mutual recognition of test results (检查检验结果互认)."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np

from medalliance.compiled import CooperationChannels, compiled
from medalliance.errors import MedAllianceError, Problem, UnknownIdError
from medalliance.model._require import require_registry
from medalliance.model.agreement import CooperationItem
from medalliance.model.dates import registry_on
from medalliance.model.registry import Registry
from medalliance.model.types import FrozenModel, Id, Tabular
from medalliance.model.vocab import LabelledEnum, ServiceKind
from medalliance.sharing._common import IntArray, _base, _listing, _parse_service, _plural
from medalliance.sharing._routes import AccessSource, service_routes


class TestKind(LabelledEnum):
    """A kind of test whose results members may recognise (检查检验结果互认).

    Examples
    --------
    >>> TestKind.parse("病理诊断")
    <TestKind.PATHOLOGY: 'pathology'>
    """

    __test__ = False  # not a pytest test class

    IMAGING = "imaging"
    LAB = "lab"
    ECG = "ecg"
    PATHOLOGY = "pathology"

    @property
    def services(self) -> tuple[ServiceKind, ...]:
        """The service kinds whose results are tests of this kind.

        Examples
        --------
        >>> [s.value for s in TestKind.parse("检验").services]
        ['lab', 'pcr']
        """
        return _TEST_SERVICES[self]

    @classmethod
    def of_service(cls, service: ServiceKind | str) -> TestKind | None:
        """The test kind a service's results belong to (``None`` for other services).

        Examples
        --------
        >>> TestKind.of_service("彩超")
        <TestKind.IMAGING: 'imaging'>
        >>> TestKind.of_service("inpatient") is None
        True
        """
        s = _parse_service(service)
        for kind, services in _TEST_SERVICES.items():
            if s in services:
                return kind
        return None

    @classmethod
    def _labels(cls) -> dict[Any, tuple[str, ...]]:
        return {
            cls.IMAGING: ("影像", "医学影像", "影像检查", "检查", "imaging results"),
            cls.LAB: ("检验", "医学检验", "化验", "laboratory", "lab tests"),
            cls.ECG: ("心电", "心电图", "electrocardiography", "ekg"),
            cls.PATHOLOGY: ("病理", "病理诊断", "pathology results"),
        }


_TEST_SERVICES: dict[TestKind, tuple[ServiceKind, ...]] = {
    TestKind.IMAGING: (
        ServiceKind.CT,
        ServiceKind.MRI,
        ServiceKind.DR,
        ServiceKind.ULTRASOUND,
        ServiceKind.COLOUR_DOPPLER,
        ServiceKind.TELE_IMAGING,
    ),
    TestKind.LAB: (ServiceKind.LAB, ServiceKind.PCR),
    TestKind.ECG: (ServiceKind.ECG,),
    TestKind.PATHOLOGY: (ServiceKind.PATHOLOGY,),
}


def _recognition_channels(registry: Registry) -> CooperationChannels:
    """Mutual recognition: the ``result_recognition`` channels of the compiled core.

    An alliance-wide provision or an agreement in force with the item (every specialty: the
    item is not limited to a specialty's cases).
    """
    return compiled(registry).channels(CooperationItem.RESULT_RECOGNITION, all_specialties=True)


def _parse_test_kind(value: object) -> TestKind:
    try:
        return TestKind.parse(value)
    except MedAllianceError as exc:
        raise exc.with_prefix(("test_kind",)) from None


def _mutual(registry: Registry, a: str, b: str) -> bool:
    """Whether some recognition channel contains both ``a`` and ``b``."""
    ch = _recognition_channels(registry)
    pa, pb = ch.position[a], ch.position[b]
    for c in range(len(ch.channels)):
        members = ch.members(c)
        k = np.searchsorted(members, [pa, pb])
        if (
            k[0] < len(members)
            and members[k[0]] == pa
            and k[1] < len(members)
            and members[k[1]] == pb
        ):
            return True
    return False


def recognises(registry: Registry, institution: str, other: str, test_kind: TestKind | str) -> bool:
    """Whether ``institution`` recognises (accepts) ``other``'s results of ``test_kind``.

    True when both are the same institution; when a ``result_recognition`` channel holds both
    (an alliance with that provision, or an agreement in force with that item: mutual, so
    ``other`` recognises ``institution`` too); or when ``institution`` uses a shared centre
    hosted by ``other`` for a service of ``test_kind`` (one-way: ``other`` need not recognise
    ``institution``).

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    institution : str
        The institution accepting the results.
    other : str
        The institution whose results are accepted.
    test_kind : TestKind or str
        Imaging, lab, ECG or pathology (any accepted label).

    Returns
    -------
    bool
        Whether ``institution`` recognises ``other``'s results.

    Raises
    ------
    MedAllianceError
        For an unknown institution or test kind.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("gangkou")
    >>> recognises(reg, "qisha_thc", "gangkou_peoples", "影像")
    True
    >>> recognises(reg, "gangkou_peoples", "qisha_thc", "imaging")
    False
    >>> recognises(reg, "qisha_thc", "gongche_thc", "lab")
    False
    """
    require_registry(registry)
    kind = _parse_test_kind(test_kind)
    registry.institution(institution)
    registry.institution(other)
    if institution == other or _mutual(registry, institution, other):
        return True
    wanted = set(kind.services)
    return any(
        r.host == other
        and r.service in wanted
        and r.source in (AccessSource.ALLIANCE, AccessSource.AGREEMENT)
        for r in service_routes(registry, institution)
    )


class RecognitionGroup(NamedTuple):
    """Institutions linked by mutual recognition of results (one connected component).

    Examples
    --------
    >>> from medalliance import examples
    >>> recognition_groups(examples.load("benxi_central"), "ecg").groups[0]
    RecognitionGroup(2 members: benxi_central, huanren_peoples; complete; 2 sources)
    """

    members: tuple[str, ...]
    """Institution ids (registry order)."""
    sources: tuple[str, ...]
    """Where the recognition comes from: ``alliance:<id>`` and ``agreement:<id>``."""
    complete: bool
    """Whether every two members recognise each other directly."""

    def __repr__(self) -> str:
        return (
            f"RecognitionGroup({_plural(len(self.members), 'member')}: "
            f"{_listing(self.members)}; {'complete' if self.complete else 'not complete'}; "
            f"{_plural(len(self.sources), 'source')})"
        )


@dataclass(frozen=True, eq=False, repr=False)
class RecognitionGroups(Tabular):
    """A partition of the institutions by mutual recognition of one test kind.

    Build it with :func:`recognition_groups`. Group numbers follow the position of each
    group's first institution; institutions that recognise no one form groups of one.

    Attributes
    ----------
    test_kind : TestKind
        The test kind.
    institutions : tuple of str
        Institution ids (registry order).
    labels : numpy.ndarray
        Group number of every institution (``int64``).
    sources : tuple of str
        Every recognition source (``alliance:<id>``, ``agreement:<id>``).
    source_members : tuple of tuple of int
        Positions of the members of each source.

    Examples
    --------
    >>> from medalliance import examples
    >>> groups = recognition_groups(examples.load("benxi_central"), "lab")
    >>> len(groups), groups.labels.tolist()
    (1, [0, 0])
    >>> groups
    RecognitionGroups(lab: 2 institutions in 1 group, largest 2, 2 sources)
    """

    test_kind: TestKind
    institutions: tuple[str, ...]
    labels: IntArray
    sources: tuple[str, ...]
    source_members: tuple[tuple[int, ...], ...]

    def __len__(self) -> int:
        return int(self.labels.max()) + 1 if len(self.labels) else 0

    def __repr__(self) -> str:
        largest = int(np.bincount(self.labels).max()) if len(self.labels) else 0
        return (
            f"RecognitionGroups({self.test_kind.value}: "
            f"{_plural(len(self.institutions), 'institution')} in {_plural(len(self), 'group')}, "
            f"largest {largest:,}, {_plural(len(self.sources), 'source')})"
        )

    @cached_property
    def _position(self) -> dict[str, int]:
        return {iid: i for i, iid in enumerate(self.institutions)}

    @cached_property
    def groups(self) -> tuple[RecognitionGroup, ...]:
        """Every group, in group-number order.

        Examples
        --------
        >>> from medalliance import examples
        >>> groups = recognition_groups(examples.load("shanghai_luwan"), "lab").groups
        >>> len(groups), groups[0].members, groups[0].complete
        (7, ('dapuqiao_chc',), True)
        """
        members: list[list[int]] = [[] for _ in range(len(self))]
        for i, label in enumerate(self.labels.tolist()):
            members[label].append(i)
        sources: list[list[int]] = [[] for _ in range(len(self))]
        for k, m in enumerate(self.source_members):
            if m:
                sources[int(self.labels[m[0]])].append(k)
        return tuple(
            RecognitionGroup(
                tuple(self.institutions[i] for i in mem),
                tuple(self.sources[k] for k in src),
                self._complete(mem, src),
            )
            for mem, src in zip(members, sources, strict=True)
        )

    def _complete(self, members: list[int], sources: list[int]) -> bool:
        """Whether every two members share a source (no n x n matrix: one union per member)."""
        n = len(members)
        if n <= 1 or any(len(self.source_members[k]) == n for k in sources):
            return True
        of_member: dict[int, list[int]] = {}
        for k in sources:
            for p in self.source_members[k]:
                of_member.setdefault(p, []).append(k)
        for p in members:  # stops at the first member that misses someone
            reach = set().union(*(self.source_members[k] for k in of_member[p]))
            if len(reach) < n:
                return False
        return True

    def group_of(self, institution: str) -> RecognitionGroup:
        """The group ``institution`` belongs to.

        Examples
        --------
        >>> from medalliance import examples
        >>> groups = recognition_groups(examples.load("dingzhou"), "pathology")
        >>> groups.group_of("qingfeng_chc").members
        ('qingfeng_chc',)
        """
        pos = self._position.get(institution)
        if pos is None:
            raise UnknownIdError([Problem((), f"unknown institution {institution!r}")])
        return self.groups[int(self.labels[pos])]

    def rows(self) -> list[dict[str, Any]]:
        """One row per institution: its group number and the group's size.

        Examples
        --------
        >>> from medalliance import examples
        >>> recognition_groups(examples.load("benxi_central"), "lab").rows()[1]
        {'institution': 'huanren_peoples', 'group': 0, 'group_size': 2}
        """
        sizes = np.bincount(self.labels, minlength=len(self))
        return [
            {"institution": iid, "group": int(g), "group_size": int(sizes[g])}
            for iid, g in zip(self.institutions, self.labels.tolist(), strict=True)
        ]


def recognition_groups(
    registry: Registry, test_kind: TestKind | str, *, as_of: _dt.date | str | None = None
) -> RecognitionGroups:
    """Partition the institutions into groups that recognise each other's results.

    Two institutions are linked when an alliance-wide ``result_recognition`` provision or an
    agreement in force with that item covers both (mutual recognition; the item applies to
    every test kind). Groups are the connected components of these links, so they partition
    the institutions. One-way recognition of a shared centre's results (see
    :func:`recognises`) does not join groups.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    test_kind : TestKind or str
        Imaging, lab, ECG or pathology (any accepted label).
    as_of : datetime.date or str, optional
        Analyse the registry as it stood on this day (``registry.as_of(as_of)``, see
        :mod:`medalliance.model.dates`); by default the registry as stored.

    Returns
    -------
    RecognitionGroups
        Group labels per institution, and the groups with their sources.

    Raises
    ------
    MedAllianceError
        For an unknown test kind.

    Examples
    --------
    >>> from medalliance import examples
    >>> groups = recognition_groups(examples.load("benxi_central"), "影像")
    >>> len(groups), groups.groups[0].members, groups.groups[0].complete
    (1, ('benxi_central', 'huanren_peoples'), True)
    >>> groups.groups[0].sources
    ('alliance:benxi_central_alliance', 'agreement:benxi_lead_hospital_agreements')
    """
    registry = registry_on(registry, as_of)
    require_registry(registry)
    kind = _parse_test_kind(test_kind)
    base = _base(registry)
    pos = base.pos
    n = len(pos)
    ch = _recognition_channels(registry)
    members = tuple(tuple(ch.members(c).tolist()) for c in range(len(ch.channels)))
    rows = np.fromiter((n + k for k, m in enumerate(members) for _ in m), dtype=np.int64)
    cols = np.fromiter((p for m in members for p in m), dtype=np.int64, count=len(rows))
    if len(rows):
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        size = n + len(members)
        graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(size, size))
        _, comp = connected_components(graph, directed=False)
        comp = np.asarray(comp[:n], dtype=np.int64)
    else:
        comp = np.arange(n, dtype=np.int64)
    # renumber by first appearance
    _, first, inverse = np.unique(comp, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first), dtype=np.int64)
    labels = rank[inverse.reshape(-1)] if n else np.zeros(0, dtype=np.int64)
    labels.setflags(write=False)
    return RecognitionGroups(
        test_kind=kind,
        institutions=base.ids,
        labels=labels,
        sources=ch.channels,
        source_members=members,
    )


class RecognitionClaim(FrozenModel):
    """A statement that one institution accepts another's results (e.g. from activity records).

    :func:`~medalliance.sharing.check_sharing` compares claims with what the registry provides.

    Examples
    --------
    >>> RecognitionClaim(by="qisha_thc", of="gangkou_peoples", test_kind="影像").test_kind
    <TestKind.IMAGING: 'imaging'>
    """

    by: Id
    """The institution accepting the results."""
    of: Id
    """The institution whose results are accepted."""
    test_kind: TestKind
    """The kind of test."""

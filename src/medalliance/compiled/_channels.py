"""The one compiler of cooperation channels, for any cooperation item (internal).

Where the registry says that a cooperation item (two-way referral, result recognition, shared
services, ...) holds between institutions, that statement is a **channel**:

- an alliance whose ``provisions`` include the item is **one channel** of all its members
  (it grants the alliance's provisions). *All* means every membership, whatever its role:
  ``lead``, ``vice_chair``, ``council_member``, ``hub``, ``member``, ``base`` and
  ``collaborator`` alike. A role records standing (governance of a specialty alliance, the
  layers of a county community, a collaborating unit 协作单位 without full membership), not
  which of the alliance's provisions bind a member: a unit listed in ``memberships`` takes
  part in them. Where collaborators share only some items, record those items as agreements
  among the parties concerned rather than as alliance-wide provisions;
- an agreement **in force** (:func:`agreement_in_force`) whose ``items`` include it is one
  channel of its parties (it grants its own items plus its alliance's provisions);
- a channel of a **specialty alliance** is scoped to that alliance's specialty
  (:func:`channel_scope`): it carries only cases of that specialty.

Channels are kept as a channel × institution incidence matrix in CSR form, never expanded
into institution pairs, so a county community of 300 members costs 300 entries, not 90,000.
Referral, shared-service access, result recognition, reachability and the graph view all use
these rules; none writes them again.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from medalliance.compiled._csr import gather
from medalliance.model.agreement import Agreement, CooperationItem
from medalliance.model.alliance import Alliance, AllianceForm
from medalliance.model.dates import agreement_in_force as _agreement_in_force
from medalliance.model.registry import Registry
from medalliance.model.vocab import Specialty

__all__ = ["CooperationChannels", "agreement_in_force", "channel_scope", "compile_channels"]


def agreement_in_force(agreement: Agreement) -> bool:
    """Whether ``agreement`` is in force: the one rule every analysis uses.

    An agreement counts only with status ``in_force``; a proposed or ended agreement opens no
    channel and grants nothing. Its dates are not read here: a registry is analysed as stored,
    and the state on a day is ``registry.as_of(day)`` (which leaves out agreements whose
    dates exclude the day). The rule itself is :func:`medalliance.model.dates.agreement_in_force`.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("county_township")
    >>> agreement_in_force(reg.agreements[0])
    True
    """
    return _agreement_in_force(agreement)


def channel_scope(alliance: Alliance) -> Specialty | None:
    """The specialty the channels of ``alliance`` are limited to (specialty alliances only).

    Examples
    --------
    >>> from medalliance import examples
    >>> channel_scope(examples.load("xuzhou_mch").alliances[0]).value
    'maternal_child_health'
    """
    return alliance.specialty if alliance.form is AllianceForm.SPECIALTY_ALLIANCE else None


@dataclass(frozen=True, eq=False)
class CooperationChannels:
    """The channels of one cooperation item as a channel × institution incidence structure.

    Attributes
    ----------
    item : CooperationItem
        The cooperation item the channels carry.
    institutions : tuple of str
        Institution ids in the registry's canonical order; position ``i`` is column ``i``.
    channels : tuple of str
        Channel ids: ``alliance:<id>`` for an alliance-wide provision, ``agreement:<id>``
        for an agreement.
    alliance : tuple of str
        The alliance each channel belongs to.
    specialty : tuple of (Specialty or None)
        The specialty a channel is limited to (specialty alliances), else ``None``.
    items : tuple of frozenset of CooperationItem
        What each channel grants (agreement items plus alliance provisions).
    indptr, indices : numpy.ndarray
        CSR rows: the members of channel ``c`` are
        ``indices[indptr[c]:indptr[c + 1]]`` (institution positions, sorted).
    """

    item: CooperationItem
    institutions: tuple[str, ...]
    channels: tuple[str, ...]
    alliance: tuple[str, ...]
    specialty: tuple[Specialty | None, ...]
    items: tuple[frozenset[CooperationItem], ...]
    indptr: np.ndarray[Any, np.dtype[np.int64]]
    indices: np.ndarray[Any, np.dtype[np.int32]]

    @property
    def position(self) -> dict[str, int]:
        """Institution id to column position.

        Examples
        --------
        >>> from medalliance import examples
        >>> from medalliance.compiled import referral_channels
        >>> referral_channels(examples.load("county_township")).position
        {'county_hospital': 0, 'township_centre': 1}
        """
        return {iid: i for i, iid in enumerate(self.institutions)}

    def members(self, channel: int) -> np.ndarray[Any, np.dtype[np.int32]]:
        """Institution positions in channel number ``channel``.

        Examples
        --------
        >>> from medalliance import examples
        >>> from medalliance.compiled import referral_channels
        >>> ch = referral_channels(examples.load("county_township"))
        >>> [ch.institutions[p] for p in ch.members(0).tolist()]
        ['county_hospital', 'township_centre']
        """
        return self.indices[self.indptr[channel] : self.indptr[channel + 1]]

    def channels_of(self, institution: str) -> Iterator[int]:
        """Numbers of the channels that contain ``institution``.

        A linear scan over the channels; for lookups in bulk use :meth:`incidence`.

        Examples
        --------
        >>> from medalliance import examples
        >>> from medalliance.compiled import referral_channels
        >>> ch = referral_channels(examples.load("county_township"))
        >>> list(ch.channels_of("county_hospital"))
        [0, 1]
        """
        pos = self.position[institution]
        for c in range(len(self.channels)):
            m = self.members(c)
            k = int(np.searchsorted(m, pos))
            if k < len(m) and m[k] == pos:
                yield c

    def partners(self, institution: str) -> frozenset[str]:
        """Ids of the institutions that share a channel with ``institution``.

        Examples
        --------
        >>> from medalliance import examples
        >>> from medalliance.compiled import referral_channels
        >>> ch = referral_channels(examples.load("shanghai_luwan"))
        >>> "ruijin" in ch.partners("wuliqiao_chc")
        True
        """
        pos = self.position[institution]
        found: set[int] = set()
        for c in self.channels_of(institution):
            found.update(self.members(c).tolist())
        found.discard(pos)
        return frozenset(self.institutions[i] for i in found)

    def incidence(self) -> Any:
        """The channel × institution incidence as a ``scipy.sparse.csr_matrix`` of int8 ones.

        Examples
        --------
        >>> from medalliance import examples
        >>> from medalliance.compiled import referral_channels
        >>> referral_channels(examples.load("county_township")).incidence().shape
        (2, 2)
        """
        from scipy import sparse

        data = np.ones(len(self.indices), dtype=np.int8)
        shape = (len(self.channels), len(self.institutions))
        return sparse.csr_matrix((data, self.indices, self.indptr), shape=shape)

    def select(self, keep: list[int]) -> CooperationChannels:
        """The channels numbered ``keep`` (in that order), as a new structure.

        Examples
        --------
        >>> from medalliance import examples
        >>> from medalliance.compiled import referral_channels
        >>> referral_channels(examples.load("county_township")).select([1]).channels
        ('agreement:county_township_agreement',)
        """
        rows = np.asarray(keep, dtype=np.int64)
        sizes = np.diff(self.indptr)[rows] if len(rows) else np.zeros(0, dtype=np.int64)
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(sizes, out=indptr[1:])
        indices = gather(self.indptr, self.indices.astype(np.int64), rows).astype(np.int32)
        return CooperationChannels(
            item=self.item,
            institutions=self.institutions,
            channels=tuple(self.channels[c] for c in keep),
            alliance=tuple(self.alliance[c] for c in keep),
            specialty=tuple(self.specialty[c] for c in keep),
            items=tuple(self.items[c] for c in keep),
            indptr=indptr,
            indices=indices,
        )


def compile_channels(
    registry: Registry, item: CooperationItem, position: Mapping[str, int]
) -> CooperationChannels:
    """Every channel of ``item`` in ``registry`` (all specialties, all alliances).

    Channels come in a fixed order: alliance-wide provisions (by alliance id), then
    agreements in force (by agreement id).

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("county_township")
    >>> pos = {inst.id: k for k, inst in enumerate(reg.institutions)}
    >>> compile_channels(reg, CooperationItem.TWO_WAY_REFERRAL, pos).channels
    ('alliance:county_township_community', 'agreement:county_township_agreement')
    """
    ids: list[str] = []
    alliance_of: list[str] = []
    scopes: list[Specialty | None] = []
    grants: list[frozenset[CooperationItem]] = []
    rows: list[list[int]] = []
    for a in registry.alliances:
        if item in a.provisions:
            ids.append(f"alliance:{a.id}")
            alliance_of.append(a.id)
            scopes.append(channel_scope(a))
            grants.append(frozenset(a.provisions))
            rows.append(sorted(position[m] for m in a.members))
    for g in registry.agreements:
        if item not in g.items or not agreement_in_force(g):
            continue
        a = registry.alliance(g.alliance)
        ids.append(f"agreement:{g.id}")
        alliance_of.append(a.id)
        scopes.append(channel_scope(a))
        grants.append(frozenset(g.items) | frozenset(a.provisions))
        rows.append(sorted(position[p] for p in g.parties))
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(r) for r in rows], out=indptr[1:])
    indices = np.asarray([i for r in rows for i in r], dtype=np.int32)
    return CooperationChannels(
        item=item,
        institutions=tuple(position),
        channels=tuple(ids),
        alliance=tuple(alliance_of),
        specialty=tuple(scopes),
        items=tuple(grants),
        indptr=indptr,
        indices=indices,
    )

"""Referral channels (转诊通道) of a registry, compiled into arrays.

A referral channel exists only where the registry says so:

- an alliance whose ``provisions`` include ``two_way_referral`` is **one channel** linking
  every pair of its members;
- an agreement **in force** with the ``two_way_referral`` item is one channel linking its
  parties (and carries its own items plus its alliance's provisions);
- a channel of a **specialty alliance** carries only cases of that alliance's specialty.

Channels are kept as a channel × institution incidence matrix (CSR), not expanded into
institution pairs, so a county community of 300 members costs 300 entries, not 90,000. Two
institutions are linked when some channel contains both; one *hop* is a move between two
institutions of one channel.

Examples
--------
>>> from medalliance import examples
>>> reg = examples.load("county_township")
>>> ch = referral_channels(reg)
>>> ch.channels
('alliance:county_township_community', 'agreement:county_township_agreement')
>>> sorted(ch.partners("township_centre"))
['county_hospital']
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from medalliance.agreement import AgreementStatus, CooperationItem
from medalliance.alliance import AllianceForm
from medalliance.registry import Registry
from medalliance.vocab import Specialty

__all__ = ["ReferralChannels", "referral_channels"]


@dataclass(frozen=True, eq=False)
class ReferralChannels:
    """The referral channels of a registry as a channel × institution incidence structure.

    Attributes
    ----------
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
        >>> referral_channels(examples.load("county_township")).position
        {'county_hospital': 0, 'township_centre': 1}
        """
        return {iid: i for i, iid in enumerate(self.institutions)}

    def members(self, channel: int) -> np.ndarray[Any, np.dtype[np.int32]]:
        """Institution positions in channel number ``channel``.

        Examples
        --------
        >>> from medalliance import examples
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
        >>> referral_channels(examples.load("county_township")).incidence().shape
        (2, 2)
        """
        from scipy import sparse

        data = np.ones(len(self.indices), dtype=np.int8)
        shape = (len(self.channels), len(self.institutions))
        return sparse.csr_matrix((data, self.indices, self.indptr), shape=shape)


def referral_channels(
    registry: Registry, *, specialty: Specialty | str | None = None, all_specialties: bool = False
) -> ReferralChannels:
    """Compile the referral channels open to a case needing ``specialty``.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    specialty : Specialty or str, optional
        Specialty of the case (any accepted label). Channels of specialty alliances are kept
        only when their specialty equals it; with ``None`` they are left out.
    all_specialties : bool, default False
        Keep every channel whatever its specialty (for structural views of the network).

    Returns
    -------
    ReferralChannels
        Channels in a fixed order: alliance-wide channels (by alliance id), then agreements
        (by agreement id).

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("xuzhou_mch")
    >>> n_any = len(referral_channels(reg).channels)
    >>> n_mch = len(referral_channels(reg, specialty="妇幼").channels)
    >>> n_any, n_mch > 0
    (0, True)
    """
    wanted = Specialty.parse(specialty) if specialty is not None else None
    position = {inst.id: i for i, inst in enumerate(registry.institutions)}
    ids: list[str] = []
    alliance_of: list[str] = []
    scopes: list[Specialty | None] = []
    grants: list[frozenset[CooperationItem]] = []
    rows: list[list[int]] = []

    def keep(scope: Specialty | None) -> bool:
        return all_specialties or scope is None or scope == wanted

    scope_of: dict[str, Specialty | None] = {}
    for a in registry.alliances:
        scope = a.specialty if a.form is AllianceForm.SPECIALTY_ALLIANCE else None
        scope_of[a.id] = scope
        if CooperationItem.TWO_WAY_REFERRAL in a.provisions and keep(scope):
            ids.append(f"alliance:{a.id}")
            alliance_of.append(a.id)
            scopes.append(scope)
            grants.append(frozenset(a.provisions))
            rows.append(sorted(position[m] for m in a.members))
    for g in registry.agreements:
        if CooperationItem.TWO_WAY_REFERRAL not in g.items:
            continue
        if g.status is not AgreementStatus.IN_FORCE or not keep(scope_of[g.alliance]):
            continue
        ids.append(f"agreement:{g.id}")
        alliance_of.append(g.alliance)
        scopes.append(scope_of[g.alliance])
        grants.append(frozenset(g.items) | frozenset(registry.alliance(g.alliance).provisions))
        rows.append(sorted(position[p] for p in g.parties))
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(r) for r in rows], out=indptr[1:])
    flat = [i for r in rows for i in r]
    indices = np.asarray(flat, dtype=np.int32)
    return ReferralChannels(
        institutions=tuple(position),
        channels=tuple(ids),
        alliance=tuple(alliance_of),
        specialty=tuple(scopes),
        items=tuple(grants),
        indptr=indptr,
        indices=indices,
    )

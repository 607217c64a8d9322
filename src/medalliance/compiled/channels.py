"""Cooperation channels of a registry, from the compiled core (public functions).

The rules are written once in :mod:`medalliance.compiled._channels`: an alliance whose
``provisions`` include an item is one channel of all its members; an agreement **in force**
with the item is one channel of its parties; a specialty alliance's channels carry only cases
of its specialty. :func:`referral_channels` is that for ``two_way_referral``.

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

from medalliance.compiled._cache import compiled
from medalliance.compiled._channels import CooperationChannels
from medalliance.model._require import require_registry
from medalliance.model.agreement import CooperationItem
from medalliance.model.registry import Registry
from medalliance.model.vocab import Specialty

__all__ = ["CooperationChannels", "cooperation_channels", "referral_channels"]


def cooperation_channels(
    registry: Registry,
    item: CooperationItem | str,
    *,
    specialty: Specialty | str | None = None,
    all_specialties: bool = False,
    alliance: str | None = None,
) -> CooperationChannels:
    """Compile the channels of cooperation ``item`` open to a case needing ``specialty``.

    Parameters
    ----------
    registry : Registry
        The registry; not modified.
    item : CooperationItem or str
        The cooperation item (any accepted label, e.g. ``双向转诊``, ``检查检验结果互认``).
    specialty : Specialty or str, optional
        Specialty of the case (any accepted label). Channels of specialty alliances are kept
        only when their specialty equals it; with ``None`` they are left out.
    all_specialties : bool, default False
        Keep every channel whatever its specialty (for structural views of the network).
    alliance : str, optional
        Keep only this alliance's channels.

    Returns
    -------
    CooperationChannels
        Channels in a fixed order: alliance-wide channels (by alliance id), then agreements
        (by agreement id). Cached with the registry: asking again costs nothing.

    Raises
    ------
    MedAllianceError
        For an unknown item, specialty or alliance.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("benxi_central")
    >>> cooperation_channels(reg, "检查检验结果互认").channels
    ('alliance:benxi_central_alliance', 'agreement:benxi_lead_hospital_agreements')
    """
    require_registry(registry)
    wanted = Specialty.parse(specialty) if specialty is not None else None
    if alliance is not None:
        registry.alliance(alliance)
    return compiled(registry).channels(
        CooperationItem.parse(item),
        specialty=wanted,
        all_specialties=all_specialties,
        alliance=alliance,
    )


def referral_channels(
    registry: Registry, *, specialty: Specialty | str | None = None, all_specialties: bool = False
) -> CooperationChannels:
    """The referral channels (``two_way_referral``) open to a case needing ``specialty``.

    The same as :func:`cooperation_channels` for the item ``two_way_referral``.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("xuzhou_mch")
    >>> n_any = len(referral_channels(reg).channels)
    >>> n_mch = len(referral_channels(reg, specialty="妇幼").channels)
    >>> n_any, n_mch > 0
    (0, True)
    """
    require_registry(registry)
    return cooperation_channels(
        registry,
        CooperationItem.TWO_WAY_REFERRAL,
        specialty=specialty,
        all_specialties=all_specialties,
    )

"""The compiled core: what is derived from a frozen registry once and cached with it.

- :func:`compiled` returns the registry's :class:`CompiledRegistry` (positions, tier ranks,
  service and specialty bit masks, the capability rule :meth:`CompiledRegistry.offers`,
  cooperation channels of any item); built once per registry, freed with it, thread-safe.
- :func:`cooperation_channels` / :func:`referral_channels`: the channels themselves.
- :func:`agreement_in_force`, :func:`channel_scope`: the two rules the channels follow.

Everything here is derived from :mod:`medalliance.model` only.
"""

from __future__ import annotations

from medalliance.compiled._cache import build_count, compiled
from medalliance.compiled._channels import (
    CooperationChannels,
    agreement_in_force,
    channel_scope,
)
from medalliance.compiled._core import CompiledRegistry, Needs
from medalliance.compiled.channels import cooperation_channels, referral_channels

__all__ = [
    "CompiledRegistry",
    "CooperationChannels",
    "Needs",
    "agreement_in_force",
    "build_count",
    "channel_scope",
    "compiled",
    "cooperation_channels",
    "referral_channels",
]

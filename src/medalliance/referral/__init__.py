"""Referral eligibility (双向转诊): policy as data, one case or a batch, escalation paths.

- :mod:`medalliance.referral.policy`: criteria, directions, condition catalogue;
- :func:`evaluate` / :func:`evaluate_many`: where a case may be referred, ranked;
- :func:`referral_paths`: strictly upward escalation paths;
- :func:`referral_channels`: the channels themselves (from the compiled core);
- :data:`RANK_FIELDS`: the fields destinations are ranked by (:mod:`medalliance.referral._rank`);
  the order they are compared in, per urgency, is the policy's :class:`Ranking`.

Layout: ``_model`` (cases and results), ``_rules`` (the rules of a case, documented),
``_rank`` (ranking fields), ``_index`` (one case on arrays), ``_batch`` (many cases), ``_paths``,
``_cases`` (case columns), ``_api`` (these functions).
"""

from __future__ import annotations

from medalliance.compiled import CooperationChannels, referral_channels
from medalliance.referral._api import evaluate, evaluate_many, referral_paths
from medalliance.referral._batch import ReferralBatch
from medalliance.referral._cases import ReferralCases
from medalliance.referral._model import (
    FLAG_ITEMS,
    REASON_CODES,
    Destination,
    Reason,
    ReferralCase,
    ReferralDecision,
    ReferralPath,
    Urgency,
)
from medalliance.referral._rank import RANK_FIELDS
from medalliance.referral.policy import (
    CatalogueEntry,
    ConditionCatalogue,
    Criterion,
    Direction,
    Ranking,
    ReferralPolicy,
    default_policy,
    example_catalogue,
    policy_from_data,
)

__all__ = [
    "FLAG_ITEMS",
    "RANK_FIELDS",
    "REASON_CODES",
    "CatalogueEntry",
    "ConditionCatalogue",
    "CooperationChannels",
    "Criterion",
    "Destination",
    "Direction",
    "Ranking",
    "Reason",
    "ReferralBatch",
    "ReferralCase",
    "ReferralCases",
    "ReferralDecision",
    "ReferralPath",
    "ReferralPolicy",
    "Urgency",
    "default_policy",
    "evaluate",
    "evaluate_many",
    "example_catalogue",
    "policy_from_data",
    "referral_channels",
    "referral_paths",
]

"""Resource sharing (资源共享): who can use what, how capacity is shared, what sharing achieved.

Alliances exist to share what grassroots institutions lack: imaging, laboratory, ECG,
pathology and sterilisation-supply centres (资源共享中心), teleconsultation (远程会诊), experts
holding clinics at member sites (专家坐诊), and mutual recognition of test results
(检查检验结果互认). The functions here answer those questions from a
:class:`~medalliance.model.registry.Registry`; none changes its arguments.

**Where an institution gets a service** (:func:`service_access`, :func:`service_routes`). A
*route* to a service is one of, best first:

- ``own``: the institution offers the service itself (its ``services``);
- ``hosted``: it hosts a shared centre that provides the service;
- ``alliance``: a shared centre of an alliance it belongs to serves it (the centre serves
  ``"all"`` members or lists it in ``serves``);
- ``agreement``: an agreement **in force** with the ``shared_services`` item (资源共享) makes
  it a party together with the host of a centre that provides the service. Such an agreement
  opens every centre the other parties host, in whatever alliance, so it is also how a centre
  legitimately serves an institution outside its own alliance;
- otherwise ``none``: the institution has no access.

Among routes of the same kind the first centre wins, in the registry's centre order
(alliances by id, then each alliance's ``shared_centres`` in order), then the first agreement
by id.

**Inferred centres** (:func:`inferred_centres`). A source may describe centres without saying
who hosts them (定州: the centres are listed once for two alliances); the dataset then marks
the hosting as inferred (``inferred: [host]`` in the centre's provenance, or
``shared_centres`` in the alliance's). Every result that names a centre or its host carries
this as ``inferred`` (:class:`ServiceRoute`, the rows of :class:`ServiceAccess` and
:class:`SharingSummary`, :class:`CentreUtilisation`), and findings about such a centre say so:
an inferred centre is never presented as a reported one.

**Mutual recognition of results** (:func:`recognises`, :func:`recognition_groups`). A
``result_recognition`` item names no test kind, so it applies to every :class:`TestKind`
(imaging, laboratory, ECG, pathology). Recognition is *mutual* between every two members of
an alliance whose ``provisions`` include the item, and between every two parties of an
agreement in force that grants it. It is *one-way* when an institution uses a shared centre
for a service of that test kind (a route of kind ``alliance`` or ``agreement``): the member
accepts the results the centre's host produces for it, which does not make the host accept
the member's own results. An institution always recognises its own results.
:func:`recognition_groups` partitions the institutions into the connected components of
mutual recognition; two institutions of a group recognise each other directly when
:func:`recognises` says so, and every pair does when the group is ``complete``.

**Capacity** (:func:`allocate_capacity`) splits a centre's daily capacity among members'
demands: in proportion to demand, max-min fairly (water-filling), or by priority.

**Expert clinics** (:func:`expert_clinic_coverage`) count sessions per week by site and
department and list the members no programme reaches.

**What sharing achieved** (:func:`sharing_summary`) turns activity volumes
(:class:`ServiceVolumes`, e.g. from the declared figures with :func:`volumes_from_declared`)
into the utilisation of each centre and, given shared prices or discounts, the patients'
savings.

Examples
--------
>>> from medalliance import examples
>>> reg = examples.load("gangkou")
>>> access = service_access(reg)
>>> access.source_of("qisha_thc", "ct").value
'alliance'
>>> access.route("qisha_thc", "ct").centre
'gangkou_imaging'
>>> s = sharing_summary(reg, volumes_from_declared(reg))
>>> [(c.centre, c.volume) for c in s.centres]  # doctest: +NORMALIZE_WHITESPACE
[('gangkou_imaging', 342), ('gangkou_lab', 137), ('gangkou_sterilisation', 964),
 ('gangkou_pcr', 11745)]
"""

from __future__ import annotations

from medalliance.sharing._access import ServiceAccess, ServiceShare, service_access
from medalliance.sharing._allocation import Allocation, allocate_capacity
from medalliance.sharing._allocation import (
    AllocationMethod as AllocationMethod,  # the type of the method option (not in __all__)
)
from medalliance.sharing._checks import check_sharing
from medalliance.sharing._clinics import ClinicSessions, ExpertCoverage, expert_clinic_coverage
from medalliance.sharing._common import SERVICES
from medalliance.sharing._recognition import (
    RecognitionClaim,
    RecognitionGroup,
    RecognitionGroups,
    TestKind,
    recognises,
    recognition_groups,
)
from medalliance.sharing._routes import (
    AccessSource,
    ServiceRoute,
    inferred_centres,
    service_routes,
)
from medalliance.sharing._volumes import (
    CentreUtilisation,
    ServiceSaving,
    ServiceVolumes,
    SharedPrice,
    SharingSummary,
    VolumeEntry,
    sharing_summary,
    volumes_from_declared,
)

__all__ = [
    "SERVICES",
    "AccessSource",
    "Allocation",
    "CentreUtilisation",
    "ClinicSessions",
    "ExpertCoverage",
    "RecognitionClaim",
    "RecognitionGroup",
    "RecognitionGroups",
    "ServiceAccess",
    "ServiceRoute",
    "ServiceSaving",
    "ServiceShare",
    "ServiceVolumes",
    "SharedPrice",
    "SharingSummary",
    "TestKind",
    "VolumeEntry",
    "allocate_capacity",
    "check_sharing",
    "expert_clinic_coverage",
    "inferred_centres",
    "recognises",
    "recognition_groups",
    "service_access",
    "service_routes",
    "sharing_summary",
    "volumes_from_declared",
]

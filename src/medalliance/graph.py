"""The graph view of a registry: a ``networkx.MultiDiGraph`` derived from it, and back.

The registry is the source of truth; the graph is a derived view, rebuilt on demand, that
``from_graph`` turns back into the identical registry (``from_graph(to_graph(r)) == r``).

The contract, checked by :func:`validate_graph`:

- **Graph attributes** (``G.graph``): ``schema_version`` (int, :data:`SCHEMA_VERSION`),
  ``created_with`` (``"medalliance X.Y.Z"``), ``title`` and ``description`` (str or None),
  ``sources`` (list of source dicts), ``divisions`` (list of division dicts, only when the
  registry has some), ``alliances`` (dict alliance id -> header: every alliance
  field except ``memberships``, with ``shared_centres``, ``expert_clinics``, ``staff_postings``,
  ``unit`` and ``part_of`` kept whole) and
  ``agreements`` (dict agreement id -> header: every agreement field except ``parties`` and
  ``items``).
- **Nodes**: one per institution, keyed by institution id, added in id order. Attributes are
  flat scalars named like the model fields: ``name``, ``name_en``, ``kind``, ``tier``,
  ``tier_rank`` (int), ``grade``, ``ownership``, ``province``, ``city``, ``county``,
  ``township``, ``division_code``, ``lat``, ``lon``, ``beds``, ``population_served``,
  ``is_grassroots`` (bool); ``specialties`` and ``services`` as space-separated codes;
  ``opened`` and ``closed`` as ISO dates; ``aliases``, ``former_names`` and ``provenance`` as
  JSON text. Absent values are ``None``.
- **Edges** are keyed by what creates them, ``"<relation>:<owner id>"``, carry ``relation``
  and ``alliance``, and are added in a deterministic order:

  - ``membership:<alliance>``: from the alliance's first lead to every member (a self-loop
    for that lead); attributes ``role``, ``order`` (position in the membership list),
    ``tightness`` (the member's own, or None for the alliance's), ``joined`` and ``left``
    (ISO dates or None), ``provenance`` (JSON text or None).
  - ``<item>:<agreement>``: one edge per agreement item (e.g. ``two_way_referral:ag1``) from
    the agreement's first party to each other party; attributes ``agreement``, ``item``,
    ``order`` (party position), ``item_order``. Agreement items are relations between all
    parties; the star from the first party is the compact form.
  - ``shared_centre:<centre>``: from the centre's host to every institution it serves (the
    members listed in ``serves``, or every member when it serves ``"all"``; the host itself is
    not linked); attributes ``centre``, ``centre_kind``.
  - ``expert_clinic:<clinic>``: from the host sending experts to the clinic site; attributes
    ``clinic``, ``department``, ``weekdays`` (space-separated codes).
  - ``posting:<posting>``: from the host posting staff to the site (a ``StaffPosting``);
    attributes ``posting``, ``people`` (int), ``title`` (or None).

Examples
--------
>>> from medalliance import examples
>>> reg = examples.load("beijing_tongren")
>>> G = to_graph(reg)
>>> G.graph["schema_version"]
1
>>> sorted({d["relation"] for _, _, d in G.edges(data=True)})[:2]
['consultation', 'expert_clinics']
>>> from_graph(G) == reg
True
"""

from __future__ import annotations

import json
from typing import Any

import networkx as nx

from medalliance._gc import paused_gc
from medalliance._parse import loads_json
from medalliance.errors import MedAllianceError, Problem, SchemaError
from medalliance.model._require import require_registry
from medalliance.model.agreement import Agreement, AgreementStatus
from medalliance.model.alliance import Alliance, MemberRole, Tightness
from medalliance.model.institution import Grade, Institution, InstitutionKind, Ownership, Tier
from medalliance.model.registry import Registry
from medalliance.model.staffing import ProfessionalTitle

__all__ = [
    "SCHEMA_VERSION",
    "from_graph",
    "node_attributes",
    "to_graph",
    "validate_graph",
]

SCHEMA_VERSION = 1
"""Version of the graph contract described in this module."""

_REGION_FIELDS = ("province", "city", "county", "township", "division_code")
_SCALAR_FIELDS = (
    "name",
    "name_en",
    "kind",
    "tier",
    "grade",
    "ownership",
    "lat",
    "lon",
    "beds",
    "population_served",
    "opened",
    "closed",
)
_NODE_ATTRS = frozenset(
    {
        *_SCALAR_FIELDS,
        *_REGION_FIELDS,
        "tier_rank",
        "is_grassroots",
        "specialties",
        "services",
        "aliases",
        "former_names",
        "provenance",
    }
)
_ALLIANCE_HEADER_EXCLUDE = {"memberships"}
_AGREEMENT_HEADER_EXCLUDE = {"parties", "items"}


def _created_with() -> str:
    from medalliance._version import __version__

    return f"medalliance {__version__}"


def _json_or_none(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=False)


_TIER_RANKS = {t: t.rank for t in Tier}
_GRASSROOTS_KINDS = frozenset(k for k in InstitutionKind if k.is_grassroots)
# plain-str values of enum members (``member.value`` is a slow descriptor lookup), None -> None
_ENUMS = (InstitutionKind, Tier, Grade, Ownership, MemberRole, Tightness, ProfessionalTitle)
_VALUE: dict[Any, Any] = {m: str(m.value) for e in _ENUMS for m in e}
_DERIVED = ("shared_centre", "expert_clinic", "posting")  # never a CooperationItem value
_VALUE[None] = None


def node_attributes(inst: Institution) -> dict[str, Any]:
    """The flat node attributes of one institution (see the contract above).

    Examples
    --------
    >>> from medalliance import examples
    >>> attrs = node_attributes(examples.load("beijing_tongren").institution("puren"))
    >>> attrs["tier"], attrs["tier_rank"], attrs["specialties"]
    ('secondary', 2, 'ophthalmology otolaryngology')
    """
    r = inst.region
    prov = inst.provenance
    return {
        "name": inst.name,
        "name_en": inst.name_en,
        "kind": _VALUE[inst.kind],
        "tier": _VALUE[inst.tier],
        "grade": _VALUE[inst.grade],
        "ownership": _VALUE[inst.ownership],
        "lat": inst.lat,
        "lon": inst.lon,
        "beds": inst.beds,
        "population_served": inst.population_served,
        "province": r.province,
        "city": r.city,
        "county": r.county,
        "township": r.township,
        "division_code": r.division_code,
        "tier_rank": _TIER_RANKS[inst.tier],
        "is_grassroots": inst.kind in _GRASSROOTS_KINDS,
        # str-valued enum members join as their values
        "specialties": " ".join(inst.specialties),
        "services": " ".join(inst.services),
        "aliases": _json_or_none(list(inst.aliases)) if inst.aliases else None,
        "opened": inst.opened.isoformat() if inst.opened else None,
        "closed": inst.closed.isoformat() if inst.closed else None,
        "former_names": _json_or_none(
            [{"name": f.name, "until": f.until.isoformat()} for f in inst.former_names]
        )
        if inst.former_names
        else None,
        "provenance": None
        if prov is None
        else _json_or_none(prov.model_dump(mode="json", exclude_defaults=True)),
    }


def _agreement_header(g: Agreement) -> dict[str, Any]:
    """Every agreement field except parties and items, as JSON data without default values."""
    header: dict[str, Any] = {"id": g.id, "alliance": g.alliance}
    if g.title is not None:
        header["title"] = g.title
    for f in ("signed", "valid_from", "valid_until"):
        d = getattr(g, f)
        if d is not None:
            header[f] = d.isoformat()
    if g.status is not AgreementStatus.IN_FORCE:
        header["status"] = g.status.value
    if g.provenance is not None:
        header["provenance"] = g.provenance.model_dump(mode="json", exclude_defaults=True)
    return header


def to_graph(registry: Registry) -> nx.MultiDiGraph:
    """Build the graph view of ``registry`` (see the module docstring for the contract).

    Parameters
    ----------
    registry : Registry
        The registry; not modified.

    Returns
    -------
    networkx.MultiDiGraph
        A new graph; changing it does not change the registry.

    Examples
    --------
    >>> from medalliance import examples
    >>> G = to_graph(examples.load("shanghai_luwan"))
    >>> G.nodes["ruijin"]["tier"], G.nodes["ruijin"]["tier_rank"]
    ('tertiary', 3)
    >>> sum(1 for *_, r in G.edges(data="relation") if r == "membership")
    7
    """
    with paused_gc():
        return _to_graph(require_registry(registry))


_Edge = tuple[str, str, str, dict[str, Any]]


def _to_graph(registry: Registry) -> nx.MultiDiGraph:
    """Build the graph (the garbage collector is paused by the caller)."""
    G = nx.MultiDiGraph()
    G.graph.update(
        schema_version=SCHEMA_VERSION,
        created_with=_created_with(),
        title=registry.title,
        description=registry.description,
        sources=[s.model_dump(mode="json", exclude_defaults=True) for s in registry.sources],
        alliances={},
        agreements={},
    )
    if registry.divisions:
        G.graph["divisions"] = [
            d.model_dump(mode="json", exclude_defaults=True) for d in registry.divisions
        ]
    nodes = [(inst.id, node_attributes(inst)) for inst in registry.institutions]
    edges: list[_Edge] = []
    for a in registry.alliances:
        header = a.model_dump(mode="json", exclude=_ALLIANCE_HEADER_EXCLUDE, exclude_defaults=True)
        G.graph["alliances"][a.id] = header
        _alliance_edges(a, edges)
    for g in registry.agreements:
        G.graph["agreements"][g.id] = _agreement_header(g)
        _agreement_edges(g, edges)
    _fill(G, nodes, edges)
    return G


def _alliance_edges(a: Alliance, edges: list[_Edge]) -> None:
    """Membership edges (lead → member), centre, clinic and posting edges of ``a``."""
    hub = a.lead[0]
    key = f"membership:{a.id}"
    for order, m in enumerate(a.memberships):
        provenance = (
            _json_or_none(m.provenance.model_dump(mode="json", exclude_defaults=True))
            if m.provenance
            else None
        )
        attrs = {
            "relation": "membership",
            "alliance": a.id,
            "role": _VALUE[m.role],
            "order": order,
            "tightness": _VALUE[m.tightness],
            "joined": m.joined.isoformat() if m.joined else None,
            "left": m.left.isoformat() if m.left else None,
            "provenance": provenance,
        }
        edges.append((hub, m.institution, key, attrs))
    members = a.members
    for c in a.shared_centres:
        served = members if c.serves == "all" else c.serves
        key = f"shared_centre:{c.id}"
        centre_kind = str(c.kind.value)
        for target in served:
            if target != c.host:
                attrs = {
                    "relation": "shared_centre",
                    "alliance": a.id,
                    "centre": c.id,
                    "centre_kind": centre_kind,
                }
                edges.append((c.host, target, key, attrs))
    for e in a.expert_clinics:
        attrs = {
            "relation": "expert_clinic",
            "alliance": a.id,
            "clinic": e.id,
            "department": e.department.value,
            "weekdays": " ".join(w.value for w in e.weekdays),
        }
        edges.append((e.host, e.site, f"expert_clinic:{e.id}", attrs))
    for p in a.staff_postings:
        attrs = {"relation": "posting", "alliance": a.id, "posting": p.id}
        attrs.update(people=p.people, title=_VALUE[p.title])
        edges.append((p.host, p.site, f"posting:{p.id}", attrs))


def _agreement_edges(g: Agreement, edges: list[_Edge]) -> None:
    """One edge per (item, party other than the first) of agreement ``g``."""
    first = g.parties[0]
    for item_order, item in enumerate(g.items):
        value = str(item.value)
        key = f"{value}:{g.id}"
        for order, party in enumerate(g.parties[1:], start=1):
            attrs = {
                "relation": value,
                "alliance": g.alliance,
                "agreement": g.id,
                "item": value,
                "order": order,
                "item_order": item_order,
            }
            edges.append((first, party, key, attrs))


def _fill(
    G: nx.MultiDiGraph,
    nodes: list[tuple[str, dict[str, Any]]],
    edges: list[tuple[str, str, str, dict[str, Any]]],
) -> None:
    """Add nodes and edges to the new, empty graph ``G``.

    Writes networkx's documented dict-of-dict-of-dict-of-dict structure directly (each
    attribute dict becomes the graph's own, not a copy), which is what ``add_nodes_from`` and
    ``add_edges_from`` build too, without their per-item checks: ids are unique and every edge
    end is a node, as the registry guarantees. Falls back to the public methods for any graph
    whose storage is not the plain-dict layout.
    """
    plain = (
        type(G) is nx.MultiDiGraph
        and not G
        and all(
            getattr(G, f, None) is dict
            for f in (
                "node_dict_factory",
                "node_attr_dict_factory",
                "adjlist_outer_dict_factory",
                "adjlist_inner_dict_factory",
                "edge_key_dict_factory",
            )
        )
        and getattr(G, "_succ", None) is getattr(G, "_adj", False)
    )
    if not plain:
        G.add_nodes_from(nodes)
        G.add_edges_from(edges)
        return
    node, succ, pred = G._node, G._succ, G._pred
    for n, attrs in nodes:
        node[n] = attrs
        succ[n] = {}
        pred[n] = {}
    for u, v, key, data in edges:
        keydict = succ[u].get(v)
        if keydict is None:
            keydict = succ[u][v] = {}
            pred[v][u] = keydict
        keydict[key] = data
    clear = getattr(nx, "_clear_cache", None)
    if clear is not None:
        clear(G)


def validate_graph(G: Any) -> None:
    """Check that ``G`` follows the graph contract of this module.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph made by :func:`to_graph` (possibly edited).

    Raises
    ------
    SchemaError
        Listing every violation: wrong graph type, missing or unsupported
        ``schema_version``, non-scalar node attributes, unknown node attributes, edges whose
        key does not match their ``relation``, edges naming unknown alliances or agreements.

    Examples
    --------
    >>> from medalliance import examples
    >>> G = to_graph(examples.load("beijing_tongren"))
    >>> validate_graph(G)
    >>> G.nodes["tongren"]["services"] = ["ct"]
    >>> validate_graph(G)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    medalliance.errors.SchemaError: 1 problem:
      - nodes.tongren.services: node attribute must be a scalar (str, int, float, bool...), got list
    """
    problems: list[Problem] = []
    if not isinstance(G, nx.MultiDiGraph):
        raise SchemaError(
            [Problem((), f"expected a networkx.MultiDiGraph, got {type(G).__name__}")]
        )
    version = G.graph.get("schema_version")
    if version != SCHEMA_VERSION:
        msg = f"expected {SCHEMA_VERSION}, got {version!r}"
        problems.append(Problem(("graph", "schema_version"), msg))
    headers: dict[str, Any] = {}
    for key in ("alliances", "agreements"):
        headers[key] = G.graph.get(key)
        if not isinstance(headers[key], dict):
            msg = f"missing or not a dict of {key[:-1]} headers"
            problems.append(Problem(("graph", key), msg))
            headers[key] = {}
    alliances, agreements = headers["alliances"], headers["agreements"]
    for key in ("sources", "divisions"):
        if not isinstance(G.graph.get(key, []), list):
            problems.append(Problem(("graph", key), f"must be a list of {key[:-1]} records"))
    for n, attrs in G.nodes(data=True):
        if not isinstance(n, str):
            problems.append(Problem(("nodes", repr(n)), "node keys must be institution ids (str)"))
        for k, v in attrs.items():
            if k not in _NODE_ATTRS:
                problems.append(Problem(("nodes", str(n), k), "unknown node attribute"))
            elif v is not None and not isinstance(v, str | int | float | bool):
                problems.append(
                    Problem(
                        ("nodes", str(n), k),
                        "node attribute must be a scalar (str, int, float, bool or None), "
                        f"got {type(v).__name__}",
                    )
                )
        for req in ("name", "kind", "tier"):
            if attrs.get(req) is None:
                problems.append(Problem(("nodes", str(n), req), "required node attribute missing"))
    for u, v, key, d in G.edges(keys=True, data=True):
        where = ("edges", f"{u}->{v}", str(key))
        rel = d.get("relation")
        if not isinstance(key, str) or ":" not in key:
            problems.append(Problem(where, "edge key must be '<relation>:<owner id>'"))
            continue
        kind, owner = key.split(":", 1)
        if rel != kind:
            problems.append(Problem(where, f"edge relation {rel!r} does not match its key"))
        if d.get("alliance") not in alliances:
            problems.append(Problem(where, f"unknown alliance {d.get('alliance')!r}"))
        if rel != "membership" and rel not in _DERIVED and owner not in agreements:
            problems.append(Problem(where, f"unknown agreement {owner!r}"))
    if problems:
        raise SchemaError(problems)


def from_graph(G: Any) -> Registry:
    """Rebuild the registry a graph was made from (inverse of :func:`to_graph`).

    Node attributes, membership and agreement edges, and the graph-level headers are read
    back (centre, clinic and posting edges are derived from the headers); the result is
    validated like any registry.

    Raises
    ------
    MedAllianceError
        If the graph breaks the contract or the registry it describes is invalid.

    Examples
    --------
    >>> from medalliance import examples
    >>> reg = examples.load("dingzhou")
    >>> from_graph(to_graph(reg)) == reg
    True
    """
    validate_graph(G)
    institutions = []
    for n, a in G.nodes(data=True):
        d: dict[str, Any] = {"id": n}
        for f in _SCALAR_FIELDS:
            if a.get(f) is not None:
                d[f] = a[f]
        region = {f: a[f] for f in _REGION_FIELDS if a.get(f) is not None}
        if region:
            d["region"] = region
        if a.get("specialties"):
            d["specialties"] = a["specialties"].split()
        if a.get("services"):
            d["services"] = a["services"].split()
        if a.get("aliases"):
            d["aliases"] = _loads(a["aliases"], ("nodes", n, "aliases"))
        if a.get("former_names"):
            d["former_names"] = _loads(a["former_names"], ("nodes", n, "former_names"))
        if a.get("provenance"):
            d["provenance"] = _loads(a["provenance"], ("nodes", n, "provenance"))
        institutions.append(d)

    memberships: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    parties: dict[str, dict[int, str]] = {}
    items: dict[str, dict[int, str]] = {}
    for u, v, key, d in G.edges(keys=True, data=True):
        rel = d["relation"]
        if rel == "membership":
            m: dict[str, Any] = {"institution": v, "role": d.get("role", "member")}
            if d.get("tightness"):
                m["tightness"] = d["tightness"]
            for f in ("joined", "left"):
                if d.get(f):
                    m[f] = d[f]
            if d.get("provenance"):
                m["provenance"] = _loads(d["provenance"], ("edges", key, "provenance"))
            memberships.setdefault(d["alliance"], []).append((int(d.get("order", 0)), m))
        elif rel not in _DERIVED:
            gid = key.split(":", 1)[1]
            p = parties.setdefault(gid, {0: u})
            p[int(d.get("order", 1))] = v
            items.setdefault(gid, {})[int(d.get("item_order", 0))] = d.get("item", rel)

    alliances = []
    for aid, header in G.graph["alliances"].items():
        ms = [m for _, m in sorted(memberships.get(aid, []), key=lambda t: t[0])]
        alliances.append({**header, "id": aid, "memberships": ms})
    agreements = []
    for gid, header in G.graph["agreements"].items():
        p = parties.get(gid, {})
        it = items.get(gid, {})
        agreements.append(
            {
                **header,
                "id": gid,
                "parties": [p[i] for i in sorted(p)],
                "items": [it[i] for i in sorted(it)],
            }
        )
    data: dict[str, Any] = {
        "institutions": institutions,
        "alliances": alliances,
        "agreements": agreements,
        "sources": G.graph.get("sources", []),
        "divisions": G.graph.get("divisions", []),
    }
    for f in ("title", "description"):
        if G.graph.get(f) is not None:
            data[f] = G.graph[f]
    return Registry.model_validate(data)


def _loads(text: Any, where: tuple[Any, ...]) -> Any:
    try:
        return loads_json(text)
    except TypeError as exc:
        raise MedAllianceError([Problem(where, f"expected JSON text: {exc}")]) from None
    except MedAllianceError as exc:
        problems = [Problem(where, f"expected JSON text: {p.message}") for p in exc.problems]
        raise MedAllianceError(problems) from None

"""GS1-Conformant Resolver rules: link types, link templates and RFC 9264 linksets.

The HTTP service (``api/resolver.py``) only negotiates content and serialises; what a resolver
answers for a Digital Link is decided here:

* the primary keys it accepts are those the AI table marks ``dlpkey``;
* link types are GS1 Web Vocabulary terms, written as CURIEs (``gs1:pip``) or in full
  (``https://ref.gs1.org/voc/pip``);
* a linkset lists the links of every level of the path, from the full path up to the primary key
  alone (``/01/X/10/L`` also lists ``/01/X``), each link with ``href``, ``title``, ``type`` and
  ``hreflang``;
* links come from templates: ``{base}`` is the resolver root, ``{uri}`` the percent-encoded Digital
  Link on the resolver's domain and ``{path}`` its path;
* a resolver holds links only for identifiers it knows: for a primary key of a kind the registry
  records (:data:`REGISTERED_KEYS`: the GTIN) that the registry does not hold, a linkset request is
  answered ``404`` (GS1-Conformant Resolver Standard); other key kinds (an SSCC, a GLN) resolve
  through the link templates alone. Without a link type, a browser still gets the verification page
  with the "unregistered" verdict.

>>> curie("https://ref.gs1.org/voc/pip"), full_link_type("gs1:pip")
('gs1:pip', 'https://ref.gs1.org/voc/pip')
>>> ls = linkset([("01", "09501101530003"), ("10", "A/1")], DEFAULT_LINKS, base="https://r.example")
>>> [entry["anchor"] for entry in ls["linkset"]]
['https://r.example/01/09501101530003/10/A%2F1', 'https://r.example/01/09501101530003']
>>> has_links(("01", "09501101530003"), lambda ai, value: False)
False
>>> has_links(("00", "095011010000000015"), lambda ai, value: False)
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any, Final
from urllib.parse import quote

__all__ = [
    "CONTEXT_LINK",
    "DEFAULT_LINKS",
    "LINKSET_CONTEXT",
    "LINKSET_MEDIA_TYPE",
    "REGISTERED_KEYS",
    "VOC",
    "anchor",
    "curie",
    "description",
    "full_link_type",
    "has_links",
    "href",
    "linkset",
    "primary_keys",
]

VOC: Final = "https://ref.gs1.org/voc/"
LINKSET_CONTEXT: Final = "https://ref.gs1.org/standards/resolver/linkset-context"
LINKSET_MEDIA_TYPE: Final = "application/linkset+json"
CONTEXT_LINK: Final = (
    f'<{LINKSET_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"'
)

#: Link type → link template. The default links all point at this service's own verification of
#: the scanned Digital Link; a deployment configures its own (``TRACE_STD_RESOLVER_LINKS``).
DEFAULT_LINKS: Final[Mapping[str, Mapping[str, str]]] = {
    "gs1:defaultLink": {
        "href": "{base}/v1/verify?q={uri}",
        "title": "Verification against the national registry",
        "type": "application/json",
    },
    "gs1:pip": {
        "href": "{base}/v1/verify?q={uri}",
        "title": "Product information (registered product, crop and exporter)",
        "type": "application/json",
    },
    "gs1:traceability": {
        "href": "{base}/v1/verify?q={uri}",
        "title": "Traceability: lot, planting area (PUC) and packing house (PHC)",
        "type": "application/json",
    },
    "gs1:certificationInfo": {
        "href": "{base}/v1/verify?q={uri}",
        "title": "Certification: status and market approvals of the PUC and PHC",
        "type": "application/json",
    },
}


#: Primary-key AIs whose records the registry keeps (a GTIN is a registered product): the resolver
#: has links for one of these only when the registry holds it.
REGISTERED_KEYS: Final = frozenset({"01"})


def has_links(primary_key: tuple[str, str], registered: Callable[[str, str], bool]) -> bool:
    """Whether the resolver holds links for a Digital Link's primary key ``(ai, value)``.

    ``registered(ai, value)`` asks the registry; it is called only for :data:`REGISTERED_KEYS`.
    False means a linkset request is answered ``404`` (the resolver knows nothing of the item).
    """
    ai, value = primary_key
    return ai not in REGISTERED_KEYS or registered(ai, value)


@cache
def primary_keys() -> frozenset[str]:
    """AIs that may be the primary key of a Digital Link (``dlpkey`` in the AI table)."""
    from trace_std.gs1.ai import ai_info, all_ais

    return frozenset(ai for ai in all_ais() if (info := ai_info(ai)) is not None and info.dlpkey is not None)


def curie(link_type: str) -> str:
    """``https://ref.gs1.org/voc/x`` → ``gs1:x``; anything else unchanged."""
    return "gs1:" + link_type[len(VOC) :] if link_type.startswith(VOC) else link_type


def full_link_type(link_type: str) -> str:
    """``gs1:x`` → ``https://ref.gs1.org/voc/x``; anything else unchanged."""
    return VOC + link_type[4:] if link_type.startswith("gs1:") else link_type


def anchor(base: str, levels: Sequence[tuple[str, str]]) -> str:
    """The Digital Link of ``levels`` (``(ai, value)`` path pairs) on the resolver ``base``."""
    return base + "".join(f"/{ai}/{quote(value, safe='')}" for ai, value in levels)


def href(template: Mapping[str, str], *, base: str, uri: str) -> str:
    """The target of a link template for the Digital Link ``uri`` on ``base``."""
    path = uri[len(base) :].partition("?")[0] if uri.startswith(base) else ""
    return template["href"].format(base=base, uri=quote(uri, safe=""), path=path)


def linkset(
    levels: Sequence[tuple[str, str]],
    links: Mapping[str, Mapping[str, str]],
    *,
    base: str,
    query: str = "",
) -> dict[str, Any]:
    """The RFC 9264 linkset for a Digital Link path: one entry per level, deepest first.

    ``query`` (the request's GS1 data attributes) is kept on the deepest level's links only.
    """
    entries = []
    for depth in range(len(levels), 0, -1):
        here = anchor(base, levels[:depth])
        uri = here + (f"?{query}" if query and depth == len(levels) else "")
        entry: dict[str, Any] = {"anchor": here}
        for link_type, template in links.items():
            target: dict[str, Any] = {"href": href(template, base=base, uri=uri), "title": template["title"]}
            if template.get("type"):
                target["type"] = template["type"]
            target["hreflang"] = [template.get("hreflang", "vi")]
            entry[full_link_type(link_type)] = [target]
        entries.append(entry)
    return {"linkset": entries}


def description(name: str, base: str, links: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    """The resolver description document served at ``/.well-known/gs1resolver``."""
    return {
        "name": name,
        "resolverRoot": base,
        "supportedPrimaryKeys": sorted(primary_keys()),
        "supportedLinkType": [{"namespace": VOC, "prefix": "gs1:"}],
        "linkTypeDefaultCanBeLinkset": True,
        "supportedContextValues": [],
        "supportedLinkTypes": [full_link_type(t) for t in links],
    }

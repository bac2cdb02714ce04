"""The name rule placing imported diseases in the progressive myoclonus epilepsy group.

HPO does not classify diseases, and the HPO files carry no disease hierarchy; the only
evidence of group membership they hold is the disease's *name* as OMIM or Orphanet gives it.
A disease whose name (any of its names in ``phenotype.hpoa``) matches :data:`PME_RULE` is
linked ``mkv:subtypeOf`` the curated ``mk:progressive_myoclonus_epilepsy``, with the statement's
``mkv:evidenceCode`` set to :data:`EVIDENCE_CODE` and ``mkv:publication`` set to the disease's
record (the source of the name). The rule is deliberately narrow: it catches diseases whose
name *says* they are a progressive myoclonus epilepsy (or one of its eponymous forms, Lafora
and Unverricht-Lundborg), and misses PMEs named otherwise (e.g. the neuronal ceroid
lipofuscinoses, MERRF, sialidosis), which the curated graph or a better source must supply.

Examples
--------
>>> bool(PME_RULE.search("Epilepsy, progressive myoclonic 1A (Unverricht and Lundborg)"))
True
>>> bool(PME_RULE.search("Myoclonic epilepsy of Lafora"))
True
>>> bool(PME_RULE.search("Progressive myoclonic epilepsy type 3"))
True
>>> bool(PME_RULE.search("Juvenile myoclonic epilepsy"))
False
>>> pme_name("OMIM:1", ["Dystonia 11, myoclonic"]) is None
True
"""

from __future__ import annotations

import re
from typing import Iterable

__all__ = ["PME_RULE", "PME_RULE_TEXT", "EVIDENCE_CODE", "PME_ENTITY_ID", "pme_name"]

#: The rule, as recorded in the documentation (case-insensitive regular expression).
PME_RULE_TEXT = (r"progressive myoclon(?:ic|us) epilep"
                 r"|epilepsy, progressive myoclon"
                 r"|myoclon(?:ic|us) epilepsy, progressive"
                 r"|\blafora\b"
                 r"|\bunverricht\b")
PME_RULE = re.compile(PME_RULE_TEXT, re.IGNORECASE)
#: ``mkv:evidenceCode`` of the statements the rule creates.
EVIDENCE_CODE = "KG-NAME-RULE"
#: The curated entity the rule links to (local id under the entity namespace).
PME_ENTITY_ID = "progressive_myoclonus_epilepsy"


def pme_name(disease: str, names: Iterable[str]) -> str | None:
    """The first of ``names`` that the rule matches, or ``None``.

    Parameters
    ----------
    disease : str
        The disease CURIE (unused by the rule; kept for messages and future exceptions).
    names : iterable of str
        The disease's names, the primary one first.
    """
    for name in names:
        if PME_RULE.search(name):
            return name
    return None

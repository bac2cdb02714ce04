"""Curation: the reviewable YAML records and their compilation to RDF."""

from kg.curation.compiler import CompiledGraph, compile_curation, load_curation
from kg.curation.records import Curation, Entity, Exclusion, Fact, Mapping

__all__ = ["Curation", "Entity", "Fact", "Exclusion", "Mapping", "CompiledGraph",
           "load_curation", "compile_curation"]

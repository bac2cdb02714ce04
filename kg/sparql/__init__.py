r"""SPARQL analysis: the one place where the package reads SPARQL text.

A pure-Python recursive-descent parser of the SPARQL 1.1 grammar (queries and updates) that
tells what a request does, without running it and without rdflib (so the query path starts
fast). Everything that decides something from query text uses it: the safety check
(:mod:`kg.query.safety`), parameter binding (:mod:`kg.query.binding`), the endpoint's form
and dataset detection (:mod:`kg.web.protocol`), the remote engine and the query editor.

* :func:`analyse` returns a cached, immutable :class:`QueryAnalysis`: the query form, FROM /
  FROM NAMED clauses, every SERVICE, update operations, projected and mentioned variables,
  declared, used and undefined prefixes (with line and column), every IRI and prefixed name,
  the nesting depth and weight, and where the outermost WHERE group opens.
* :data:`MAX_DEPTH` and :data:`MAX_WEIGHT` are the limits that keep a query from crashing a
  parser or the engine; :func:`nesting_depth` is the linear pre-check of the first.
* Errors are :class:`kg.errors.QueryError` with ``line`` and ``column``.

See ``docs/security.md`` for how this parser and pyoxigraph's are kept in agreement.

Examples
--------
>>> a = analyse("SELECT ?service WHERE { ?service rdfs:label 'FROM' }")
>>> a.form, a.services, a.dataset, sorted(a.variables)
('SELECT', (), (), ['service'])
>>> [s.target for s in analyse("ASK { FILTER NOT EXISTS { SERVICE ?where { } } }").services]
['?where']
>>> analyse("SELECT * WHERE " + "{" * 65 + "}" * 65)
Traceback (most recent call last):
...
kg.errors.QueryError: malformed SPARQL (line 1, column 80): nested deeper than 64 levels of '{', '(' and '['
"""

from kg.sparql.analysis import (DatasetClause, IriUse, PrefixUse, QueryAnalysis, ServiceCall, UpdateOperation,
                                WhereGroup, analyse, cache_info)
from kg.sparql.limits import MAX_DEPTH, MAX_WEIGHT, nesting_depth

__all__ = ["analyse", "QueryAnalysis", "ServiceCall", "DatasetClause", "UpdateOperation", "PrefixUse",
           "IriUse", "WhereGroup", "cache_info", "nesting_depth", "MAX_DEPTH", "MAX_WEIGHT"]

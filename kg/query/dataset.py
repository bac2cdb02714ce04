"""Which named graphs form a query's default graph.

By default a query sees every graph of the build, except the aliases graph (``graph/aliases``,
:mod:`kg.entailment`, :mod:`kg.closure`): the twins of edges into an entity, repeated into each
identifier the entity matches exactly (HP:0001336 for ``mk:myoclonus``). The aliases graph
joins the default graph only when the query names an alias (in its text, read by the grammar:
:func:`kg.sparql.analyse`, or as a bound parameter) or the rule ``mkv:ExactAliasRule``. So

* ``?d mkv:hasPhenotype HP:0001336`` gets the answer of ``?d mkv:hasPhenotype mk:myoclonus``
  (the twins are there), and
* ``mk:myoclonus mkv:causedBy ?x`` binds ``?x`` to each cause once, under its curated IRI,
  never also to an unlabelled HP twin (the twins are not there).

A caller that chooses the graphs (``graphs=("curated", "hpo")``) gets the aliases graph when it
names ``aliases``, or names ``entailed`` and the query an alias. One function decides it for
the embedded engine, the endpoint's query workers and the remote engine; each tells how to
recognise an alias in its store (:func:`store_alias_test`, or a set fetched once from a server).

Examples
--------
>>> graphs = {"curated": "urn:c", "entailed": "urn:e", "aliases": "urn:a"}
>>> is_alias = {"http://purl.obolibrary.org/obo/HP_0001336"}.__contains__
>>> default_graph_iris("SELECT ?x WHERE { mk:myoclonus mkv:causedBy ?x }", None, graphs, is_alias)
['urn:c', 'urn:e']
>>> default_graph_iris("SELECT ?d WHERE { ?d mkv:hasPhenotype HP:0001336 }", None, graphs, is_alias)
['urn:c', 'urn:e', 'urn:a']
>>> default_graph_iris("SELECT ?d WHERE { ?d mkv:hasPhenotype ?p }", None, graphs, is_alias,
...                    bindings={"p": ox.NamedNode("http://purl.obolibrary.org/obo/HP_0001336")})
['urn:c', 'urn:e', 'urn:a']
>>> default_graph_iris("SELECT ?d WHERE { ?d mkv:hasPhenotype HP:0001336 }", ("curated",), graphs, is_alias)
['urn:c']
"""

from __future__ import annotations

from typing import Callable, Iterable, Mapping

import pyoxigraph as ox

from kg.sparql import analyse
from kg.vocab import GRAPH_ALIASES, MKV

__all__ = ["ALIASES", "default_graph_iris", "names_alias", "query_dataset", "store_alias_test"]

#: The short name of the aliases graph.
ALIASES = "aliases"


def names_alias(text: str, bindings: Mapping[str, object] | None, is_alias: Callable[[str], bool]) -> bool:
    """Whether a query names an alias (or ``mkv:ExactAliasRule``), in its text or its bindings.

    Parameters
    ----------
    text : str
        The SPARQL text (our prefixes predeclared); read with :func:`kg.sparql.analyse` (cached).
    bindings : mapping, optional
        ``{variable: RDF term}`` bound to the query.
    is_alias : callable
        Tells whether an IRI is an alias.
    """
    iris = {use.iri for use in analyse(text).iris if use.iri}
    iris.update(term.value for term in (bindings or {}).values() if isinstance(term, ox.NamedNode))
    return MKV.ExactAliasRule in iris or any(is_alias(iri) for iri in sorted(iris))


def default_graph_iris(text: str, names: Iterable[str] | None, graphs: Mapping[str, str],
                       is_alias: Callable[[str], bool], *, bindings: Mapping[str, object] | None = None
                       ) -> list[str]:
    """The IRIs of the graphs that form the default graph of ``text``, in the order of ``graphs``.

    Parameters
    ----------
    text : str
        The SPARQL text.
    names : iterable of str or None
        The graphs chosen by short name; ``None`` for all.
    graphs : mapping
        ``short name -> graph IRI`` of the graphs there are (the store's, or the server's).
    is_alias : callable
        Tells whether an IRI is an alias (only asked when the answer matters).
    bindings : mapping, optional
        The query's bound parameters.

    Returns
    -------
    list of str
    """
    chosen = list(graphs) if names is None else [n for n in graphs if n in set(names)]
    if ALIASES in graphs and (names is None or ALIASES not in set(names)):
        wanted = names is None or "entailed" in set(names)
        if ALIASES in chosen:
            chosen.remove(ALIASES)
        if wanted and names_alias(text, bindings, is_alias):
            chosen.append(ALIASES)
    return [graphs[n] for n in chosen]


def query_dataset(text: str, names: Iterable[str] | None, graphs: Mapping[str, str],
                  is_alias: Callable[[str], bool], main_iris: Iterable[str], *,
                  bindings: Mapping[str, object] | None = None) -> tuple[bool, dict]:
    """Where and how to run a query without its own dataset: on the full store or not, and
    pyoxigraph's dataset arguments (:mod:`kg.query.stores`).

    The default graph is :func:`default_graph_iris`'s. It is given as the union default graph
    of a store that holds exactly those graphs (evaluated once, not once per listed graph);
    else as a list. The main store (``main_iris``: every graph but the aliases graph) answers
    unless the query needs the aliases graph, or reads named graphs (``GRAPH``: they are
    every graph of the build, the aliases graph included).

    Parameters
    ----------
    text, names, graphs, is_alias, bindings
        As for :func:`default_graph_iris` (``graphs``: every graph of the build).
    main_iris : iterable of str
        The graphs of the main store.

    Returns
    -------
    (bool, dict)
        Whether the full store must answer, and the keyword arguments of ``Store.query``.

    Examples
    --------
    >>> graphs = {"curated": "urn:c", "entailed": "urn:e", "aliases": "urn:a"}
    >>> is_alias = {"http://purl.obolibrary.org/obo/HP_0001336"}.__contains__
    >>> query_dataset("SELECT * WHERE { ?s ?p ?o }", None, graphs, is_alias, ["urn:c", "urn:e"])
    (False, {'use_default_graph_as_union': True})
    >>> query_dataset("SELECT * WHERE { ?s ?p HP:0001336 }", None, graphs, is_alias, ["urn:c", "urn:e"])
    (True, {'use_default_graph_as_union': True})
    >>> query_dataset("SELECT * WHERE { ?s ?p ?o }", ("curated",), graphs, is_alias, ["urn:c", "urn:e"])
    (False, {'default_graph': [<NamedNode value=urn:c>]})
    >>> query_dataset("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", None, graphs, is_alias, ["urn:c", "urn:e"])
    (True, {'default_graph': [<NamedNode value=urn:c>, <NamedNode value=urn:e>]})
    """
    chosen = default_graph_iris(text, names, graphs, is_alias, bindings=bindings)
    main = set(main_iris)
    if set(chosen) <= main and not analyse(text).graph_pattern:
        full, store_iris = False, main
    else:
        full, store_iris = True, set(graphs.values()) | main
    if set(chosen) == store_iris:
        return full, {"use_default_graph_as_union": True}  # the same graph, evaluated once
    return full, {"default_graph": [ox.NamedNode(iri) for iri in chosen]}


def store_alias_test(store: ox.Store) -> Callable[[str], bool]:
    """How to recognise an alias in a store: it is a ``subtypeOfClosure`` of itself in the aliases
    graph (:mod:`kg.closure` writes that pair for every alias); one index lookup per IRI."""
    graph, closure = ox.NamedNode(GRAPH_ALIASES), ox.NamedNode(MKV.subtypeOfClosure)

    def is_alias(iri: str) -> bool:
        try:
            node = ox.NamedNode(iri)
        except ValueError:
            return False
        return next(iter(store.quads_for_pattern(node, closure, node, graph)), None) is not None

    return is_alias

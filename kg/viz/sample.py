"""Small made-up graphs with the attributes of :func:`kg.paths.graph.to_networkx`, for the
examples, the tests and the benchmark of the view (no build needed).

:func:`sample_graph` is a handful of real-looking entities plus hostile text (a label that is
an HTML tag, a quote that closes a script); :func:`synthetic_graph` is a large random graph.

Examples
--------
>>> g = sample_graph()
>>> g.number_of_nodes(), g.number_of_edges()
(8, 9)
>>> h = synthetic_graph(300, seed=1)
>>> h.number_of_nodes()
300
"""

from __future__ import annotations

import random

import networkx as nx

from kg.viz.styles import CATEGORY_STYLES

__all__ = ["sample_graph", "synthetic_graph", "XSS_LABEL", "XSS_QUOTE"]

_ENTITY = "https://w3id.org/myoclonus-kg/entity/"
_STATEMENT = "https://w3id.org/myoclonus-kg/statement/"
_SOURCE = "https://w3id.org/myoclonus-kg/source/what-is-myoclonus"

#: A label that must show as text, never as an element.
XSS_LABEL = "<img src=x onerror=alert(1)>"
#: An evidence quote that would close the data block if it were not escaped.
XSS_QUOTE = "it said \"</script><script>alert('q')</script>\" & 'worked' \u2028 well"


def _node(graph: nx.MultiDiGraph, local: str, label: str, category: str, types: list[str],
          definition: str = "", synonyms=(), xrefs=(), characteristics=()) -> str:
    iri = _ENTITY + local
    graph.add_node(iri, label=label, category=category, types=types, curie="mk:" + local,
                   definition=definition, synonyms=list(synonyms), xrefs=list(xrefs),
                   characteristics=list(characteristics), values={})
    return iri


def _edge(graph: nx.MultiDiGraph, s: str, o: str, sid: str, predicate: str, label: str,
          biolink: str, quote: str, start: int | None = 0, status: str = "asserted",
          correction: str = "", reference: str = "", qualifiers=None) -> None:
    graph.add_edge(s, o, key="mks:" + sid, predicate=predicate, label=label, biolink=biolink,
                   quote=quote, quote_start=start, quote_end=None if start is None else start + len(quote),
                   status=status, correction=correction, reference=reference,
                   qualifiers=dict(qualifiers or {}), statement=_STATEMENT + sid, claim=1,
                   source=_SOURCE)


def sample_graph() -> nx.MultiDiGraph:
    """Eight entities and nine statements, two of them between the same pair, one node with an
    HTML-tag label and one quote with ``</script>`` in it.

    Returns
    -------
    networkx.MultiDiGraph

    Examples
    --------
    >>> g = sample_graph()
    >>> sorted(d["label"] for _, d in g.nodes(data=True))[0]
    '<img src=x onerror=alert(1)>'
    """
    g = nx.MultiDiGraph()
    clz = _node(g, "clonazepam", "clonazepam", "biolink:Drug", ["Drug"],
                "A benzodiazepine used against myoclonus.", ["Klonopin"],
                ["DRUGBANK:DB01068", "UMLS:C0009011"], ["first-line for cortical myoclonus"])
    act = _node(g, "action_myoclonus", "action myoclonus", "biolink:PhenotypicFeature",
                ["MyoclonusType"], "Myoclonus brought on by voluntary movement.", (), ["HP:0034360"])
    myo = _node(g, "myoclonus", "myoclonus", "biolink:PhenotypicFeature", ["Phenotype"],
                "Sudden, brief, involuntary twitching of a muscle or a group of muscles.",
                ["myoclonic jerk"], ["HP:0001336", "UMLS:C0027066"])
    ulds = _node(g, "unverricht_lundborg", "Unverricht-Lundborg disease", "biolink:Disease",
                 ["Disorder"], "A progressive myoclonus epilepsy.", ["EPM1"],
                 ["OMIM:254800", "ORPHA:308"])
    cstb = _node(g, "cstb", "CSTB", "biolink:Gene", ["Gene"], "Cystatin B.", (), ["NCBIGene:1476"])
    hyp = _node(g, "hypoxia", "hypoxia", "biolink:ExposureEvent", ["Cause"],
                "Lack of oxygen to the brain.")
    ctx = _node(g, "cortex", "cerebral cortex", "biolink:AnatomicalEntity", ["BrainRegion"])
    bad = _node(g, "hostile", XSS_LABEL, "biolink:NamedThing", ["Thing"],
                "A definition with \"quotes\", <b>tags</b> & an ampersand.",
                ["</script><script>alert(2)</script>"], ["HP:0000001", "XYZ:javascript:alert(1)"])
    _edge(g, clz, act, "F001", "treats", "treats", "biolink:treats",
          "clonazepam is often used to treat action myoclonus", 120,
          qualifiers={"firstLine": "true"})
    _edge(g, act, myo, "F002", "subtypeOf", "subtype of", "biolink:subclass_of",
          "action myoclonus is the most disabling form of myoclonus", 40)
    _edge(g, ulds, myo, "F003", "hasPhenotype", "has phenotype", "biolink:has_phenotype",
          "Unverricht-Lundborg disease causes myoclonus", 300)
    _edge(g, cstb, ulds, "F004", "causalGeneFor", "causal gene for",
          "biolink:gene_associated_with_condition", "mutations in CSTB cause the disease", 410)
    _edge(g, hyp, myo, "F005", "causes", "causes", "biolink:causes",
          "lack of oxygen to the brain can cause myoclonus", 512)
    _edge(g, hyp, myo, "F006", "triggeredBy", "triggered by", "biolink:related_to",
          "posthypoxic myoclonus appears after the brain lacks oxygen", 600, status="corrected",
          correction="The direction was reversed in the source paraphrase.",
          reference="NINDS fact sheet")
    _edge(g, myo, ctx, "F007", "originatesIn", "originates in", "biolink:located_in",
          "cortical myoclonus originates in the cerebral cortex", 700)
    _edge(g, bad, clz, "F008", "affects", "affects", "biolink:affects", XSS_QUOTE, 800,
          status="corrected", correction="<b>not bold</b> & \"quoted\"",
          reference="</script> reference")
    _edge(g, clz, bad, "F009", "usedWith", "used with", "biolink:related_to",
          "an edge without offsets", None)
    return g


_PREDICATES = (("hasPhenotype", "has phenotype", "biolink:has_phenotype"),
               ("causes", "causes", "biolink:causes"),
               ("treats", "treats", "biolink:treats"),
               ("subtypeOf", "subtype of", "biolink:subclass_of"),
               ("affects", "affects", "biolink:affects"),
               ("triggeredBy", "triggered by", "biolink:related_to"),
               ("causalGeneFor", "causal gene for", "biolink:gene_associated_with_condition"),
               ("originatesIn", "originates in", "biolink:located_in"))
_WORDS = ("myoclonic", "cortical", "spinal", "jerk", "progressive", "epilepsy", "tremor",
          "startle", "seizure", "drug", "receptor", "gene", "lesion", "brainstem", "syndrome")


def synthetic_graph(n_nodes: int = 2000, *, seed: int = 0, edges_per_node: float = 2.0) -> nx.MultiDiGraph:
    """A random graph of ``n_nodes`` entities with realistic attributes (labels, definitions,
    identifiers, quotes) and a few hubs, like an HPO-enriched build.

    Parameters
    ----------
    n_nodes : int
        Number of entities.
    seed : int
        Seed of the random generator; the same seed gives the same graph.
    edges_per_node : float
        About how many statements per entity.

    Returns
    -------
    networkx.MultiDiGraph

    Raises
    ------
    ValueError
        If ``n_nodes`` is negative.

    Examples
    --------
    >>> g = synthetic_graph(50, seed=3)
    >>> g.number_of_edges() > 50
    True
    """
    if n_nodes < 0:
        raise ValueError("n_nodes must be 0 or more")
    rng = random.Random(seed)
    categories = list(CATEGORY_STYLES)
    graph = nx.MultiDiGraph()
    iris = []
    for i in range(n_nodes):
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 3)))
        xrefs = [f"HP:{rng.randint(0, 9999999):07d}"] if rng.random() < 0.7 else []
        if rng.random() < 0.2:
            xrefs.append(f"UMLS:C{rng.randint(0, 9999999):07d}")
        iris.append(_node(graph, f"syn_{i}", f"{words} {i}", rng.choice(categories), ["Phenotype"],
                          f"A synthetic entity number {i}: {words}, for measuring the view.",
                          [f"{words} variant {i}"] if rng.random() < 0.3 else [], xrefs))
    n_edges = int(n_nodes * edges_per_node)
    for j in range(n_edges if n_nodes > 1 else 0):
        # Half the edges attach to low-numbered nodes, which become hubs.
        s = iris[rng.randrange(n_nodes)]
        o = iris[int(rng.random() ** 3 * n_nodes)] if rng.random() < 0.5 else iris[rng.randrange(n_nodes)]
        if s == o:
            continue
        pred, label, biolink = rng.choice(_PREDICATES)
        words = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 14)))
        _edge(graph, s, o, f"S{j}", pred, label, biolink, words, rng.randint(0, 10000))
    return graph

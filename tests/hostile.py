"""The curated fixture graph with one hostile entity added, for the tests of the graph view
(tests/test_viz.py, tests/test_viz_browser.py): texts that must stay text in the page."""

from __future__ import annotations

from typing import Any, Callable

import networkx as nx

E = "https://w3id.org/myoclonus-kg/entity/"
S = "https://w3id.org/myoclonus-kg/statement/"

#: A label that must show as text, never as an element.
XSS_LABEL = "<img src=x onerror=alert(1)>"
#: An evidence quote that would close the data block if it were not escaped.
XSS_QUOTE = "it said \"</script><script>alert('q')</script>\" & 'worked' \u2028 well"
HOSTILE = E + "hostile"
HOSTILE_STATEMENT = "mks:hostile"


def with_hostile_entity(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``graph`` with one entity whose texts are hostile, linked both ways to
    clonazepam; the edge into clonazepam has no quote offsets."""
    hostile = graph.copy()
    hostile.add_node(HOSTILE, label=XSS_LABEL, category="biolink:NamedThing", types=["Thing"],
                     curie="mk:hostile", definition="A definition with \"quotes\", <b>tags</b> & an ampersand.",
                     synonyms=["</script><script>alert(2)</script>"],
                     xrefs=["HP:0000001", "XYZ:javascript:alert(1)"], characteristics=[], values={})
    evidence = dict(status="corrected", correction="<b>not bold</b> & \"quoted\"",
                    reference="</script> reference", qualifiers={}, claim=1,
                    source="https://w3id.org/myoclonus-kg/source/what-is-myoclonus")
    hostile.add_edge(HOSTILE, E + "clonazepam", key=HOSTILE_STATEMENT, predicate="affects", label="affects",
                     biolink="biolink:affects", quote=XSS_QUOTE, quote_start=None, quote_end=None,
                     statement=S + "hostile", **evidence)
    hostile.add_edge(E + "clonazepam", HOSTILE, key="mks:hostile2", predicate="relatedTo", label="related to",
                     biolink="biolink:related_to", quote="</script>", quote_start=0, quote_end=9,
                     statement=S + "hostile2", **evidence)
    return hostile


def edges_where(graph: nx.MultiDiGraph,
                test: Callable[[dict[str, Any]], Any]) -> list[tuple[str, str, str, dict]]:
    """The edges (subject, object, key, data) of the curated graph whose data pass ``test``."""
    return [(s, o, k, d) for s, o, k, d in graph.edges(keys=True, data=True)
            if not k.startswith(HOSTILE_STATEMENT) and test(d)]

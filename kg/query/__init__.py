"""Querying: the SPARQL engine, safety checks, results and the named query library."""

from kg.query.engine import GRAPHS, SparqlEngine
from kg.query.library import NamedQuery, QueryParam, get_query, list_queries
from kg.query.results import AskResult, GraphResult, ResultTable
from kg.query.safety import check_query, check_query_safety

__all__ = ["SparqlEngine", "GRAPHS", "NamedQuery", "QueryParam", "get_query", "list_queries",
           "ResultTable", "AskResult", "GraphResult", "check_query", "check_query_safety"]

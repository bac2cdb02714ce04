"""Graph algorithms over the NetworkX view: entity resolution, paths, neighbourhoods."""

from kg.paths.finder import GraphPath, Hop, PathFilter, edge_sentence, find_paths, neighbourhood
from kg.paths.graph import EntityIndex, to_networkx

__all__ = ["to_networkx", "EntityIndex", "GraphPath", "Hop", "PathFilter", "find_paths",
           "neighbourhood", "edge_sentence"]

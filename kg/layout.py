"""Where a build keeps its parts: shared by the build that writes them and the readers.

A constant only, so that readers (the API, validation, the web server) can name a
build's parts without importing the build machinery.
"""

__all__ = ["STORE_DIR", "FULL_STORE_DIR", "ALIASES_FILE", "PATHS_FILE", "PATHS_FORMAT"]

#: Sub-directory of a build holding the pyoxigraph store: every graph but the aliases graph, so
#: that a query which names no alias runs on the store's union default graph (kg.query.dataset).
STORE_DIR = "store"

#: Sub-directory holding the same store with the aliases graph added: a hard-link checkpoint of
#: :data:`STORE_DIR` (``Store.backup``) plus the alias twins, for the queries that need them.
FULL_STORE_DIR = "store-full"

#: The alias IRIs of a build (a JSON list, sorted): tells a query that names one, without
#: opening :data:`FULL_STORE_DIR`.
ALIASES_FILE = "aliases.json"

#: The path index (kg.paths.compact) and the version of its format that this package reads.
PATHS_FILE = "paths.sqlite"
PATHS_FORMAT = 2

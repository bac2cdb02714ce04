"""Where a build keeps its parts: shared by the build that writes them and the readers.

A constant only, so that readers (the API, validation, the web server) can name a
build's parts without importing the build machinery.
"""

__all__ = ["STORE_DIR", "PATHS_FILE", "PATHS_FORMAT"]

#: Sub-directory of a build holding the pyoxigraph store.
STORE_DIR = "store"

#: The path index (kg.paths.compact) and the version of its format that this package reads.
PATHS_FILE = "paths.sqlite"
PATHS_FORMAT = 2

"""Where a build keeps its query store: shared by the build that writes it and the readers.

A constant only, so that readers (the API, validation, the web server) can name a
build's parts without importing the build machinery.
"""

__all__ = ["STORE_DIR"]

#: Sub-directory of a build holding the pyoxigraph store.
STORE_DIR = "store"

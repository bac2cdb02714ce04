"""Building the graph: compile the curation, validate, export every format, persist the store.

The heavy machinery (:mod:`kg.build.builder`) is imported on first use, so that commands
which only need :mod:`kg.build.inputs` start fast.
"""

from kg.build.inputs import HPO_MODES, STORE_DIR, default_build_dir, input_fingerprint

__all__ = ["build", "BuildResult", "default_build_dir", "input_fingerprint", "HPO_MODES", "STORE_DIR",
           "OUTPUT_FILES"]


def __getattr__(name):
    if name in ("build", "BuildResult"):
        from kg.build import builder

        return getattr(builder, name)
    if name == "OUTPUT_FILES":
        from kg.build.exporters import OUTPUT_FILES

        return OUTPUT_FILES
    raise AttributeError(f"module 'kg.build' has no attribute {name!r}")

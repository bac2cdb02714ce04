"""``python -m kg``: the same CLI as the ``kg`` console script."""

from kg.cli import run

if __name__ == "__main__":  # pragma: no cover
    run()

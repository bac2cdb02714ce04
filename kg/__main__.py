"""``python -m kg``: the same CLI as the ``kg`` console script."""

from kg.cli import main

if __name__ == "__main__":  # pragma: no cover
    main()

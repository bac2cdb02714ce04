"""Benchmarks of myoclonus-kg: one ``bench_*.py`` module per layer, each with a ``main()``.

Run them all with ``python -m bench.run`` (``make bench``); results go to ``bench/results/``.
They are measurements, not tests: nothing here is collected by pytest.
"""

"""Run every benchmark module: ``python -m bench.run [NAME ...]``.

Each ``bench/bench_*.py`` module that defines ``main()`` is imported and its ``main()`` called
(with ``sys.argv`` reset, so a module's own option parsing sees no arguments). Give names
(``query``, ``bench_viz``, ...) to run only those. A module that fails is reported and the
others still run; the exit status is 1 if any failed.
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def discover() -> list[str]:
    """Names of the benchmark modules, sorted (``bench_hpo``, ``bench_query``, ...)."""
    return sorted(p.stem for p in HERE.glob("bench_*.py"))


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in argv):
        print(__doc__.strip())
        print("\nmodules:", ", ".join(discover()) or "none")
        return 0
    names = discover()
    if argv:
        wanted = {a if a.startswith("bench_") else f"bench_{a}" for a in argv}
        unknown = wanted - set(names)
        if unknown:
            print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; have: {', '.join(names)}",
                  file=sys.stderr)
            return 2
        names = [n for n in names if n in wanted]
    failed: list[str] = []
    saved = sys.argv
    for name in names:
        module = None
        try:
            module = importlib.import_module(f"bench.{name}")
        except Exception:  # noqa: BLE001 - report and go on with the others
            print(f"== {name}: import failed", file=sys.stderr)
            traceback.print_exc()
            failed.append(name)
            continue
        entry = getattr(module, "main", None)
        if not callable(entry):
            print(f"== {name}: no main(), skipped", file=sys.stderr)
            continue
        print(f"== {name}", file=sys.stderr, flush=True)
        start = time.perf_counter()
        try:
            sys.argv = [f"bench.{name}"]
            returned = entry()
            # main() may return an exit status, or something else (a report): only a
            # non-zero int (or False) means failure.
            failed_run = returned is False or (isinstance(returned, int) and not isinstance(returned, bool)
                                               and returned != 0)
            status = returned if failed_run else 0
        except SystemExit as exc:
            status = exc.code if exc.code not in (None, 0) else 0  # sys.exit("message") is a failure
        except Exception:  # noqa: BLE001
            traceback.print_exc()
            status = 1
        finally:
            sys.argv = saved
        took = time.perf_counter() - start
        if status not in (None, 0):
            failed.append(name)
            print(f"== {name}: FAILED (status {status}) after {took:.1f} s", file=sys.stderr)
        else:
            print(f"== {name}: done in {took:.1f} s", file=sys.stderr)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

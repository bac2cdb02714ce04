"""``kg build`` and ``kg validate``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kg.build.inputs import HPO_MODES, default_build_dir
from kg.cli.common import build_dir_option, echo_err, reports_errors

__all__ = ["build_command", "validate_command"]


@click.command("build")
@build_dir_option
@click.option("--hpo", type=click.Choice(HPO_MODES), default="none", show_default=True,
              help="Include the HPO import: the myoclonus subset, or the full ontology.")
@click.option("--force", is_flag=True, help="Rebuild even if the inputs are unchanged.")
@click.option("--no-shacl", is_flag=True, help="Skip the SHACL shapes (the quote check still runs).")
@click.option("--data", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="Directory of curation files to compile instead of the shipped ones.")
@reports_errors
def build_command(out: Path | None, hpo: str, force: bool, no_shacl: bool, data: Path | None) -> None:
    """Build the graph: Turtle, N-Triples, JSON-LD, N-Quads, GraphML, KGX TSV and the query store."""
    from kg.build.builder import build
    from kg.cli.progress import TerminalProgress

    progress = TerminalProgress()
    try:
        result = build(out, hpo=hpo, force=force, data=data, validate=not no_shacl, progress=progress)
    finally:
        progress.close()
    counts = ", ".join(f"{k}={v}" for k, v in result.counts.items())
    echo_err(f"{'up to date' if result.skipped else 'built'}: {result.directory} ({counts})")


@click.command("validate")
@build_dir_option
@click.option("--no-shacl", is_flag=True, help="Only check the evidence quotes against the source.")
@reports_errors
def validate_command(out: Path | None, no_shacl: bool) -> None:
    """Validate a built graph: SHACL shapes and every evidence quote against the source.

    Exits with status 1 if anything fails.
    """
    from kg.validation import validate_build

    report = validate_build(out or default_build_dir(), shacl=not no_shacl)
    click.echo(report.text())
    sys.exit(0 if report.conforms else 1)

"""``kg crosscheck``: the curated claims checked against the build's HPO graph."""

from __future__ import annotations

from pathlib import Path

import click

from kg.cli.common import build_dir_option, load_graph, echo_err, reports_errors

__all__ = ["crosscheck_command"]


@click.command("crosscheck")
@build_dir_option
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown",
              show_default=True, help="Report format.")
@click.option("--output", "output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report to FILE instead of stdout.")
@reports_errors
def crosscheck_command(out: Path | None, fmt: str, output: Path | None) -> None:
    """Check every curated claim against HPO: confirmed, contradicted, not covered.

    Claims about diseases, genes and phenotypes that have HP, OMIM, Orphanet or NCBI Gene
    mappings are checked against the HPO graph of the build (built with --hpo subset or
    full), with the HPO evidence (disease, term, evidence code, references); the others are
    listed as claims HPO cannot speak to. Exits 0 whatever the verdicts.
    """
    from kg.errors import KGError
    from kg.hpo.crosscheck import crosscheck

    graph = load_graph(out)
    report = crosscheck(graph, progress=echo_err)
    text = report.to_json() if fmt == "json" else report.to_markdown()
    if output is None:
        click.echo(text, nl=False)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise KGError(f"{output}: cannot write the report: {exc}") from None
        counts = ", ".join(f"{n} {v}" for v, n in report.counts().items())
        echo_err(f"wrote {output} ({counts})")

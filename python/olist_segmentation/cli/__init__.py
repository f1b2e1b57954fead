"""Command line: ``olist-seg`` and its subcommands (click).

Results (summaries, file names) go to stdout; progress and errors to stderr.
Exit codes: 0 success; dbt's own code when a build fails; 2 for an error
the user can fix (:class:`~olist_segmentation.errors.OlistError`, a bad
option); 3 from ``drift --fail-if-due`` when a refit is due.

``olist-seg build`` runs ``dbt build`` on a folder of the nine Kaggle CSVs
into a DuckDB file and prints a summary of the marts; ``load`` and ``build
--target`` do the same on PostgreSQL or Spark; ``report`` and ``export``
write what marketers read; ``results`` measures a campaign sent to an
exported list against its control group; ``drift`` says whether a refit is due;
``stability`` measures how long a segmentation stays valid; ``segment``
reruns the model selection in this process; ``generate`` writes the
synthetic sample.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import click

from olist_segmentation.cli import (
    campaign_commands,
    output_commands,
    warehouse_commands,
)
from olist_segmentation.cli.common import EXIT_REFIT_DUE, EXIT_USER_ERROR
from olist_segmentation.errors import OlistError
from olist_segmentation.log import setup

__all__ = ["EXIT_REFIT_DUE", "EXIT_USER_ERROR", "cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_version("olist-segmentation"), prog_name="olist-seg")
@click.option(
    "--project-dir",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="OLIST_PROJECT_DIR",
    help="The dbt project (dbt_project.yml, profiles.yml) [default: "
    "$OLIST_PROJECT_DIR, else the repository of this install, else the "
    "current directory].",
)
@click.option("-v", "--verbose", is_flag=True, help="Also show debug lines.")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors.")
def cli(project_dir: Path | None, verbose: bool, quiet: bool) -> None:
    """Olist customer segmentation: build the marts, check them, report them."""
    setup(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    if project_dir is not None:
        os.environ["OLIST_PROJECT_DIR"] = str(project_dir.expanduser().resolve())


for _command in (
    warehouse_commands.build_command,
    warehouse_commands.load_command,
    warehouse_commands.summary_command,
    warehouse_commands.drift_command,
    warehouse_commands.stability_command,
    output_commands.report_command,
    output_commands.export_command,
    output_commands.segment_command,
    output_commands.generate_command,
    campaign_commands.results_command,
):
    cli.add_command(_command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code.

    Args:
        argv: Arguments without the program name (``None`` reads
            ``sys.argv``).
    """
    args = list(sys.argv[1:] if argv is None else argv)
    setup()
    try:
        result: Any = cli.main(args=args, prog_name="olist-seg", standalone_mode=False)
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except click.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except OlistError as error:
        click.echo(f"error: {error}", err=True)
        return EXIT_USER_ERROR
    return result if isinstance(result, int) else 0

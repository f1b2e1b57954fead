"""The generator's command line, run as a child process."""

from __future__ import annotations

import subprocess
import sys


def test_cli_rejects_too_few_orders(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "olist_segmentation.generate",
            "--orders",
            "5",
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "--orders must be at least 100" in result.stderr
    assert not (tmp_path / "out").exists()

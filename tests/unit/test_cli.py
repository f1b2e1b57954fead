"""The command line's own behaviour: version, help, exit codes, project folder."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_a_project_dir_without_a_dbt_project_is_refused_before_anything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from olist_segmentation.cli import EXIT_USER_ERROR, main

    monkeypatch.delenv("OLIST_DATA_DIR", raising=False)
    monkeypatch.delenv("OLIST_DUCKDB_PATH", raising=False)
    monkeypatch.setenv("OLIST_PROJECT_DIR", str(ROOT))  # restored after the test
    code = main(["--project-dir", str(tmp_path), "build"])
    assert code == EXIT_USER_ERROR
    assert f"No dbt project at {tmp_path}" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []  # no sample generated, no warehouse


def test_version_and_help_exit_zero(capsys: pytest.CaptureFixture[str]) -> None:
    from olist_segmentation.cli import main

    assert main(["--version"]) == 0
    assert "olist-seg, version" in capsys.readouterr().out
    assert main(["generate", "--help"]) == 0
    assert "Usage: olist-seg generate" in capsys.readouterr().out
    assert main(["build", "--target", "nowhere"]) == 2

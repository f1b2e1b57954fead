"""The layout a newcomer reads: small modules, and a README that names them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "python" / "olist_segmentation"
#: The longest a Python module of the package or of analyses/ may be.
MAX_MODULE_LINES = 500


def _modules() -> list[Path]:
    return sorted(
        [*PACKAGE.rglob("*.py"), *(ROOT / "analyses").glob("*.py")],
        key=lambda path: str(path),
    )


def _readme_layout() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Layout\n(.*?)^## ", text, flags=re.M | re.S)
    assert match, "README.md has no '## Layout' section"
    return match.group(1)


@pytest.mark.parametrize(
    "module", _modules(), ids=lambda path: str(path.relative_to(ROOT))
)
def test_no_module_is_longer_than_the_limit(module: Path) -> None:
    lines = len(module.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, (
        f"{module.relative_to(ROOT)} has {lines} lines (at most "
        f"{MAX_MODULE_LINES}): split it by idea"
    )


def test_the_readme_layout_names_every_module_and_folder() -> None:
    layout = _readme_layout()
    missing = [
        str(path.relative_to(ROOT))
        for path in _modules()
        if path.name not in {"__init__.py", "__main__.py"} and path.stem not in layout
    ]
    folders = [
        path.name
        for path in ROOT.iterdir()
        if path.is_dir()
        and not path.name.startswith(".")
        and path.name
        not in {"target", "logs", "data", "warehouse", "reports", "dbt_packages"}
        and path.name not in layout
    ]
    model_folders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "models").iterdir()
        if path.is_dir() and f"{path.relative_to(ROOT)}/" not in layout
    ]
    assert not missing, f"README '## Layout' does not name: {missing}"
    assert not folders, f"README '## Layout' does not name the folders {folders}"
    assert not model_folders, f"README '## Layout' lacks {model_folders}"

"""The tests run on this working tree, and the installed package carries its data files."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

import audiocoach

ROOT = Path(__file__).resolve().parent.parent


def test_the_tests_import_the_working_tree_not_an_installed_copy(tmp_path):
    assert Path(audiocoach.__file__).resolve().parent == ROOT / "audiocoach"
    # and so do the commands the tests start, from whatever folder they start them in
    started = subprocess.run([sys.executable, "-c", "import audiocoach; print(audiocoach.__file__)"],
                             cwd=tmp_path, capture_output=True, text=True, check=True)
    assert Path(started.stdout.strip()).resolve().parent == ROOT / "audiocoach"


def _installed_files() -> list[str]:
    # The working tree is on sys.path too (its build leaves an egg-info there): look past it.
    installed = [found for found in metadata.distributions(name="audiocoach")
                 if Path(str(found.locate_file(""))).resolve() != ROOT]
    if not installed:
        pytest.skip("audiocoach is not installed: `pip install '.[test]'` installs it")
    distribution = installed[0]
    direct_url = distribution.read_text("direct_url.json")
    if direct_url and json.loads(direct_url).get("dir_info", {}).get("editable"):
        pytest.skip("an editable install reads the working tree's data files in place")
    return [str(path) for path in distribution.files or []]


def test_the_installed_package_has_its_data_files():
    files = _installed_files()
    expected = ["audiocoach/assets/catalog.yaml", "audiocoach/publish/templates/player.html",
                "audiocoach/publish/templates/style.css", "audiocoach/publish/templates/player.js",
                "audiocoach/speech/packs/de.yaml", "audiocoach/speech/packs/en.yaml"]
    expected += [f"audiocoach/assets/routines/{path.name}"
                 for path in sorted((ROOT / "assets" / "routines").glob("*.yaml"))]
    missing = [name for name in expected if name not in files]
    assert not missing, f"not installed: {missing}"

"""The package's shape: each stage imports only the shared base and earlier stages, and no
module grows past what a reader can hold (scripts/layers.py prints the figures)."""

from __future__ import annotations

from scripts.layers import MAX_CLI_LINES, MAX_MODULE_LINES, modules, report, wrong_way


def test_no_stage_imports_a_later_one(capsys):
    with capsys.disabled():
        print("\n" + report())
    assert wrong_way(modules()) == []


def test_an_import_of_a_later_stage_is_found(tmp_path):
    for name, text in {"errors.py": "", "routine/__init__.py": "",
                       "routine/model.py": "from audiocoach.errors import Problem\n",
                       "audio/__init__.py": "", "audio/loudness.py": "DEFAULT_LUFS = -19\n",
                       "routine/later.py": "def f():\n    from audiocoach.audio import loudness\n",
                       "cli.py": "from audiocoach.routine.model import Problem\n"}.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    assert wrong_way(modules(tmp_path)) == [("routine.later", "audio.loudness")]


def test_no_module_is_over_400_lines_and_the_command_line_under_300():
    found = modules()
    assert [name for name, m in found.items() if m.lines > MAX_MODULE_LINES] == []
    assert found["cli"].lines < MAX_CLI_LINES

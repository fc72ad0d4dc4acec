"""The JSON Schema editors check routines with: made from the same field definitions as
`validate`, so a routine `validate` accepts is valid against it, and what it refuses `validate`
refuses too; the README's field table comes from the same place."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator
from typer.testing import CliRunner

from audiocoach.cli import app
from audiocoach.errors import AudiocoachError
from audiocoach.routine import definitions
from audiocoach.routine.catalog import (
    SCHEMA_FILE,
    bundled_routines,
    catalog,
    schema_text,
)
from audiocoach.routine.definitions import Count, Field, field_table, json_schema
from audiocoach.routine.durations import DURATION_PATTERN, parse_duration
from audiocoach.routine.load import load_file, load_text
from audiocoach.routine.readers import DECIBELS, LANGUAGE_CODE, LUFS
from audiocoach.routine.validation import build_routine

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
SCHEMA = json.loads(schema_text())
VALIDATOR = Draft7Validator(SCHEMA)
CATALOG = {id_: entry.fields for id_, entry in catalog().items()}
SETTINGS = settings(max_examples=int(os.environ.get("AUDIOCOACH_EXAMPLES", "150")), deadline=None, suppress_health_check=list(HealthCheck))


def schema_errors(document) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(document)]


def validate_problems(text: str | Path, file: str = "routine.yaml") -> list[str]:
    """`validate`'s messages for a routine text or file (none when it accepts it)."""
    try:
        data = load_file(text) if isinstance(text, Path) else load_text(text, file)
        build_routine(data, file, CATALOG)
    except AudiocoachError as error:
        return [str(p) for p in error.problems]
    return []


def test_the_schema_command_prints_a_draft_07_schema():
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    Draft7Validator.check_schema(printed)
    assert printed["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert printed == SCHEMA


def test_schema_o_writes_the_same_schema_to_a_file(tmp_path):
    out = tmp_path / "my schemas" / "routine schema.json"
    out.parent.mkdir()
    result = CliRunner().invoke(app, ["schema", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8")) == SCHEMA
    assert CliRunner().invoke(app, ["schema", "-o", str(tmp_path / "new" / "s.json")]).exit_code == 0
    assert json.loads((tmp_path / "new" / "s.json").read_text(encoding="utf-8")) == SCHEMA
    (tmp_path / "a file").write_text("", encoding="utf-8")
    refused = CliRunner().invoke(app, ["schema", "-o", str(tmp_path / "a file" / "s.json")])
    assert refused.exit_code == 1
    assert "a file/s.json: cannot write here" in refused.output


def test_every_field_has_a_type_and_a_description_and_the_defaults_validate_accepts():
    exercise = SCHEMA["properties"]["exercises"]["items"]["anyOf"][0]["properties"]
    assert exercise["sides"] == {"description": "which sides are worked: `none`, `both`, "
                                 "`alternate`, `left`, `right`", "type": "string",
                                 "enum": ["none", "both", "alternate", "left", "right"],
                                 "default": "none"}
    assert exercise["countdown"] == {"description": "count the last N seconds of each hold aloud "
                                     "(0 = off)", "type": "integer", "minimum": 0, "maximum": 10,
                                     "default": 3}
    assert exercise["use"]["enum"] == list(catalog())
    voice = SCHEMA["properties"]["voice"]
    assert voice["additionalProperties"] is False
    assert voice["properties"]["engine"]["enum"] == ["auto", "piper", "gtts"]
    assert voice["properties"]["speed"] | {"description": ""} == {
        "description": "", "type": "number", "minimum": 0.5, "maximum": 2.0, "default": 1.0}

    def walk(node, path):
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                assert sub.get("description"), f"{path}.{name} has no description"
                assert {"type", "anyOf", "enum"} & set(sub), f"{path}.{name} has no type"
                walk(sub, f"{path}.{name}")
            for key in ("items", "anyOf"):
                for sub in node.get(key, []) if isinstance(node.get(key), list) else [node.get(key)]:
                    walk(sub, path)
    walk(SCHEMA, "")


@pytest.mark.parametrize("name", sorted(bundled_routines()))
def test_every_bundled_routine_is_valid_against_the_schema(name):
    document = yaml.safe_load(bundled_routines()[name].read_text(encoding="utf-8"))
    assert schema_errors(document) == []


def test_every_catalog_entry_is_a_valid_exercise():
    for id_, fields in CATALOG.items():
        assert schema_errors({"title": "T", "exercises": [dict(fields)]}) == [], id_


def _routines_written_in_the_tests() -> list[tuple[str, str]]:
    """Every routine text in the test files: string constants with `title:` and `exercises:`."""
    found = []
    for path in sorted(TESTS.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and "title:" in node.value and "exercises:" in node.value:
                found.append((f"{path.name}:{node.lineno}", textwrap.dedent(node.value)))
    return found


def test_every_routine_in_the_tests_that_validate_accepts_is_valid_against_the_schema():
    accepted = 0
    for where, text in _routines_written_in_the_tests():
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError:
            continue
        if validate_problems(text):
            continue
        accepted += 1
        assert schema_errors(document) == [], where
    assert accepted > 50  # the tests hold dozens of good routines


def test_the_readme_examples_are_valid_against_the_schema():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    examples = [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", readme, re.S)]
    routines = [e for e in examples if isinstance(e, dict) and "exercises" in e]
    assert len(routines) >= 3
    for routine in routines:
        assert schema_errors(routine) == [], routine["title"]


# Bad fixtures the schema cannot refuse: their fault is in what the values mean together (two
# doses, a total over four hours, a phrase's blanks) or in bytes that are not YAML at all.
NOT_THE_SCHEMAS = {"two_doses.yaml", "too_long_total.yaml", "no_dose.yaml", "bad_phrase.yaml",
                   "too_long.yaml", "endless.yaml", "syntax_error.yaml", "python_tag.yaml",
                   "latin1.yaml", "latin1_later.yaml", "empty.yaml", "only_start_marker.yaml",
                   "only_end_marker.yaml", "only_null.yaml"}
SHAPE_MESSAGES = ("unknown field", "expected ", "is not one of", "no catalog exercise",
                  "needs a title", "list of exercises is empty", "not a routine", "out of range",
                  "is not a duration", "too short", "longer than a whole routine")


@pytest.mark.parametrize("fixture", sorted(p.name for p in (TESTS / "fixtures" / "bad").glob("*.yaml")))
def test_a_bad_fixture_refused_for_its_shape_is_invalid_against_the_schema(fixture):
    path = TESTS / "fixtures" / "bad" / fixture
    problems = validate_problems(path, fixture)
    assert problems, "validate accepts it"
    if fixture in NOT_THE_SCHEMAS:
        return
    assert any(m in p for p in problems for m in SHAPE_MESSAGES), problems
    assert schema_errors(yaml.safe_load(path.read_text(encoding="utf-8"))), \
        f"the schema accepts {fixture}: {problems}"


@pytest.mark.parametrize("change, path, message", [
    ({"durration": "5s"}, ["exercises", 0], "Additional properties are not allowed ('durration' was "
                                            "unexpected)"),
    ({"reps": "three"}, ["exercises", 0, "reps"], "'three' is not of type 'integer'"),
    ({"sides": "bothe"}, ["exercises", 0, "sides"], "'bothe' is not one of ['none', 'both', "
                                                    "'alternate', 'left', 'right']"),
    ({"hold": "30 secs"}, ["exercises", 0, "hold"], "'30 secs' does not match '^(?!"),
])
def test_an_unknown_field_a_wrong_type_and_an_unknown_enum_value_are_invalid(change, path, message):
    document = {"title": "T", "exercises": [{"name": "A", "hold": 30, **change}]}
    def leaves(errors):
        for error in errors:
            yield from leaves(error.context) if error.context else [error]
    # an exercise is one of the shapes an item may take: the editor shows the one that fits best
    found = [(list(e.absolute_path), e.message[:len(message)]) for e in leaves(VALIDATOR.iter_errors(document))]
    assert (path, message) in found
    assert validate_problems(yaml.safe_dump(document))


# -- durations: the schema's pattern reads exactly the texts `parse_duration` accepts ---------

def _parses(text: str) -> bool:
    try:
        parse_duration(text)
    except ValueError:
        return False
    return True


DURATION_TABLE = {
    "30": True, "2.5": True, " 30 ": True, "30s": True, "30 S": True, "1m30s": True,
    "1 min 30 sec": False, "90 seconds": True, "2 min": True, "1h": True, "1 hour 2 minutes": True,
    "1H2M3S": True, "1hours": True, "1m1m": False, "30s1m": False, "30s 1m": False, "1ms": False,
    "-0": True, "-0.00": True, "-5": False, "-5s": False, "": False, " ": False, "s": False,
    "1.": False, ".5": False, "1.5m": True, "30 secs": False, "١٢s": False, "3\u00a0s": False,
    "1" * 30: True, "1" * 31: False, "1" * 15 + "m" + "1" * 15 + "s": True,
    "1" * 16 + "m" + "1" * 15 + "s": False, "30s\n": True, "\t1m\n30s": True, "1e3": False,
    "1_000": False, "+5": False,
}


@pytest.mark.parametrize("text, accepted", DURATION_TABLE.items())
def test_the_duration_pattern_agrees_with_the_parser_on_a_table(text, accepted):
    assert _parses(text) is accepted
    assert (re.search(DURATION_PATTERN, text) is not None) is accepted


durationish = st.text(st.one_of(st.sampled_from(list("0123456789 .-+smhinuteocdrSMHINUTEOCDR\t\n")),
                                st.characters()), max_size=24)


@SETTINGS
@given(st.one_of(durationish, st.lists(st.tuples(st.integers(0, 999), st.sampled_from(
    ["h", "hour", "hours", "m", "min", "minute", "minutes", "s", "second", "seconds", "x"]),
    st.sampled_from(["", " ", "  "])), max_size=4).map(
        lambda parts: "".join(f"{n}{space}{unit}" for n, unit, space in parts))))
def test_the_duration_pattern_agrees_with_the_parser_on_any_text(text):
    assert (re.search(DURATION_PATTERN, text) is not None) == _parses(text)


PATTERNS = {"duration": DURATION_PATTERN, "language": f"^{LANGUAGE_CODE}$",
            "decibels": f"^{DECIBELS}$", "lufs": f"^{LUFS}$"}
ODD_TEXTS = [*DURATION_TABLE, "en", "pt-BR", "pt_br", "deu", "e", "en-", "-18dB", "12 db", "+3 DB",
             "-18dBs", "١٢dB", "off", " OFF ", "-19 LUFS", "-19lufs", "lufs", "-19 LU"]


@pytest.mark.skipif(shutil.which("node") is None, reason="no node to run ECMAScript regular expressions")
def test_editors_read_the_patterns_as_python_does():
    """yaml-language-server runs a pattern as an ECMAScript RegExp (with the u flag or without);
    every text is matched or not matched by it exactly as by Python."""
    script = ("const [patterns, texts] = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "const out = {}; for (const [name, p] of Object.entries(patterns)) {"
              " out[name] = texts.map(t => [new RegExp(p).test(t), new RegExp(p, 'u').test(t)]); }"
              "console.log(JSON.stringify(out));")
    result = subprocess.run(["node", "-e", script], input=json.dumps([PATTERNS, ODD_TEXTS]),
                            capture_output=True, text=True, check=True)
    for name, answers in json.loads(result.stdout).items():
        for text, (plain, unicode) in zip(ODD_TEXTS, answers):
            python = re.search(PATTERNS[name], text) is not None
            assert plain == unicode == python, (name, text)


# -- generated documents: what the schema refuses, validate refuses ------------------------

def _value():
    scalar = st.one_of(st.integers(-5, 20000), st.floats(allow_nan=False, width=32), st.booleans(),
                       st.none(), st.sampled_from(["30s", "1m30s", "bothe", "both", "chime", "gong",
                                                   "off", "-18dB", "en", "co.uk", "x", "heel-press",
                                                   "{time} left", "a/b.ogg"]))
    return st.one_of(scalar, st.lists(scalar, max_size=2), st.dictionaries(
        st.sampled_from(["say", "hold", "file", "start", "x"]), scalar, max_size=2))


def _mappings(document: dict) -> list[tuple[dict, tuple[str, ...]]]:
    """Each mapping of a routine document with the field names the definitions give it."""
    found = [(document, tuple(definitions.ROUTINE))]
    for key, fields in (("voice", definitions.VOICE), ("music", definitions.MUSIC),
                        ("defaults", definitions.DEFAULTS), ("phrases", definitions.PHRASES)):
        if isinstance(document.get(key), dict):
            found.append((document[key], tuple(fields)))
    items = document.get("exercises")
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and ("name" in item or "use" in item):
            found.append((item, tuple(definitions.EXERCISE)))
            for step in item.get("steps", []) if isinstance(item.get("steps"), list) else []:
                if isinstance(step, dict):
                    found.append((step, tuple(definitions.STEP)))
    return found


BASE = {"title": "T", "voice": {"engine": "piper"}, "defaults": {"rest": 5},
        "phrases": {"end": "Relax"}, "music": {"file": "calm.ogg"},
        "exercises": [{"name": "A", "hold": 10, "sides": "both"},
                      {"name": "B", "steps": [{"say": "Press", "hold": 2}]},
                      {"use": "heel-press"}, {"rest": 10}]}


@SETTINGS
@given(st.data())
def test_what_the_schema_refuses_validate_refuses_and_what_validate_accepts_the_schema_accepts(data):
    document = json.loads(json.dumps(BASE))
    for _ in range(data.draw(st.integers(1, 3))):
        mapping, names = data.draw(st.sampled_from(_mappings(document)))
        key = data.draw(st.one_of(st.sampled_from(names), st.sampled_from(["durration", "hodl", "x"])))
        mapping[key] = data.draw(_value())
    if "music" in document:
        document.pop("music")  # validate opens the music file; the schema cannot
    text = yaml.safe_dump(document, allow_unicode=True)
    problems = validate_problems(text)
    errors = schema_errors(yaml.safe_load(text))
    if errors:
        assert problems, f"the schema refuses {errors} but validate accepts"
    if not problems:
        assert not errors


# -- `new` and the README ---------------------------------------------------------------------

def test_new_writes_the_modeline_and_the_schema_beside_the_routine(tmp_path):
    target = tmp_path / "Füße & knees.yaml"
    result = CliRunner().invoke(app, ["new", str(target), "--from", "heel-press,childs-pose"])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert text.splitlines()[0] == f"# yaml-language-server: $schema={SCHEMA_FILE}"
    schema = json.loads((tmp_path / SCHEMA_FILE).read_text(encoding="utf-8"))
    assert schema == SCHEMA
    assert list(Draft7Validator(schema).iter_errors(yaml.safe_load(text))) == []
    assert validate_problems(text, str(target)) == []
    # a second routine in the same folder refreshes the schema and names it the same way
    (tmp_path / SCHEMA_FILE).write_text('{"title": "audiocoach routine"}', encoding="utf-8")  # an older one
    again = CliRunner().invoke(app, ["new", str(tmp_path / "second.yaml"), "--from", "heel-press"])
    assert again.exit_code == 0, again.output
    assert json.loads((tmp_path / SCHEMA_FILE).read_text(encoding="utf-8")) == SCHEMA


@pytest.mark.parametrize("document", ["README.md", "docs/routine-format.md"])
def test_the_readme_field_table_is_the_one_the_definitions_make(document):
    readme = (ROOT / document).read_text(encoding="utf-8")
    table = re.search(r"<!-- exercise fields: .*? -->\n(.*?)<!-- end of exercise fields -->", readme,
                      re.S)
    assert table, f"{document} has no generated exercise field table"
    assert table.group(1) == field_table(), "run `python scripts/field_table.py` to update it"


def test_a_field_added_to_the_definitions_is_in_the_schema_validate_and_the_table(monkeypatch):
    monkeypatch.setitem(definitions.EXERCISE, "volume", Field(Count(0, 10), "how loud it is", 5))
    exercise = json_schema()["properties"]["exercises"]["items"]["anyOf"][0]["properties"]
    assert exercise["volume"] == {"description": "how loud it is", "type": "integer", "minimum": 0,
                                  "maximum": 10, "default": 5}
    defaults = json_schema()["properties"]["defaults"]["properties"]
    assert "volume" in defaults
    assert "| `volume` | how loud it is | `5` |" in field_table()
    text = "title: T\nexercises:\n  - name: A\n    hold: 10\n    volume: 20\n  - name: B\n    hold: 10\n    volme: 3\n"
    assert validate_problems(text) == [
        "routine.yaml:5:13: exercises[0].volume: 20 is out of range (use 0 to 10)",
        "routine.yaml:8:5: exercises[1].volme: unknown field `volme` (did you mean `volume`?)"]


@pytest.mark.parametrize("text, message", [
    ("title: T\ndefaults:\n  hold: 0\nexercises:\n  - name: A\n    hold: 10\n",
     "routine.yaml:3:9: defaults.hold: a hold of 0 s is too short (a hold must be at least 1s)"),
    ("title: T\nexercises:\n  - name: A\n    hold: 10\n    tips:\n",
     "routine.yaml:5:10: exercises[0].tips: expected a list of sentences, got empty (write a list "
     "of sentences)"),
    ("title: T\ndefaults:\n  steps:\nexercises:\n  - name: A\n    hold: 10\n",
     "routine.yaml:3:9: defaults.steps: expected a list of steps, got empty"),
])
def test_validate_refuses_what_the_schema_refuses_even_where_nothing_would_use_it(text, message):
    """A default every exercise overrides and a field left empty are still mistakes."""
    assert schema_errors(yaml.safe_load(text))
    assert any(problem.startswith(message) for problem in validate_problems(text)), \
        validate_problems(text)


# -- the editor itself --------------------------------------------------------------------------

def _editor_diagnostics(routine: Path) -> list[str]:
    """What yaml-language-server (VS Code's YAML extension runs it) marks in a routine, as
    `line:col: message`, the way the editor opens it: by its modeline, offline."""
    server = subprocess.Popen([shutil.which("yaml-language-server"), "--stdio"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def send(message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        server.stdin.flush()

    def receive() -> dict:
        length = 0
        while (line := server.stdout.readline().strip()):
            name, _, value = line.decode().partition(":")
            length = int(value) if name.lower() == "content-length" else length
        message = json.loads(server.stdout.read(length))
        if "id" in message and "method" in message:  # a request of the server's: settings
            send({"id": message["id"], "result": [{"validate": True, "schemaStore": {"enable": False}}]
                  * len(message.get("params", {}).get("items", [None]))})
        return message

    try:
        send({"id": 1, "method": "initialize", "params": {
            "processId": None, "rootUri": routine.parent.as_uri(),
            "capabilities": {"workspace": {"configuration": True}}}})
        while receive().get("id") != 1:
            pass
        send({"method": "initialized", "params": {}})
        send({"method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": routine.as_uri(), "languageId": "yaml", "version": 1,
            "text": routine.read_text(encoding="utf-8")}}})
        while True:
            message = receive()
            if message.get("method") == "textDocument/publishDiagnostics":
                return [f"{d['range']['start']['line'] + 1}:{d['range']['start']['character'] + 1}: "
                        f"{d['message']}" for d in message["params"]["diagnostics"]]
    finally:
        server.kill()
        server.wait()


@pytest.mark.skipif(shutil.which("yaml-language-server") is None,
                    reason="yaml-language-server is not installed (npm install -g yaml-language-server)")
def test_an_editor_marks_each_mistake_new_s_routine_gets_wrong(tmp_path):
    target = tmp_path / "evening stretch.yaml"
    assert CliRunner().invoke(app, ["new", str(target), "--from", "heel-press"]).exit_code == 0
    assert _editor_diagnostics(target) == []
    text = target.read_text(encoding="utf-8").replace("- use: heel-press", "- use: heel-pres")
    target.write_text(text.replace("exercises:\n", "exercises:\n" + textwrap.dedent("""\
        - name: Calf
          hold: 30 secs
          sidse: both
          reps: three
          rest: 20000
        - rest: 10
          say: Drink
        """)), encoding="utf-8")
    lines = target.read_text(encoding="utf-8").splitlines()
    # where each mistake's value (or, for an unknown field, its key) begins
    at = {word: f"{i + 1}:{line.index(word.partition(': ')[2] or word) + 1}" for word in
          ("use: heel-pres", "hold: 30 secs", "sidse", "reps: three", "rest: 20000")
          for i, line in enumerate(lines) if word in line}
    found = _editor_diagnostics(target)
    assert f"{at['use: heel-pres']}: Value is not accepted. Valid values: \"seated-setup\"" in \
        " ".join(found)
    for expected in (f"{at['hold: 30 secs']}: not a duration: write seconds, or e.g. 30s, 1m30s, 2 min",
                     f"{at['sidse']}: Property sidse is not allowed.",
                     f"{at['reps: three']}: Incorrect type. Expected \"integer\".",
                     f"{at['rest: 20000']}: Value is above the maximum of 14400."):
        assert expected in found, found
    assert len(validate_problems(target)) == 5

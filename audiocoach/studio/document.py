"""The routine file as a round-trip YAML document: an edit changes only the lines it must.

The page sends the routine as a plain mapping; `merge` carries it into the document the studio
opened, changing only the values that differ, so that comments, key order and quoting of
everything else stay as the file had them.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from audiocoach.errors import AudiocoachError, Problem
from audiocoach.files import write_atomically
from audiocoach.routine.load import MAX_FILE_BYTES, _not_utf8, load_text

NEW_ROUTINE = {"title": "My routine", "exercises": []}


def _yaml(text: str = "") -> YAML:
    """A round-trip reader and writer that indents as `text` does (audiocoach's own style, two
    spaces and list dashes indented, for a new file)."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.allow_unicode = True
    yaml.width = 4096  # a long instruction stays on its line, as the file had it
    yaml.indent(**_indents(text))
    return yaml


def _indents(text: str) -> dict[str, int]:
    """How far `text` indents a mapping inside a mapping, and a list and its dashes."""
    mapping, sequence, offset = 2, 4, 2
    lines = [line for line in text.splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    for above, below in zip(lines, lines[1:]):
        outer = len(above) - len(above.lstrip())
        inner = len(below) - len(below.lstrip())
        if above.rstrip().endswith(":") and inner > outer:
            if below.lstrip().startswith("- "):
                offset = inner - outer
                after_dash = len(below.lstrip()[1:]) - len(below.lstrip()[1:].lstrip())
                sequence = offset + 1 + after_dash
            else:
                mapping = inner - outer
        elif above.rstrip().endswith(":") and inner == outer and below.lstrip().startswith("- "):
            offset = 0
            after_dash = len(below.lstrip()[1:]) - len(below.lstrip()[1:].lstrip())
            sequence = 1 + after_dash
    return {"mapping": mapping, "sequence": max(sequence, offset + 2), "offset": offset}


def parse(text: str, file: str) -> Any:
    """The round-trip document of `text`; a file that is not YAML raises the problems `validate`
    reports for it (same words, line and column)."""
    load_text(text, file)  # audiocoach's own reader says what is wrong, and where
    try:
        return _yaml(text).load(text)
    except (MarkedYAMLError, YAMLError) as error:  # what PyYAML reads, ruamel.yaml may not
        mark = getattr(error, "problem_mark", None)
        raise AudiocoachError(Problem(
            f"not valid YAML: {getattr(error, 'problem', None) or error}",
            "check the indentation, brackets and quotes", file,
            mark.line + 1 if mark else None, mark.column + 1 if mark else None)) from None


def dump(document: Any, like: str = "") -> str:
    """The document's text, indented as the text `like` is."""
    out = io.StringIO()
    _yaml(like).dump(document, out)
    return out.getvalue()


def plain(value: Any) -> Any:
    """A document's value as JSON can carry it: dicts, lists, text, numbers, true/false, null."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


def merge(document: Any, wanted: Any) -> Any:
    """`wanted` (plain data) carried into `document`, reusing every part that is unchanged.

    Returns the merged value: the same object where it could be updated in place."""
    if isinstance(document, CommentedMap) and isinstance(wanted, dict):
        for key in [key for key in document if key not in wanted]:
            del document[key]
        for position, (key, value) in enumerate(wanted.items()):
            if key in document:
                document[key] = merge(document[key], value)
            else:
                document.insert(min(position, len(document)), key, _fresh(value))
        return document
    if isinstance(document, CommentedSeq) and isinstance(wanted, list):
        return _merge_list(document, wanted)
    if _same_scalar(document, wanted):
        return document  # keeps its quoting and number style
    return _fresh(wanted)


def _merge_list(document: CommentedSeq, wanted: list) -> CommentedSeq:
    """Items matched first by equal content (a moved item keeps its comments), then by place."""
    old = list(document)
    unused = list(range(len(old)))
    chosen: list[int | None] = []
    for item in wanted:
        match = next((i for i in unused if plain(old[i]) == item), None)
        if match is not None:
            unused.remove(match)
        chosen.append(match)
    for index, item in enumerate(wanted):  # then an item of the same name: an edited exercise
        name = item.get("name") if isinstance(item, dict) else None
        match = next((i for i in unused if name is not None and isinstance(old[i], dict)
                      and old[i].get("name") == name), None) if chosen[index] is None else None
        if match is not None:
            unused.remove(match)
            chosen[index] = match
    for index, match in enumerate(chosen):
        if match is None and index in unused and index < len(old):
            chosen[index] = index
            unused.remove(index)
    # comments stand after the item they follow, keyed by the item's place
    comments = {i: document.ca.items.get(i) for i in range(len(old))}
    merged = [merge(old[match], item) if match is not None else _fresh(item)
              for match, item in zip(chosen, wanted)]
    document.clear()
    document.ca.items.clear()
    for index, (match, item) in enumerate(zip(chosen, merged)):
        document.append(item)
        if match is not None and comments.get(match):
            document.ca.items[index] = comments[match]
    return document


def _same_scalar(old: Any, new: Any) -> bool:
    if isinstance(old, (dict, list)) or isinstance(new, (dict, list)):
        return False
    if isinstance(old, bool) or isinstance(new, bool):
        return isinstance(old, bool) and isinstance(new, bool) and bool(old) == new
    if old is None or new is None:
        return old is None and new is None
    if isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return type(plain(old)) is type(new) and plain(old) == new
    return isinstance(old, str) and isinstance(new, str) and str(old) == new


def _fresh(value: Any) -> Any:
    """New plain data as a document part, in the file's block style."""
    if isinstance(value, dict):
        made = CommentedMap()
        for key, item in value.items():
            made[key] = _fresh(item)
        return made
    if isinstance(value, list):
        return CommentedSeq(_fresh(item) for item in value)
    return value


class Document:
    """The studio's routine file: the text it was opened or last saved with, and where."""

    def __init__(self, path: Path):
        self.path = path
        self.text = self._read()

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    def _read(self) -> str:
        if not self.path.exists():
            return dump(_fresh(NEW_ROUTINE))
        if not self.path.is_file():
            raise AudiocoachError(Problem("is not a routine file", "name a .yaml file",
                                          str(self.path)))
        data = self.path.read_bytes()
        if len(data) > MAX_FILE_BYTES:  # the studio would save only what it shows
            raise AudiocoachError(Problem(f"the file is over {MAX_FILE_BYTES // 1000} kB",
                                          "split the routine", str(self.path)))
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:  # said as `validate` says it
            raise _not_utf8(data, error, str(self.path)) from None

    def base(self) -> Any:
        """A fresh round-trip copy of the file as opened or last saved, or None if it does not
        read as YAML (then an edit starts from the routine alone)."""
        try:
            return _yaml(self.text).load(self.text)
        except (YAMLError, ValueError):
            return None

    def with_routine(self, routine: Any) -> str:
        """The text the file would have with `routine` (plain data) as its content."""
        base = self.base()
        if not isinstance(base, CommentedMap):
            return dump(_fresh(routine))
        return dump(merge(base, routine), self.text)

    def edited(self, text: str) -> None:
        """Make `text`, typed in the page's YAML view, the base of the next edit, unsaved: a
        form's change then keeps the comments and layout typed there."""
        self.text = text

    def save(self, text: str) -> None:
        """Write `text` into the file atomically; it is the base of the next edit."""
        write_atomically(self.path, lambda temporary: temporary.write_text(text, encoding="utf-8"))
        self.text = text

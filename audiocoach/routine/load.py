"""Read a routine's YAML into plain data that remembers where every key and value stood.

Only YAML's standard tags are accepted and nothing is ever constructed from a tag, so a file
cannot run code. Aliases are expanded with a budget, so an alias bomb fails fast.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from audiocoach.errors import AudiocoachError, Problem

# A real routine has a few hundred nodes; a billion-laughs file expands to billions.
MAX_EXPANDED_NODES = 20_000
MAX_DEPTH = 20  # a routine nests four or five levels; PyYAML itself recurses per level
MAX_FILE_BYTES = 1_000_000

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}


@dataclass(frozen=True)
class Mark:
    """A 1-based line and column in the routine file."""

    line: int
    col: int


class MarkedDict(dict):
    """A mapping from the file: `key_marks[k]` and `value_marks[k]` say where each stood."""

    def __init__(self, mark: Mark):
        super().__init__()
        self.mark = mark
        self.key_marks: dict[str, Mark] = {}
        self.value_marks: dict[str, Mark] = {}


class MarkedList(list):
    """A sequence from the file: `marks[i]` says where item i stood."""

    def __init__(self, mark: Mark):
        super().__init__()
        self.mark = mark
        self.marks: list[Mark] = []


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


class _Converter:
    def __init__(self, file: str):
        self.file = file
        self.expanded = 0
        self.seen: set[int] = set()
        self.through_aliases = False  # whether a node was reached twice
        self.scalars = yaml.SafeLoader("")  # used only to turn standard scalars into values

    def fail(self, node: yaml.Node, message: str, fix: str) -> AudiocoachError:
        mark = _mark(node)
        return AudiocoachError(Problem(message, fix, self.file, mark.line, mark.col))

    def convert(self, node: yaml.Node) -> Any:
        self.expanded += 1
        self.through_aliases |= id(node) in self.seen
        self.seen.add(id(node))
        if self.expanded > MAX_EXPANDED_NODES:
            if self.through_aliases:
                raise self.fail(node, f"the file expands to more than {MAX_EXPANDED_NODES} values "
                                "through aliases", "write the values out, or use fewer nested aliases")
            raise self.fail(node, f"the file holds more than {MAX_EXPANDED_NODES} values",
                            "split it into several routines")
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != "tag:yaml.org,2002:seq":
                raise self._bad_tag(node)
            items = MarkedList(_mark(node))
            for child in node.value:
                items.append(self.convert(child))
                items.marks.append(_mark(child))
            return items
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value  # a date-like name stays text
        if node.tag not in _SCALAR_TAGS:
            raise self._bad_tag(node)
        try:
            return self.scalars.construct_object(node)
        except ValueError:  # Python reads no whole number of over 4300 digits
            raise self.fail(node, f"the number {node.value[:20]}... has {len(node.value)} digits",
                            "write a number of a sensible size") from None

    def mapping(self, node: yaml.MappingNode) -> MarkedDict:
        if node.tag != "tag:yaml.org,2002:map":
            raise self._bad_tag(node)
        result = MarkedDict(_mark(node))
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise self.fail(key_node, "merge keys (<<) are not supported", "write the fields out")
            key = self.convert(key_node)
            if not isinstance(key, str):
                raise self.fail(key_node, f"key {key!r} is not a name", "use a word such as `hold`")
            if key in result:
                raise self.fail(key_node, f"`{key}` is given twice", "keep one of them")
            result[key] = self.convert(value_node)
            result.key_marks[key] = _mark(key_node)
            result.value_marks[key] = _mark(value_node)
        return result

    def _bad_tag(self, node: yaml.Node) -> AudiocoachError:
        return self.fail(
            node,
            f"the tag {node.tag} is not allowed in a routine",
            "remove the tag; routines hold only plain text, numbers, lists and mappings",
        )


def _check_size(text: str, file: str) -> None:
    """Refuse deep nesting and too many values before composing, in one pass over the parser's
    events: PyYAML's composer recurses once per level, and builds every node before we see one.

    Values are counted in the order the converter counts them, so the file is refused at the
    value it would be refused at; values that aliases repeat are left to the converter."""
    depth = values = 0
    aliases = False
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise _refused(event, file, f"lists and mappings are nested more than {MAX_DEPTH} "
                               "levels deep", "a routine needs only a few levels: check the "
                               "brackets and indentation")
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1
        aliases |= isinstance(event, yaml.AliasEvent)
        if isinstance(event, (yaml.NodeEvent)) and not isinstance(event, yaml.AliasEvent):
            values += 1
            if values > MAX_EXPANDED_NODES and not aliases:
                raise _refused(event, file, f"the file holds more than {MAX_EXPANDED_NODES} values",
                               "split it into several routines")


def _refused(event: yaml.Event, file: str, message: str, fix: str) -> AudiocoachError:
    mark = event.start_mark
    return AudiocoachError(Problem(message, fix, file, mark.line + 1, mark.column + 1))


def _empty(file: str) -> Problem:
    return Problem("the file is empty", "start with `title:` and `exercises:`", file, 1, 1)


def _only_markers(text: str) -> bool:
    lines = (line.strip() for line in text.lstrip("\ufeff").splitlines())
    return all(not line or line.startswith("#") or line in ("---", "...") for line in lines)


def load_text(text: str, file: str) -> Any:
    """Parse routine text into MarkedDict/MarkedList/scalars; raise AudiocoachError if unreadable."""
    try:
        # Document markers alone (`---`, `...`) hold no routine; YAML calls a lone `...` an error.
        if _only_markers(text):
            raise AudiocoachError(_empty(file))
        _check_size(text, file)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        message = f"not valid YAML: {(error.problem or error.context or 'unreadable').strip()}"
        if error.context and error.context_mark and error.context_mark.line + 1 != line:
            message += f", {error.context} that starts at line {error.context_mark.line + 1}"
        raise AudiocoachError(
            Problem(message, "check the indentation, brackets and quotes", file, line, col)
        ) from None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        col = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        raise AudiocoachError(Problem(
            f"the character U+{error.character:04X} cannot be in a routine",
            "delete it; it may have come from a copy and paste", file, line, col)) from None
    except yaml.YAMLError as error:
        raise AudiocoachError(Problem(f"not valid YAML: {error}", "check the file", file, 1, 1)) from None
    if node is None:
        raise AudiocoachError(_empty(file))
    return _Converter(file).convert(node)


def _not_utf8(data: bytes, error: UnicodeDecodeError, file: str) -> AudiocoachError:
    """Where the first byte that is not UTF-8 stands, counted in characters as an editor does."""
    before = data[:error.start]
    line_start = before.rfind(b"\n") + 1
    line = before.count(b"\n") + 1
    col = len(before[line_start:].decode("utf-8", errors="replace")) + 1
    return AudiocoachError(Problem(
        f"the byte 0x{data[error.start]:02X} is not UTF-8 text",
        "save the file as UTF-8; it may have been saved as Latin-1 or Windows-1252", file, line, col))


def load_file(path: Path) -> Any:
    """Read and parse one routine file."""
    file = str(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(info.st_mode):  # reading a pipe or a device may wait for ever
            raise AudiocoachError(Problem("is not a regular file (a pipe, a device or a socket)",
                                          "name a .yaml file", file))
        if info.st_size > MAX_FILE_BYTES:
            raise AudiocoachError(
                Problem(f"the file is over {MAX_FILE_BYTES // 1000} kB", "split the routine", file)
            )
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise _not_utf8(data, error, file) from None
    except FileNotFoundError:
        raise AudiocoachError(
            Problem("no such file", "check the path, or run `audiocoach routines`", file)
        ) from None
    except IsADirectoryError:
        raise AudiocoachError(Problem("is a folder, not a routine file", "name a .yaml file", file)) from None
    except OSError as error:
        raise AudiocoachError(Problem(f"cannot be read: {error.strerror}", "check the path", file)) from None
    return load_text(text, file)

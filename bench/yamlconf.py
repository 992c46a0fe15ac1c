"""Load versioned YAML files (bench configs, device profiles) with errors naming file, line and field.

Every format carries ``format: <name>/<version>``; a file of another format or version is refused.
Validation uses a JSON Schema; the first error is reported with its dotted field path and the line
of that field in the file.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from bench.errors import ConfigError


def _node_to_python(node: yaml.Node, path: str, lines: dict[str, int], file: Path) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key in out:
                raise ConfigError("duplicate key", file=file, field=_join(path, key),
                                  line=key_node.start_mark.line + 1)
            out[key] = _node_to_python(value_node, _join(path, key), lines, file)
            lines[_join(path, key)] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_node_to_python(v, f"{path}[{i}]", lines, file) for i, v in enumerate(node.value)]
    return _construct_scalar(node)


def _construct_scalar(node: yaml.Node) -> Any:
    """Resolve a scalar as PyYAML's safe loader would; dates stay ISO strings."""
    loader = yaml.SafeLoader("")
    try:
        value = loader.construct_object(node, deep=True)
    finally:
        loader.dispose()
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return value


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


class LoadedYaml:
    """A parsed YAML document plus the line of every field (dotted path -> 1-based line)."""

    def __init__(self, file: Path, data: Any, lines: dict[str, int]) -> None:
        self.file = file
        self.data = data
        self.lines = lines

    def error(self, field: str, message: str) -> ConfigError:
        """A ConfigError naming this file, the field and its line (or its nearest parent's)."""
        probe = field
        line = None
        while probe:
            if probe in self.lines:
                line = self.lines[probe]
                break
            probe = probe.rsplit(".", 1)[0] if "." in probe else ""
        return ConfigError(message, file=self.file, field=field, line=line)


def load_yaml(file: str | Path) -> LoadedYaml:
    path = Path(file)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read file: {exc.strerror}", file=path) from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=path,
                          line=mark.line + 1 if mark else None) from exc
    if node is None:
        raise ConfigError("file is empty", file=path)
    lines: dict[str, int] = {}
    data = _node_to_python(node, "", lines, path)
    return LoadedYaml(path, data, lines)


def _field_of(error: jsonschema.ValidationError) -> str:
    parts = ""
    for p in error.absolute_path:
        parts = f"{parts}[{p}]" if isinstance(p, int) else _join(parts, p)
    if error.validator == "required":
        # name the missing field itself
        missing = error.message.split("'")[1] if "'" in error.message else ""
        return _join(parts, missing) if missing else parts
    if error.validator == "additionalProperties" and "'" in error.message:
        extra = error.message.split("'")[1]
        return _join(parts, extra)
    return parts


def validate(doc: LoadedYaml, schema: dict[str, Any], expected_format: str) -> None:
    """Check the ``format`` field, then the schema; raise ConfigError on the first problem."""
    data = doc.data
    if not isinstance(data, dict):
        raise ConfigError("top level must be a mapping", file=doc.file, line=1)
    fmt = data.get("format")
    if fmt != expected_format:
        raise doc.error("format", f"expected format '{expected_format}', found {fmt!r}")
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(list(e.absolute_path)), str(e.absolute_path)))
    if errors:
        err = errors[0]
        field = _field_of(err)
        message = err.message
        if err.validator == "required":
            message = "required field is missing"
        elif err.validator == "additionalProperties":
            message = "unknown field (check spelling)"
        raise doc.error(field or "(top level)", message)

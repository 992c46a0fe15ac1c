"""Load versioned YAML files (bench configs, device profiles) with errors naming file, line and field.

Every format carries ``format: <name>/<version>``; a file of another format or version is refused.
Validation uses a JSON Schema; the first error is reported with its dotted field path and the line
of that field in the file.
"""

from __future__ import annotations

import datetime as _dt
import math
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from bench.errors import ConfigError


MAX_FILE_BYTES = 1_000_000
"""Largest config or profile accepted (the reference files are a few KB)."""
MAX_NODES = 100_000
"""Most values a document may expand to, aliases counted each time they are used: a few hundred bytes
of nested aliases (a "billion laughs") would otherwise expand to gigabytes."""
MAX_DEPTH = 50
"""Deepest nesting accepted (the formats need fewer than ten levels)."""


class _Walk:
    """Turns a composed YAML node tree into Python values within the budgets above, recording the
    line of every field."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.lines: dict[str, int] = {}
        self.nodes = 0

    def value(self, node: yaml.Node, path: str, depth: int = 0) -> Any:
        line = node.start_mark.line + 1
        self.lines[path] = line
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ConfigError(f"document expands to more than {MAX_NODES} values (aliases counted each time "
                              f"they are used): refused", file=self.file, field=path or None, line=line)
        if depth > MAX_DEPTH:
            raise ConfigError(f"nested deeper than {MAX_DEPTH} levels: refused", file=self.file,
                              field=path or None, line=line)
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise ConfigError("a key must be a plain scalar, not a mapping or a list", file=self.file,
                                      field=path or None, line=key_node.start_mark.line + 1)
                key = key_node.value
                if key in out:
                    raise ConfigError("duplicate key", file=self.file, field=_join(path, key),
                                      line=key_node.start_mark.line + 1)
                out[key] = self.value(value_node, _join(path, key), depth + 1)
                self.lines[_join(path, key)] = key_node.start_mark.line + 1
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.value(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(node.value)]
        return self.scalar(node, path)

    def scalar(self, node: yaml.Node, path: str) -> Any:
        """Resolve a scalar as PyYAML's safe loader would; dates stay ISO strings; a value the
        loader cannot construct (``!!timestamp 2026-13-45``) or a NaN / infinity is refused."""
        loader = yaml.SafeLoader("")
        try:
            value = loader.construct_object(node, deep=True)
        except (ValueError, TypeError, OverflowError, yaml.YAMLError) as exc:
            raise ConfigError(f"cannot read value {node.value!r}: {exc}", file=self.file, field=path or None,
                              line=node.start_mark.line + 1) from None
        finally:
            loader.dispose()
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{node.value!r} is not a finite number", file=self.file, field=path or None,
                              line=node.start_mark.line + 1)
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
    """Parse ``file`` within the size, expansion and depth budgets; any problem is a ConfigError
    naming the file (and line and field where there is one)."""
    path = Path(file)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ConfigError(f"file larger than {MAX_FILE_BYTES} bytes: refused", file=path)
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read file: {exc.strerror}", file=path) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text (byte {exc.start}): a YAML file is expected", file=path) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise ConfigError(f"nested deeper than {MAX_DEPTH} levels: refused", file=path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=path,
                          line=mark.line + 1 if mark else None) from exc
    if node is None:
        raise ConfigError("file is empty", file=path)
    walk = _Walk(path)
    data = walk.value(node, "")
    return LoadedYaml(path, data, walk.lines)


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


def resolve_named_path(name_or_path: str | Path, folder: Path) -> Path:
    """A YAML file named by path or by its stem in ``folder`` (e.g. 'sim-pv-inverter' in
    device_profiles/): the path itself when it exists or ends in .yaml/.yml, else ``folder/<name>.yaml``
    when that exists, else the path as given (its loader then names the missing file)."""
    p = Path(name_or_path)
    if p.exists() or p.suffix in (".yaml", ".yml"):
        return p
    candidate = folder / f"{name_or_path}.yaml"
    return candidate if candidate.exists() else p

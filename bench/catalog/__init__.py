"""Requirement catalog: load, validate (JSON Schema + consistency), select per market, override.

A catalog file (``<device_class>.yaml`` next to this module, format ``flexbench-catalog/1``) holds one
entry per requirement with per-market parameter values and units, a confidence tag and a
market-independent ``decision`` section. See ``pv_inverter.yaml`` for the conventions.

Every problem is a :class:`~bench.errors.ConfigError` naming the file, the field (dotted path) and,
when known, the line.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import jsonschema
import yaml

from bench.errors import ConfigError

CATALOG_FORMAT = "flexbench-catalog/1"
CATALOG_DIR = Path(__file__).resolve().parent
SCHEMA_PATH = CATALOG_DIR / "schema.json"

ParamValue = float | int | str | bool | list[Any]

__all__ = ["CATALOG_FORMAT", "Catalog", "Parameter", "Requirement", "load_catalog",
           "load_catalog_file"]


@dataclass(frozen=True)
class Parameter:
    """One catalog parameter: unit, per-market values, per-market confidence."""

    name: str
    unit: str
    values: Mapping[str, ParamValue]
    confidence: Mapping[str, str]
    settable_by: str | None = None
    note: str | None = None
    overridden_markets: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Requirement:
    id: str
    title: str
    source: str
    clause: str | None
    device_classes: tuple[str, ...]
    mandatory: bool
    confidence: str
    decision: Mapping[str, Any]
    parameters: Mapping[str, Parameter]
    markets: tuple[str, ...]
    note: str | None = None
    references: tuple[Mapping[str, Any], ...] = ()

    def _parameter(self, name: str) -> Parameter:
        try:
            return self.parameters[name]
        except KeyError:
            raise ConfigError(f"requirement {self.id} has no parameter '{name}' "
                              f"(known: {', '.join(sorted(self.parameters))})",
                              field=f"{self.id}.{name}") from None

    def _market(self, market: str) -> str:
        m = market.upper()
        if m not in self.markets:
            raise ConfigError(f"unknown market '{market}' (catalog markets: {', '.join(self.markets)})",
                              field="market")
        return m

    def param(self, name: str, market: str) -> ParamValue:
        """The parameter's value for ``market`` (a copy: lists may be mutated by the caller)."""
        return copy.deepcopy(self._parameter(name).values[self._market(market)])

    def unit(self, name: str) -> str:
        return self._parameter(name).unit

    def param_confidence(self, name: str, market: str) -> str:
        return self._parameter(name).confidence[self._market(market)]

    def param_names(self) -> list[str]:
        return list(self.parameters)

    def for_market(self, market: str) -> dict[str, Any]:
        """Serialisable selection: {id,title,source,clause,references,mandatory,confidence,parameters}."""
        m = self._market(market)
        return {
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "clause": self.clause,
            "references": [dict(r) for r in self.references],
            "mandatory": self.mandatory,
            "confidence": self.confidence,
            "parameters": {name: {"value": copy.deepcopy(p.values[m]), "unit": p.unit}
                           for name, p in self.parameters.items()},
        }


@dataclass(frozen=True)
class Catalog:
    name: str
    version: str
    device_class: str
    markets: tuple[str, ...]
    nominal: Mapping[str, float]
    requirements: Mapping[str, Requirement]
    file: str
    overrides: Mapping[str, Any] = field(default_factory=dict)

    def ids(self) -> list[str]:
        return list(self.requirements)

    def requirement(self, requirement_id: str) -> Requirement:
        try:
            return self.requirements[requirement_id]
        except KeyError:
            raise ConfigError(f"unknown requirement id '{requirement_id}'", file=self.file,
                              field=requirement_id) from None

    def check_market(self, market: str) -> str:
        m = market.upper()
        if m not in self.markets:
            raise ConfigError(f"unknown market '{market}' (catalog {self.name} has "
                              f"{', '.join(self.markets)})", file=self.file, field="market")
        return m

    def for_market(self, market: str) -> list[dict[str, Any]]:
        """The requirement set for ``market`` in the record's campaign_start.catalog shape."""
        m = self.check_market(market)
        return [r.for_market(m) for r in self.requirements.values()]

    def overridden(self, overrides: Mapping[str, Any]) -> "Catalog":
        """A new catalog with lab overrides applied.

        ``overrides``: ``{requirement_id: {parameter: value}}`` (the value applies to every market)
        or ``{requirement_id: {parameter: {market: value}}}``. The value must have the same kind
        (number / text / bool / list) as the catalog's. Unknown id, parameter or market ->
        ConfigError naming it. The applied overrides accumulate in ``.overrides``.
        """
        if not isinstance(overrides, Mapping):
            raise ConfigError("catalog overrides must be a mapping {requirement_id: {parameter: value}}",
                              field="catalog_overrides")
        reqs = dict(self.requirements)
        applied: dict[str, Any] = copy.deepcopy(dict(self.overrides))
        for rid, params in overrides.items():
            where = f"catalog_overrides.{rid}"
            if rid not in reqs:
                raise ConfigError(f"unknown requirement id '{rid}'", field=where)
            if not isinstance(params, Mapping):
                raise ConfigError("must be a mapping {parameter: value}", field=where)
            req = reqs[rid]
            new_params = dict(req.parameters)
            for pname, raw in params.items():
                pwhere = f"{where}.{pname}"
                if pname not in new_params:
                    raise ConfigError(f"requirement {rid} has no parameter '{pname}' (known: "
                                      f"{', '.join(sorted(new_params))})", field=pwhere)
                p = new_params[pname]
                if isinstance(raw, Mapping):
                    per_market = {}
                    for mk, v in raw.items():
                        if str(mk).upper() not in self.markets:
                            raise ConfigError(f"unknown market '{mk}' (catalog markets: "
                                              f"{', '.join(self.markets)})", field=f"{pwhere}.{mk}")
                        per_market[str(mk).upper()] = v
                else:
                    per_market = dict.fromkeys(self.markets, raw)
                values = dict(p.values)
                for mk, v in per_market.items():
                    _check_same_kind(values[mk], v, pwhere)
                    values[mk] = copy.deepcopy(v)
                new_params[pname] = Parameter(
                    name=p.name, unit=p.unit, values=values, confidence=p.confidence,
                    settable_by=p.settable_by, note=p.note,
                    overridden_markets=p.overridden_markets | frozenset(per_market))
                applied.setdefault(rid, {})[pname] = copy.deepcopy(per_market)
            reqs[rid] = Requirement(**{**req.__dict__, "parameters": new_params})
        return Catalog(name=self.name, version=self.version, device_class=self.device_class,
                       markets=self.markets, nominal=self.nominal, requirements=reqs,
                       file=self.file, overrides=applied)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "list"
    return type(value).__name__


def _check_same_kind(old: Any, new: Any, where: str) -> None:
    if _kind(old) != _kind(new):
        raise ConfigError(f"override must be a {_kind(old)} like the catalog value {old!r}, "
                          f"got {new!r}", field=where)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _line_of(text: str, path: list[Any]) -> int | None:
    """1-based line of the YAML node at ``path`` (deepest existing node) in the catalog ``text``
    (composed here, only when an error needs a line)."""
    node: yaml.Node | None = yaml.compose(text, Loader=yaml.SafeLoader)
    line = node.start_mark.line + 1 if node is not None else None
    for key in path:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for k, v in node.value:
                if k.value == str(key):
                    nxt = v
                    line = k.start_mark.line + 1
                    break
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            break
        if node is None:
            break
    return line


def _dotted(data: Any, path: list[Any]) -> str:
    """Dotted path, naming list items by their requirement id when they have one."""
    parts: list[str] = []
    node = data
    for key in path:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            item = node[key]
            rid = item.get("id") if isinstance(item, dict) else None
            parts.append(str(rid) if isinstance(rid, str) else f"[{key}]")
            node = item
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts)


_SCHEMA_VALID: set[bytes] = set()
"""SHA-256 of the catalog texts this process found valid against the schema: the same text is not
validated again (most of a load's time; a campaign loads its catalog several times)."""


def load_catalog_file(path: str | Path) -> Catalog:
    """Load and validate one catalog file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read catalog: {exc}", file=path) from None
    try:
        data = yaml.load(text, Loader=_LOADER)   # noqa: S506 - a safe loader (libyaml's when present)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=path,
                          line=mark.line + 1 if mark else None) from None
    if not isinstance(data, dict):
        raise ConfigError("catalog must be a mapping", file=path)
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    if digest not in _SCHEMA_VALID:
        validator = jsonschema.Draft202012Validator(_schema())
        errors = sorted(validator.iter_errors(data),
                        key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
        if errors:
            err = jsonschema.exceptions.best_match(errors)
            p = list(err.absolute_path)
            raise ConfigError(err.message, file=path, field=_dotted(data, p) or "<root>",
                              line=_line_of(text, p))
        _SCHEMA_VALID.add(digest)
    return _build(data, path, text)


def _build(data: dict[str, Any], path: Path, text: str) -> Catalog:
    markets = tuple(data["markets"])
    reqs: dict[str, Requirement] = {}
    for i, r in enumerate(data["requirements"]):
        rid = r["id"]
        if rid in reqs:
            raise ConfigError(f"duplicate requirement id '{rid}'", file=path, field=f"requirements.{rid}.id",
                              line=_line_of(text, ["requirements", i, "id"]))
        params: dict[str, Parameter] = {}
        for pname, p in r["parameters"].items():
            ppath = ["requirements", i, "parameters", pname]
            missing = [m for m in markets if m not in p["values"]]
            extra = [m for m in p["values"] if m not in markets]
            if missing or extra:
                what = (f"missing value for market(s) {', '.join(missing)}" if missing
                        else f"value for unknown market(s) {', '.join(extra)}")
                raise ConfigError(what, file=path, field=f"requirements.{rid}.parameters.{pname}.values",
                                  line=_line_of(text, ppath + ["values"]))
            kinds = {m: _kind(v) for m, v in p["values"].items()}
            if len(set(kinds.values())) > 1:
                raise ConfigError("market values differ in kind: " + ", ".join(
                    f"{m} {k}" for m, k in kinds.items()), file=path,
                    field=f"requirements.{rid}.parameters.{pname}.values",
                    line=_line_of(text, ppath + ["values"]))
            conf = p["confidence"]
            if isinstance(conf, str):
                conf_map = dict.fromkeys(markets, conf)
            else:
                unknown = [m for m in conf if m not in markets]
                lacking = [m for m in markets if m not in conf]
                if unknown or lacking:
                    raise ConfigError(f"per-market confidence must name exactly {', '.join(markets)}",
                                      file=path, field=f"requirements.{rid}.parameters.{pname}.confidence",
                                      line=_line_of(text, ppath + ["confidence"]))
                conf_map = dict(conf)
            params[pname] = Parameter(name=pname, unit=p["unit"], values=dict(p["values"]),
                                      confidence=conf_map, settable_by=p.get("settable_by"),
                                      note=p.get("note"))
        if r["confidence"] != "unverified" and any(
                "unverified" in p.confidence.values() for p in params.values()):
            raise ConfigError("requirement has unverified parameters, so its confidence must be "
                              "'unverified'", file=path, field=f"requirements.{rid}.confidence",
                              line=_line_of(text, ["requirements", i, "confidence"]))
        for key in ("limit_param", "tolerance_param", "threshold_margin_param"):
            ref = r["decision"].get(key)
            if ref is not None and ref not in params:
                raise ConfigError(f"decision.{key} names unknown parameter '{ref}'", file=path,
                                  field=f"requirements.{rid}.decision.{key}",
                                  line=_line_of(text, ["requirements", i, "decision", key]))
        reqs[rid] = Requirement(
            id=rid, title=r["title"], source=r["source"], clause=r["clause"],
            device_classes=tuple(r["device_classes"]), mandatory=r["mandatory"],
            confidence=r["confidence"], decision=copy.deepcopy(r["decision"]),
            parameters=params, markets=markets, note=r.get("note"),
            references=tuple(dict(x) for x in r.get("references") or ()))
    return Catalog(name=data["name"], version=data["version"], device_class=data["device_class"],
                   markets=markets, nominal=dict(data.get("nominal", {})), requirements=reqs,
                   file=str(path))


def load_catalog(device_class: str = "pv_inverter") -> Catalog:
    """Load the shipped catalog for ``device_class`` (``bench/catalog/<device_class>.yaml``)."""
    path = CATALOG_DIR / f"{device_class}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in CATALOG_DIR.glob("*.yaml"))
        raise ConfigError(f"no requirement catalog for device class '{device_class}' "
                          f"(available: {', '.join(known)})", field="device_class")
    return load_catalog_file(path)

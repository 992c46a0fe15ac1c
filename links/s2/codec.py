"""S2 JSON frames <-> s2-python 0.11.1 message models, with verdict-safe validation.

Every text frame is validated the way s2-python's own connection does it
(``S2Parser.parse_as_any_message``). s2-python is stricter than the S2 JSON schema in two known
ways, and the bench must not turn a library quirk into a DUT FAIL (DESIGN principle 5):

* its wrapper classes type every ``ID`` as a UUID, while the schema's ``ID`` is any
  ``[a-zA-Z0-9\\-_:]{2,64}`` string;
* its ``DDBCOperationMode`` wants an ``id`` next to the schema's ``Id`` and a *list* as
  ``supply_range`` (the schema has one NumberRange).

So a frame the wrapper rejects is checked against s2-python's generated, schema-faithful models
(``s2python.generated.gen_s2``). If those accept it, the frame is schema-valid: the known quirks are
bridged (non-UUID ids replaced by name-based UUIDs, ``Id`` copied to ``id``, the range wrapped in a
list) so s2-python's rule validators (e.g. at most one PowerValue per CommodityQuantity) still run,
and only a broken *rule* is reported. Ids are always read from the raw JSON, never from the
bridged model.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from s2python.common import ReceptionStatus, ReceptionStatusValues
from s2python.generated import gen_s2
from s2python.s2_parser import TYPE_TO_MESSAGE_CLASS, S2Parser
from s2python.s2_validation_error import S2ValidationError

#: ReceptionStatus subject for a frame whose message_id could not be read (s2-python's convention).
NIL_ID = "00000000-0000-0000-0000-000000000000"

#: Short names used in profiles and suites -> S2 ControlType (EN 50491-12-2 §"Control types").
CONTROL_TYPES: dict[str, str] = {
    "PEBC": "POWER_ENVELOPE_BASED_CONTROL",
    "PPBC": "POWER_PROFILE_BASED_CONTROL",
    "OMBC": "OPERATION_MODE_BASED_CONTROL",
    "FRBC": "FILL_RATE_BASED_CONTROL",
    "DDBC": "DEMAND_DRIVEN_BASED_CONTROL",
    "NOT_CONTROLABLE": "NOT_CONTROLABLE",
    "NO_SELECTION": "NO_SELECTION",
}
_SHORT = {full: short for short, full in CONTROL_TYPES.items()}

#: Messages only a CEM sends; from an RM they are out of order.
CEM_ONLY_TYPES = frozenset({"HandshakeResponse", "SelectControlType", "PEBC.Instruction",
                            "PPBC.ScheduleInstruction", "PPBC.StartInterruptionInstruction",
                            "PPBC.EndInterruptionInstruction", "OMBC.Instruction",
                            "FRBC.Instruction", "DDBC.Instruction"})

_ID_NAMESPACE = uuid.UUID("6c0f2a8e-3f5b-4d1e-9a57-2f1c5e0b7d42")
_BRIDGEABLE = {"uuid_parsing", "uuid_type", "uuid_version", "missing", "list_type"}
_RULE_ERRORS = {"value_error", "assertion_error"}


def control_type_name(name: str) -> str:
    """The S2 ControlType for a short ("PEBC") or full ("POWER_ENVELOPE_BASED_CONTROL") name."""
    key = name.strip().upper()
    if key in CONTROL_TYPES:
        return CONTROL_TYPES[key]
    if key in _SHORT:
        return key
    raise ValueError(f"unknown S2 control type {name!r}; expected one of {', '.join(CONTROL_TYPES)}")


def control_type_short(full_name: str) -> str:
    """"POWER_ENVELOPE_BASED_CONTROL" -> "PEBC" (unknown names are returned unchanged)."""
    return _SHORT.get(full_name, full_name)


def control_type_of(message_type: str) -> str | None:
    """The full ControlType a message type belongs to ("PEBC.PowerConstraints" -> PEBC), or None."""
    prefix, dot, _ = message_type.partition(".")
    return CONTROL_TYPES.get(prefix) if dot else None


def id_key(value: str) -> str:
    """Compare ids the way S2 means them: a UUID in any spelling is the same id."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value


def name_uuid(name: str) -> uuid.UUID:
    """A stable UUID for a non-UUID S2 id (used only to run s2-python's validators)."""
    return uuid.uuid5(_ID_NAMESPACE, name)


@dataclass(frozen=True)
class ParsedFrame:
    """One frame after validation. ``problem`` is None for a valid S2 message; otherwise it says
    why not and ``reply_status`` is the ReceptionStatus to answer with (INVALID_DATA when the frame
    is not JSON or has no usable message_id, INVALID_MESSAGE when it breaks the schema or a rule)."""

    message_type: str | None
    message_id: str | None
    raw: dict[str, Any] | None
    model: BaseModel | None
    problem: str | None = None
    reply_status: str | None = None


def _error_text(error: Any) -> str:
    """pydantic's message, or for s2-python's ``ValueError(model, text)`` rule errors just the text."""
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, ValueError) and cause.args and isinstance(cause.args[-1], str):
        return str(cause.args[-1])
    return str(error["msg"])


def _error_summary(errors: list[Any], limit: int = 4) -> str:
    parts = [f"{'.'.join(str(p) for p in e['loc']) or '<message>'}: {_error_text(e)}"
             for e in errors[:limit]]
    more = f" (+{len(errors) - limit} more)" if len(errors) > limit else ""
    return "; ".join(parts) + more


def _pydantic_errors(error: S2ValidationError) -> list[Any]:
    cause = error.__cause__
    if isinstance(cause, ValidationError):
        return list(cause.errors())
    return [{"loc": (), "msg": str(cause or error.msg), "type": "value_error"}]


def generated_class(message_type: str) -> type[BaseModel]:
    cls = TYPE_TO_MESSAGE_CLASS[message_type]
    return next(b for b in cls.__mro__ if b.__module__ == gen_s2.__name__)


def _bridge(data: dict[str, Any], errors: list[Any]) -> bool:
    """Apply the known s2-python quirk fixes in place; False if an error is not one of them."""
    for error in errors:
        *parent_loc, key = error["loc"]
        parent: Any = data
        for part in parent_loc:
            parent = parent[part]
        kind = error["type"]
        if kind in ("uuid_parsing", "uuid_type", "uuid_version"):
            parent[key] = str(name_uuid(str(parent[key])))
        elif kind == "missing" and key == "id" and isinstance(parent, dict) and "Id" in parent:
            parent["id"] = parent["Id"]
        elif kind == "list_type" and key == "supply_range" and isinstance(parent[key], dict):
            parent[key] = [parent[key]]
        else:
            return False
    return True


def parse_frame(frame: str | bytes) -> ParsedFrame:
    """Validate one WebSocket frame as an S2 message (see the module docstring)."""
    try:
        raw = json.loads(frame)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return ParsedFrame(None, None, None, None, f"not valid JSON: {error}", "INVALID_DATA")
    if not isinstance(raw, dict):
        return ParsedFrame(None, None, None, None, "JSON is not an object", "INVALID_DATA")
    message_type = raw.get("message_type")
    raw_id = raw.get("message_id", raw.get("subject_message_id"))
    message_id = raw_id if isinstance(raw_id, str) and raw_id else None
    if not isinstance(message_type, str) or message_type not in TYPE_TO_MESSAGE_CLASS:
        return ParsedFrame(message_type if isinstance(message_type, str) else None, message_id, raw,
                           None, f"unknown message_type {message_type!r}",
                           "INVALID_MESSAGE" if message_id else "INVALID_DATA")
    try:
        return ParsedFrame(message_type, message_id, raw, S2Parser.parse_as_any_message(raw))
    except S2ValidationError as error:
        wrapper_errors = _pydantic_errors(error)

    def invalid(reason: str) -> ParsedFrame:
        return ParsedFrame(message_type, message_id, raw, None, reason,
                           "INVALID_MESSAGE" if message_id else "INVALID_DATA")

    try:
        schema_model = generated_class(message_type).model_validate(raw)
    except ValidationError as schema_error:
        return invalid(f"{message_type} breaks the S2 schema: {_error_summary(schema_error.errors())}")
    data, errors = copy.deepcopy(raw), wrapper_errors
    for _ in range(4):
        if any(e["type"] in _RULE_ERRORS for e in errors):
            rules = [e for e in errors if e["type"] in _RULE_ERRORS]
            return invalid(f"{message_type} breaks an S2 rule: {_error_summary(rules)}")
        if not all(e["type"] in _BRIDGEABLE for e in errors) or not _bridge(data, errors):
            break
        try:
            return ParsedFrame(message_type, message_id, raw, S2Parser.parse_as_any_message(data))
        except S2ValidationError as error:
            errors = _pydantic_errors(error)
    return ParsedFrame(message_type, message_id, raw, schema_model)


def reception_status_json(subject_message_id: str, status: str, diagnostic_label: str | None = None) -> str:
    """A ReceptionStatus frame; s2-python's class when the subject is a UUID, else the schema model."""
    value = ReceptionStatusValues(status)
    try:
        subject = uuid.UUID(subject_message_id)
    except ValueError:
        generated = gen_s2.ReceptionStatus(subject_message_id=gen_s2.ID(subject_message_id),
                                           status=value, diagnostic_label=diagnostic_label)
        return generated.model_dump_json(by_alias=True, exclude_none=True)
    return ReceptionStatus(subject_message_id=subject, status=value,
                           diagnostic_label=diagnostic_label).to_json()


__all__ = ["NIL_ID", "CONTROL_TYPES", "CEM_ONLY_TYPES", "ParsedFrame", "parse_frame",
           "generated_class", "control_type_name", "control_type_short", "control_type_of",
           "id_key", "name_uuid", "reception_status_json"]

"""The messages the bench sends as CEM, built with s2-python 0.11.1's message classes.

Each builder returns ``(message_id, json_text)``. Ids the RM chose (power constraints, actuators,
operation modes) are sent back exactly as received; when one is not a UUID (allowed by the S2
schema, refused by s2-python's wrapper classes) the message is built with s2-python's generated,
schema-faithful class instead (see links/s2/codec.py).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from s2python.common import Handshake, HandshakeResponse, SelectControlType
from s2python.common import CommodityQuantity, EnergyManagementRole
from s2python.ddbc import DDBCInstruction
from s2python.frbc import FRBCInstruction
from s2python.pebc import PEBCInstruction
from s2python.s2_validation_error import S2ValidationError

from links.s2.codec import control_type_name, generated_class

ELECTRIC_POWER_QUANTITIES = ("ELECTRIC.POWER.L1", "ELECTRIC.POWER.L2", "ELECTRIC.POWER.L3",
                             "ELECTRIC.POWER.3_PHASE_SYMMETRIC")


@dataclass(frozen=True)
class EnvelopeElement:
    """One PEBC.PowerEnvelopeElement: limits in W (consumption positive) for ``duration_s``."""

    duration_s: float
    upper_w: float
    lower_w: float


@dataclass(frozen=True)
class PowerEnvelope:
    """One PEBC.PowerEnvelope on one CommodityQuantity (e.g. ``ELECTRIC.POWER.3_PHASE_SYMMETRIC``)."""

    commodity_quantity: str
    elements: tuple[EnvelopeElement, ...]

    def __post_init__(self) -> None:
        CommodityQuantity(self.commodity_quantity)   # ValueError on an unknown quantity
        if not self.elements:
            raise ValueError("a PEBC.PowerEnvelope needs at least one element")
        for element in self.elements:
            if element.lower_w > element.upper_w:
                raise ValueError(f"envelope element lower limit {element.lower_w} W is above its "
                                 f"upper limit {element.upper_w} W")
            if element.duration_s < 0:
                raise ValueError("an envelope element cannot have a negative duration")


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _aware(moment: dt.datetime, what: str) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be a timezone-aware datetime (S2 DateTimeStamp)")
    return moment.isoformat()


def _build(cls: type[Any], data: dict[str, Any], peer_ids: Sequence[str]) -> tuple[str, str]:
    """Validate ``data`` with the s2-python class (or its generated class for non-UUID peer ids)."""
    model: BaseModel
    try:
        if all(_is_uuid(i) for i in peer_ids):
            model = cls.from_dict(data)
        else:
            model = generated_class(data["message_type"]).model_validate(data)
    except (S2ValidationError, ValidationError) as error:
        raise ValueError(f"the bench built an invalid {data['message_type']}: {error}") from error
    return str(data["message_id"]), model.model_dump_json(by_alias=True, exclude_none=True)


def new_id() -> str:
    return str(uuid.uuid4())


def handshake_cem(versions: Sequence[str]) -> tuple[str, str]:
    """The CEM's own Handshake (role CEM; supported versions are optional for a CEM)."""
    message = Handshake(message_id=uuid.uuid4(), role=EnergyManagementRole.CEM,
                        supported_protocol_versions=list(versions))
    return str(message.message_id), message.to_json()


def handshake_response(selected_version: str) -> tuple[str, str]:
    message = HandshakeResponse(message_id=uuid.uuid4(), selected_protocol_version=selected_version)
    return str(message.message_id), message.to_json()


def select_control_type(control_type: str) -> tuple[str, str]:
    """SelectControlType for a short ("PEBC") or full S2 control type name."""
    return _build(SelectControlType, {"message_type": "SelectControlType", "message_id": new_id(),
                                      "control_type": control_type_name(control_type)}, [])


def pebc_instruction(instruction_id: str, power_constraints_id: str,
                     envelopes: Sequence[PowerEnvelope], execution_time: dt.datetime,
                     abnormal_condition: bool = False) -> tuple[str, str]:
    """PEBC.Instruction with one PEBC.PowerEnvelope per CommodityQuantity (durations in ms)."""
    data = {
        "message_type": "PEBC.Instruction", "message_id": new_id(), "id": instruction_id,
        "execution_time": _aware(execution_time, "execution_time"),
        "abnormal_condition": abnormal_condition, "power_constraints_id": power_constraints_id,
        "power_envelopes": [
            {"id": new_id(), "commodity_quantity": env.commodity_quantity,
             "power_envelope_elements": [
                 {"duration": round(e.duration_s * 1000), "upper_limit": e.upper_w,
                  "lower_limit": e.lower_w} for e in env.elements]}
            for env in envelopes],
    }
    return _build(PEBCInstruction, data, [power_constraints_id])


def ddbc_instruction(instruction_id: str, actuator_id: str, operation_mode_id: str,
                     execution_time: dt.datetime, operation_mode_factor: float = 1.0,
                     abnormal_condition: bool = False) -> tuple[str, str]:
    data = {"message_type": "DDBC.Instruction", "message_id": new_id(), "id": instruction_id,
            "execution_time": _aware(execution_time, "execution_time"),
            "abnormal_condition": abnormal_condition, "actuator_id": actuator_id,
            "operation_mode_id": operation_mode_id, "operation_mode_factor": operation_mode_factor}
    return _build(DDBCInstruction, data, [actuator_id, operation_mode_id])


def frbc_instruction(instruction_id: str, actuator_id: str, operation_mode_id: str,
                     execution_time: dt.datetime, operation_mode_factor: float = 1.0,
                     abnormal_condition: bool = False) -> tuple[str, str]:
    data = {"message_type": "FRBC.Instruction", "message_id": new_id(), "id": instruction_id,
            "actuator_id": actuator_id, "operation_mode": operation_mode_id,
            "operation_mode_factor": operation_mode_factor,
            "execution_time": _aware(execution_time, "execution_time"),
            "abnormal_condition": abnormal_condition}
    return _build(FRBCInstruction, data, [actuator_id, operation_mode_id])


__all__ = ["ELECTRIC_POWER_QUANTITIES", "EnvelopeElement", "PowerEnvelope", "new_id",
           "handshake_cem", "handshake_response", "select_control_type", "pebc_instruction",
           "ddbc_instruction", "frbc_instruction"]

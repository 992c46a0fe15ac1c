"""SunSpec register image built from pysunspec2's own model definitions.

Layout (SunSpec Modbus, "SunS" map)::

    base + 0   'SunS' marker (0x5375 0x6E53)
    base + 2   model 1 (common), then 701 ... 712, each as ID, L, body
    ...        end model: ID 0xFFFF, L 0

Each model is a live :class:`sunspec2.device.Model`; the image (``registers``) is its wire form.
Values are encoded and decoded by pysunspec2 (``cvalue`` applies the scale factors), never by hand.
This module knows nothing about the inverter and nothing about pymodbus.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import sunspec2.device as ss_device
from links.sunspec_modbus.points import walk_points

SUNS_MARKER: tuple[int, int] = (0x5375, 0x6E53)   # 'SunS'
END_MODEL_ID = 0xFFFF
SUPPORTED_BASE_ADDRESSES: tuple[int, ...] = (40000, 0, 50000)

#: Modbus exception codes this map hands back (the adapter turns them into replies).
ILLEGAL_ADDRESS = 0x02
ILLEGAL_VALUE = 0x03

#: Models served, in order, with the repeating-group counts the image uses.
#: Curves: curve 1 is the active (read-only) curve, curve 2 is the one a client fills and adopts.
DEFAULT_MODEL_LAYOUT: dict[int, dict[str, int]] = {
    1: {},
    701: {},
    702: {},
    703: {},
    704: {},
    705: {"NCrv": 2, "NPt": 4},
    706: {"NCrv": 2, "NPt": 6},
    707: {"NCrvSet": 2, "NPt": 5},
    708: {"NCrvSet": 2, "NPt": 5},
    709: {"NCrvSet": 2, "NPt": 5},
    710: {"NCrvSet": 2, "NPt": 5},
    711: {"NCtl": 2},
    712: {"NCrv": 2, "NPt": 6},
}


@dataclass(frozen=True)
class PointSlot:
    """One SunSpec point at its absolute Modbus address."""

    model_id: int
    path: str                       # e.g. "Crv[2].Pt[1].V" (1-based group indexes)
    address: int
    length: int                     # registers
    point: ss_device.Point = field(compare=False, repr=False)

    @property
    def writable(self) -> bool:
        return self.point.pdef.get("access", "R") == "RW"

    @property
    def name(self) -> str:
        return str(self.point.pdef["name"])


@dataclass
class ModelBlock:
    """One model in the image: its pysunspec2 object and where it sits."""

    model_id: int
    address: int                    # address of the model's ID register
    model: ss_device.Model
    slots: list[PointSlot]

    @property
    def length(self) -> int:        # ID + L + body, in registers
        return int(self.model.len)

    @property
    def end(self) -> int:           # first address after the model
        return self.address + self.length


class SunSpecRegisterMap:
    """The register image of one SunSpec device and the index from address to point."""

    def __init__(self, base_address: int = 40000, *,
                 layout: dict[int, dict[str, int]] | None = None,
                 omit_models: tuple[int, ...] = ()) -> None:
        if base_address not in SUPPORTED_BASE_ADDRESSES:
            raise ValueError(f"SunSpec base address must be one of {SUPPORTED_BASE_ADDRESSES}, "
                             f"got {base_address}")
        self.base_address = base_address
        chosen = layout if layout is not None else DEFAULT_MODEL_LAYOUT
        self.blocks: dict[int, ModelBlock] = {}
        self._slot_by_addr: dict[int, PointSlot] = {}
        self._implemented: set[PointSlot] = set()
        addr = base_address + 2
        for model_id, counts in chosen.items():
            if model_id in omit_models:
                continue
            model = ss_device.Model(model_id=model_id, data=dict(counts))
            if model.error_info:
                raise ValueError(f"model {model_id}: {model.error_info.strip()}")
            slots = [PointSlot(model_id, path, addr + int(p.offset), int(p.len), p)
                     for path, p in walk_points(model, "")]
            block = ModelBlock(model_id, addr, model, slots)
            self.blocks[model_id] = block
            for slot in slots:
                for a in range(slot.address, slot.address + slot.length):
                    self._slot_by_addr[a] = slot
            addr = block.end
        self.end_address = addr + 2               # first address after the end model
        self.registers: list[int] = [0] * (self.end_address - base_address)
        self.registers[0:2] = SUNS_MARKER
        self.registers[-2:] = [END_MODEL_ID, 0]
        for model_id in self.blocks:
            self.store(model_id)

    # --- lookup -------------------------------------------------------------------------------
    @property
    def model_ids(self) -> list[int]:
        return list(self.blocks)

    def model(self, model_id: int) -> ss_device.Model:
        return self.blocks[model_id].model

    def block_at(self, address: int) -> ModelBlock | None:
        for block in self.blocks.values():
            if block.address <= address < block.end:
                return block
        return None

    def slot_at(self, address: int) -> PointSlot | None:
        return self._slot_by_addr.get(address)

    def slots_in(self, address: int, count: int) -> list[PointSlot]:
        """The points touched by registers ``address .. address+count-1``, in address order."""
        seen: list[PointSlot] = []
        for a in range(address, address + count):
            slot = self._slot_by_addr.get(a)
            if slot is not None and (not seen or seen[-1] is not slot):
                seen.append(slot)
        return seen

    def overlaps(self, model_id: int, address: int, count: int) -> bool:
        block = self.blocks.get(model_id)
        return block is not None and address < block.end and block.address < address + count

    def contains(self, address: int, count: int) -> bool:
        return self.base_address <= address and address + count <= self.end_address

    # --- image <-> pysunspec2 models ----------------------------------------------------------
    def store(self, model_id: int) -> None:
        """Encode the pysunspec2 model into the register image."""
        block = self.blocks[model_id]
        data = block.model.get_mb()
        start = block.address - self.base_address
        self.registers[start:start + len(data) // 2] = struct.unpack(f">{len(data) // 2}H", data)

    def load(self, model_id: int) -> None:
        """Decode the register image of one model back into its pysunspec2 model."""
        block = self.blocks[model_id]
        start = block.address - self.base_address
        regs = self.registers[start:start + block.length]
        block.model.set_mb(struct.pack(f">{len(regs)}H", *regs), dirty=False)

    def read(self, address: int, count: int) -> list[int]:
        start = address - self.base_address
        return self.registers[start:start + count]

    def check_writable(self, address: int, values: list[int]) -> int | None:
        """Modbus exception code for a write that must be refused, else None.

        02 (illegal address): outside the map, on the marker / ID / L / end model, or on a
        read-only point. Values are checked later, after decoding.
        """
        if not self.contains(address, len(values)):
            return ILLEGAL_ADDRESS
        for a in range(address, address + len(values)):
            slot = self._slot_by_addr.get(a)
            if slot is None or not slot.writable or slot not in self._implemented:
                return ILLEGAL_ADDRESS
            if self._in_read_only_curve(slot):
                return ILLEGAL_ADDRESS
        return None

    def freeze_implemented(self) -> None:
        """Record which points the device implements: those holding a value now.

        Writes to a writable point the device left unimplemented are refused with 02.
        """
        self._implemented = {s for b in self.blocks.values() for s in b.slots if s.point.value is not None}

    def _in_read_only_curve(self, slot: PointSlot) -> bool:
        """Points inside a repeating curve / control group whose ``ReadOnly`` point says R (1)."""
        head = slot.path.split(".", 1)[0]
        if "[" not in head or "." not in slot.path:
            return False
        name, index = head[:-1].split("[")
        groups = self.blocks[slot.model_id].model.groups.get(name)
        if not isinstance(groups, list):
            return False
        read_only = groups[int(index) - 1].points.get("ReadOnly")
        return read_only is not None and read_only.value == 1

    def write(self, address: int, values: list[int]) -> None:
        start = address - self.base_address
        self.registers[start:start + len(values)] = [int(v) & 0xFFFF for v in values]

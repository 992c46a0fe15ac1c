"""The simulated lab's S2 resource manager (EN 50491-12-2 device side): see resource_manager.py."""

from simlab.devices.s2_resource_manager.backend import DdbcDescription, DdbcModeSpec, S2DeviceBackend
from simlab.devices.s2_resource_manager.resource_manager import RmConfig, RmFaults, SimResourceManager, stable_uuid

__all__ = ["DdbcDescription", "DdbcModeSpec", "S2DeviceBackend", "RmConfig", "RmFaults",
           "SimResourceManager", "stable_uuid"]

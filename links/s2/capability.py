"""Does the resource manager offer the control type a requirement needs? The S2 mismatch rule.

The RM says which control types it offers in its own ResourceManagerDetails
(``available_control_types``); the device profile declares the one(s) the device is sold with
(``links.<name>.control_type``). For a requirement that needs control type X:

================================  ===========================  =======================================
RM offers X                       profile declares X           result
================================  ===========================  =======================================
yes                               yes or no                    ``OFFERED``: the requirement runs
no                                yes                          :class:`~bench.errors.DeviceLacksFunction`
                                                               (FAIL, the ResourceManagerDetails frame
                                                               as evidence)
no                                no                           ``NOT_DECLARED``: NOT_APPLICABLE
(no ResourceManagerDetails yet)   -                            :class:`S2NotConnected` (ERROR)
================================  ===========================  =======================================

An RM that never connects never gets here: that stays a LinkError. An RM that answers a message of
the declared control type with a broken or unreadable frame is the device's answer too
(:class:`links.s2.opener.S2DutLink`: DeviceLacksFunction naming the control type, the frame as
evidence).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from enum import Enum

from bench.errors import DeviceLacksFunction
from links.s2.codec import control_type_name, control_type_short
from links.s2.records import RmDetails, S2NotConnected


class ControlTypeSupport(Enum):
    """What the bench may do with a control type a requirement needs (see the module table)."""

    OFFERED = "offered"              # the RM offers it: run the requirement
    NOT_DECLARED = "not_declared"    # neither offered nor declared: NOT_APPLICABLE


def control_type_function(control_type: str) -> str:
    """How a FAIL names the function: ``"S2 control type PEBC (POWER_ENVELOPE_BASED_CONTROL)"``."""
    full = control_type_name(control_type)
    return f"S2 control type {control_type_short(full)} ({full})"


def details_evidence(details: RmDetails, needed: str, where: str) -> str:
    """The evidence of a missing control type: what the RM offers, what was declared, its frame."""
    offered = ", ".join(details.available_control_types) or "none"
    return (f"the resource manager's ResourceManagerDetails offer available_control_types [{offered}], "
            f"not {control_type_name(needed)} declared in {where}; ResourceManagerDetails: "
            f"{json.dumps(details.raw, sort_keys=True, default=str)}")


def control_type_support(needed: str, declared: Collection[str], details: RmDetails | None, *,
                         where: str = "the device profile") -> ControlTypeSupport:
    """Apply the module's rule for control type ``needed`` (short or full name).

    ``declared``: the control types the profile declares (short or full names); ``where`` names
    the profile field for the evidence. Raises :class:`DeviceLacksFunction` when the profile
    declares ``needed`` and the RM's ``details`` do not offer it, :class:`S2NotConnected` when
    there are no details to judge by.
    """
    full = control_type_name(needed)
    if details is None:
        raise S2NotConnected(f"no ResourceManagerDetails received: cannot tell whether the resource "
                             f"manager offers {full}")
    if full in details.available_control_types:
        return ControlTypeSupport.OFFERED
    if full in {control_type_name(name) for name in declared}:
        raise DeviceLacksFunction(control_type_function(full), details_evidence(details, full, where))
    return ControlTypeSupport.NOT_DECLARED


__all__ = ["ControlTypeSupport", "control_type_function", "control_type_support", "details_evidence"]

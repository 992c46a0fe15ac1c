"""SG-Ready (BWP) contacts: no network link, two channels of the bench's digital_io unit."""

from __future__ import annotations

from typing import Any

from links.openers import LocalLinkOpener
from bench.errors import ConfigError

_KEYS = ("contact_1_channel", "contact_2_channel")


class SgReadyOpener(LocalLinkOpener):
    KEYS = _KEYS

    @staticmethod
    def validate(doc: Any, name: str, cfg: dict[str, Any]) -> None:
        for key in _KEYS:
            if not isinstance(cfg.get(key), int) or cfg[key] < 1:
                raise doc.error(f"links.{name}.{key}", "required for SG-Ready contacts: a digital_io channel number")
        if cfg["contact_1_channel"] == cfg["contact_2_channel"]:
            raise doc.error(f"links.{name}.contact_2_channel", "must differ from contact_1_channel")

    def open(self) -> Any:
        from links.sg_ready_contacts import SgReadyContactsLink, SgReadyState

        session, cfg = self.session, self.cfg
        if session.digital_io is None:
            raise ConfigError("SG-Ready contacts need a 'digital_io' instrument in the bench config",
                              file=session.config.file, field="instruments.digital_io")
        for key in _KEYS:
            if cfg[key] not in session.digital_io.channels:
                raise ConfigError(f"channel {cfg[key]} is not a contact of the digital_io unit "
                                  f"(it has {len(session.digital_io.channels)} channels)",
                                  file=session.profile.file, field=f"links.{self.name}.{key}")
        link = SgReadyContactsLink(session.digital_io, int(cfg["contact_1_channel"]),
                                   int(cfg["contact_2_channel"]), trace=self.command_trace())
        link.set_state(SgReadyState.NORMAL)
        self.link = link
        if self.name == "control":
            session.recorder.write("dut_identity", declared=session.profile.identity, read=None)
        return link

    def close(self) -> None:
        close = getattr(self.link, "close", None)
        if close is not None:
            close()

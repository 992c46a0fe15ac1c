"""Simulated instruments: each speaks one real model's SCPI dialect over a TCP line server.

A simulated instrument is a plain class with ``handle(line) -> reply | None``; it only reads
and writes the lab's state objects (it never advances time). :func:`serve_scpi` puts one on a
TCP port so the real driver talks to it through PyVISA ``TCPIP::host::port::SOCKET``.
"""

from simlab.instruments.chroma_61845 import SimChroma61845
from simlab.instruments.chroma_62150h import SimChroma62150H
from simlab.instruments.keysight_e4360a import SimKeysightE4360A
from simlab.instruments.scpi_server import serve_scpi
from simlab.instruments.yokogawa_wt5000 import SimYokogawaWT5000

__all__ = ["SimChroma61845", "SimChroma62150H", "SimKeysightE4360A", "SimYokogawaWT5000",
           "serve_scpi"]

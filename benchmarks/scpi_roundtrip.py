"""Round-trip latency of the full driver stack against the simulated lab on loopback.

driver -> VisaTransport (pyvisa-py, TCPIP SOCKET) -> serve_scpi -> simulated instrument.
Two operations: a checked setting (``Chroma61845.set_frequency_hz``: one write followed by the
``SYSTem:ERRor?`` query) and one analyzer reading (``YokogawaWT5000.read``: one query), each with
and without TCP_NODELAY on the bench side. Prints a markdown table; ``--json PATH`` writes JSON.

    .venv/bin/python benchmarks/scpi_roundtrip.py [--iterations 2000] [--json out.json]
"""

from __future__ import annotations

import argparse
import json

from benchmarks_common import measure  # same folder
from simlab.instruments import SimChroma61845, SimYokogawaWT5000
from simlab.instruments.scpi_server import BackgroundScpiServer
from simlab.physics import GridSourceState, PhaseTruth
from instruments.drivers.chroma_61800 import Chroma61845
from instruments.drivers.yokogawa_wt import YokogawaWT5000
from instruments.transport import VisaTransport

TRUTH = [PhaseTruth(230.0, 4.35, 1000.0, -100.0, 1004.99, 0.995)] * 3


def run(iterations: int, slow_iterations: int) -> list[dict[str, object]]:
    results: list[dict[str, object]] = []
    for nodelay in (True, False):
        n = iterations if nodelay else slow_iterations
        with BackgroundScpiServer(SimChroma61845(GridSourceState())) as port:
            transport = VisaTransport(f"TCPIP::127.0.0.1::{port}::SOCKET", timeout_ms=2000,
                                      tcp_nodelay=nodelay)
            source = Chroma61845(transport, name="grid")
            try:
                stats = measure(lambda src=source: src.set_frequency_hz(50.0), n)
            finally:
                source.close()
        results.append({"operation": "set_frequency_hz (write + SYST:ERR?)",
                        "tcp_nodelay": nodelay, **stats})
        with BackgroundScpiServer(SimYokogawaWT5000(lambda: TRUTH, lambda: 50.0, 1)) as port:
            transport = VisaTransport(f"TCPIP::127.0.0.1::{port}::SOCKET", timeout_ms=2000,
                                      tcp_nodelay=nodelay)
            analyzer = YokogawaWT5000(transport, name="pa")
            try:
                analyzer.open()
                stats = measure(analyzer.read, n)
            finally:
                analyzer.close()
        results.append({"operation": "analyzer read (1 query, 19 values)",
                        "tcp_nodelay": nodelay, **stats})
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--slow-iterations", type=int, default=50,
                        help="iterations without TCP_NODELAY (each may take ~40 ms)")
    parser.add_argument("--json", metavar="PATH")
    args = parser.parse_args()
    results = run(args.iterations, args.slow_iterations)
    print("| operation | TCP_NODELAY | n | median (us) | p90 (us) |")
    print("|---|---|---:|---:|---:|")
    for r in results:
        print(f"| {r['operation']} | {'on' if r['tcp_nodelay'] else 'off'} | {r['iterations']} "
              f"| {r['median_us']:.1f} | {r['p90_us']:.1f} |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"benchmark": "scpi_roundtrip", "results": results}, handle, indent=2)


if __name__ == "__main__":
    main()

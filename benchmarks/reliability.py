"""The figures of docs/reliability.md (issue 13): hostile and careless input, signals and forgeries,
each tried against the real command line in fresh processes, each outcome classified.

1. Malformed inputs: the reference bench config and PV profile, each mutated (seeded) in one to three
   places (a value replaced by a hostile one or a key deleted), plus the hand-made cases of the issue
   (binary file, alias bomb, deep nesting, NaN, bad dates, ...). Each is run with ``flexbench run``.
   Outcome: a clear error (exit 3, one line naming the file), accepted (the campaign ran: exit 0/2),
   a traceback (anything printed with "Traceback", or exit 1 / another code), a hang (no exit in 60 s).
2. Signals: SIGINT, SIGTERM, SIGHUP, SIGQUIT at several moments of a short campaign. Outcome: safe
   state reached (the record ends with campaign_end after the AC source's output was switched off, or
   nothing was energised yet), and orphans (a lab process alive 2 s after the bench exited).
3. Forgeries of a finished campaign's record and report folder. Outcome: detected (``flexbench report``
   refuses the record, or ``flexbench verify`` does not say OK with the lab's trusted key).

    .venv/bin/python benchmarks/reliability.py [--mutations 60] [--write docs/reliability.md]
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))   # the chaos tests' helpers: one home for both
from hostile import pid_alive, value_paths  # noqa: E402
BENCH = REPO / "bench" / "configs" / "simulated.yaml"
PROFILE = REPO / "device_profiles" / "sim-pv-inverter.yaml"
HANG_S = 60.0
CLI = [sys.executable, "-m", "bench.cli"]

HOSTILE: list[Any] = [None, True, -1, 0, 1e-9, 1e308, float("nan"), float("inf"), "", "x" * 5000, [], {},
                      {"a": 1}, [1, 2], "2026-13-45", -0.0, 2**70]


def _run(args: list[str], env: dict[str, str], timeout_s: float = HANG_S) -> tuple[int | None, str]:
    try:
        done = subprocess.run([*CLI, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return None, ""
    return done.returncode, done.stdout + done.stderr


def _classify(code: int | None, output: str) -> str:
    if code is None:
        return "hang"
    if "Traceback" in output or code not in (0, 2, 3):
        return "traceback"
    if code == 3:
        return "clear error"
    return "accepted"


def _mutate(data: dict[str, Any], rng: random.Random) -> tuple[dict[str, Any], list[str]]:
    """``data`` changed in one to three places, and what was changed."""
    out = copy.deepcopy(data)
    changes: list[str] = []
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(value_paths(out))
        node = out
        dotted = ".".join(str(p) for p in path)
        try:
            for key in path[:-1]:
                node = node[key]
            if rng.random() < 0.3 and isinstance(node, dict):
                node.pop(path[-1], None)
                changes.append(f"{dotted} deleted")
            else:
                value = rng.choice(HOSTILE)
                node[path[-1]] = value
                changes.append(f"{dotted} = {str(value)[:20]!r}")
        except (KeyError, IndexError, TypeError):
            continue
    return out, changes


accepted: list[str] = []
"""The mutations that loaded and ran (listed in the page, so a reader can judge each is harmless)."""

HAND_MADE: dict[str, str | bytes] = {
    "binary file": b"\x89PNG\r\n\x1a\n\x00\xff\xfe",
    "alias bomb": "\n".join(["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
                            + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]),
    "deep nesting": "a: " + "[" * 5000 + "]" * 5000,
    "complex key": "? {complex: key}\n: 1\n",
    "bad timestamp": "format: flexbench-device-profile/1\nwhen: !!timestamp 2026-13-45\n",
    "empty file": "",
    "not a mapping": "- 1\n- 2\n",
}


def malformed_inputs(mutations: int, work: Path, env: dict[str, str]) -> tuple[Counter[str], list[str]]:
    rng = random.Random(20261207)
    outcomes: Counter[str] = Counter()
    bad: list[str] = []
    accepted.clear()
    cases: list[tuple[str, str, Path]] = []
    for name, content in HAND_MADE.items():
        path = work / f"hand-{len(cases)}.yaml"
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        cases.append((f"profile: {name}", "--profile", path))
    for role, source in (("bench", BENCH), ("profile", PROFILE)):
        original = yaml.safe_load(source.read_text())
        for i in range(mutations):
            path = work / f"{role}-{i}.yaml"
            mutated, changes = _mutate(original, rng)
            path.write_text(yaml.safe_dump(mutated, sort_keys=False, allow_unicode=True))
            cases.append((f"{role}: {'; '.join(changes)}", f"--{role}", path))
    for label, flag, path in cases:
        args = ["run", "--requirements", "PV-SUNSPEC-DISCOVERY", "--quiet", "--out", str(work / "out" / path.stem)]
        args += [flag, str(path)] + (["--profile", str(PROFILE)] if flag == "--bench" else [])
        code, output = _run(args, env)
        outcome = _classify(code, output)
        outcomes[outcome] += 1
        if outcome in ("traceback", "hang"):
            bad.append(f"{label}: {outcome} (exit {code}) {output.strip().splitlines()[-1:] if output else ''}")
        elif outcome == "accepted":
            accepted.append(label)
    return outcomes, bad


def _lab_pid(record: Path) -> int | None:
    found = re.search(r"simulated lab started \(pid (\d+)", record.read_text()) if record.exists() else None
    return int(found.group(1)) if found else None


def signals(work: Path, env: dict[str, str]) -> dict[str, int]:
    tried = safe = orphans = 0
    for stop in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        for delay_s in (0.3, 1.0, 2.5, 5.0):
            out = work / f"sig-{stop.name}-{delay_s}"
            proc = subprocess.Popen([*CLI, "run", "--profile", str(PROFILE), "--requirements", "PV-REMOTE-LIMIT",
                                     "--quiet", "--out", str(out)], cwd=REPO, env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay_s)
            proc.send_signal(stop)
            proc.wait(timeout=120)
            tried += 1
            record = out / "record.jsonl"
            entries = [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []
            outputs = [e["text"] for e in entries if e["kind"] == "command" and e.get("target") == "ac_source"
                       and e["text"].startswith("OUTPut:STATe")]
            if not entries or (entries[-1]["kind"] == "campaign_end" and (not outputs or outputs[-1].endswith("OFF"))):
                safe += 1
            pid = _lab_pid(record)
            if pid is not None:
                time.sleep(2.0)
                orphans += pid_alive(pid)
    return {"tried": tried, "safe": safe, "orphans": orphans}


def _campaign(work: Path, env: dict[str, str]) -> Path:
    out = work / "genuine"
    code, output = _run(["run", "--profile", str(PROFILE), "--requirements", "PV-REMOTE-LIMIT", "--quiet",
                         "--out", str(out)], env, timeout_s=600)
    if code not in (0, 2):
        raise SystemExit(f"the genuine campaign failed: {output[-2000:]}")
    return out


def forgeries(work: Path, env: dict[str, str], lab_pub: Path) -> tuple[int, int, list[str]]:
    genuine = _campaign(work, env)
    lines = (genuine / "record.jsonl").read_text().splitlines(keepends=True)
    entries = [json.loads(line) for line in lines]
    check = next(i for i, e in enumerate(entries) if e["kind"] == "check" and e["verdict"] == "PASS"
                 and e.get("high") is not None)

    def edited(change: Any) -> list[str]:
        copy_ = [json.loads(line) for line in lines]
        change(copy_)
        return [json.dumps(e, separators=(",", ":")) + "\n" for e in copy_]

    def inconsistent(e: list[dict[str, Any]]) -> None:
        e[check]["measured"] = 123456.0

    def consistent(e: list[dict[str, Any]]) -> None:
        e[check]["measured"], e[check]["verdict"] = e[check]["high"] * 10, "FAIL"

    def forged_seal(e: list[dict[str, Any]]) -> None:
        e[-1]["seal"]["signature_hex"] = "00" * 64

    def stripped_seal(e: list[dict[str, Any]]) -> None:
        e[check]["measured"], e[check]["verdict"] = e[check]["high"] * 10, "FAIL"
        del e[-1]["seal"], e[-1]["record_sha256"]

    record_forgeries: dict[str, list[str]] = {
        "check measured value edited, verdict kept": edited(inconsistent),
        "check edited and re-judged consistently": edited(consistent),
        "seal signature replaced": edited(forged_seal),
        "seal removed after a consistent edit": edited(stripped_seal),
        "a line deleted": lines[:5] + lines[6:],
        "two lines swapped": lines[:5] + [lines[6], lines[5]] + lines[7:],
        "record cut to its campaign_start": lines[:1],
    }
    # the forger has no lab key: whatever flexbench report signs, it signs with a key of the forger's own
    forger_env = {k: v for k, v in env.items() if k != "FLEXBENCH_LAB_KEY"}
    forger_env["FLEXBENCH_DEV_KEY_DIR"] = str(work / "forger-key")
    verify = ["verify", "--trusted-keys", str(lab_pub)]
    exit_codes: dict[str, int | None] = {}      # forgery -> the exit code that would let it through if 0
    for number, (name, forged) in enumerate(record_forgeries.items()):
        folder = work / f"forged-{number}"
        folder.mkdir()
        (folder / "record.jsonl").write_text("".join(forged))
        code, _ = _run(["report", str(folder / "record.jsonl")], forger_env)
        exit_codes[name] = _run([*verify, str(folder)], env)[0] if code == 0 else code
    folder_forgeries = {
        "report.json edited": lambda p: p.joinpath("report.json").write_text("{}"),
        "a foreign file added": lambda p: p.joinpath("notes.txt").write_text("x"),
        "report.pdf deleted": lambda p: p.joinpath("report.pdf").unlink(),
        "a symlink added": lambda p: p.joinpath("evidence.csv").symlink_to(p / "report.json"),
        "re-signed with the forger's own key": None,
    }
    for number, (name, damage) in enumerate(folder_forgeries.items()):
        folder = work / f"folder-{number}"
        shutil.copytree(genuine, folder, symlinks=True)
        if damage is None:
            _run(["report", str(folder / "record.jsonl")], forger_env)
        else:
            damage(folder)
        exit_codes[name] = _run([*verify, str(folder)], env)[0]
    missed = [name for name, code in exit_codes.items() if code == 0]
    tried, detected = len(exit_codes), len(exit_codes) - len(missed)
    return tried, detected, missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutations", type=int, default=60, help="mutated files per kind (bench, profile)")
    parser.add_argument("--write", default=None, help="write the figures into this markdown file")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="flexbench-reliability-"))
    try:
        key = work / "lab-key" / "lab.pem"
        env = {**os.environ, "TMPDIR": str(work)}
        subprocess.run([*CLI, "keygen", str(key)], cwd=REPO, env=env, check=True, capture_output=True)
        env["FLEXBENCH_LAB_KEY"] = str(key)
        started = time.monotonic()
        inputs, bad = malformed_inputs(args.mutations, work, env)
        sig = signals(work, env)
        tried, detected, missed = forgeries(work, env, key.with_name("lab.pub.pem"))
        leftovers = [p.name for p in work.iterdir() if p.name.startswith("flexbench-lab-")]
        elapsed = time.monotonic() - started
    finally:
        shutil.rmtree(work, ignore_errors=True)
    total = sum(inputs.values())
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    table = "\n".join([
        f"Measured {today} with `benchmarks/reliability.py --mutations {args.mutations}` "
        f"({elapsed:.0f} s, {platform_line()}).",
        "",
        "| probe | tried | outcome |",
        "|---|---:|---|",
        f"| malformed bench configs and profiles (`flexbench run`) | {total} | clear error (exit 3, naming the "
        f"file): {inputs['clear error']}; accepted and ran: {inputs['accepted']}; tracebacks: "
        f"{inputs['traceback']}; hangs: {inputs['hang']} |",
        f"| SIGINT / SIGTERM / SIGHUP / SIGQUIT at 0.3, 1, 2.5, 5 s of a campaign | {sig['tried']} | safe state "
        f"and campaign_end (or nothing energised yet): {sig['safe']}; lab processes alive 2 s later: "
        f"{sig['orphans']}; lab files left: {len(leftovers)} |",
        f"| forged records and report folders | {tried} | detected (report refused, or verify not OK against "
        f"the lab's key): {detected} |",
    ])
    details = "\n".join(f"- {line}" for line in bad + [f"forgery not detected: {m}" for m in missed]
                        + [f"accepted and ran: {a}" for a in accepted])
    print(table + ("\n\n" + details if details else ""))
    if args.write:
        _write(Path(args.write), table, details)
    return 0 if not bad and not missed and not sig["orphans"] and sig["safe"] == sig["tried"] else 1



def platform_line() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def _write(path: Path, table: str, details: str) -> None:
    text = path.read_text() if path.exists() else ""
    start, end = "<!-- reliability-figures:start -->", "<!-- reliability-figures:end -->"
    block = f"{start}\n{table}\n" + (f"\n{details}\n" if details else "") + end
    if start in text and end in text:
        text = text[:text.index(start)] + block + text[text.index(end) + len(end):]
    else:
        text += "\n" + block + "\n"
    path.write_text(text)


if __name__ == "__main__":
    sys.exit(main())

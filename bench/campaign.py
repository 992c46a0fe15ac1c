"""Assemble a bench session from files, and run a whole campaign (pytest + report + exit code)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bench.clock import choose_clock_mode
from bench.console import colour_enabled, format_duration_s, paint
from bench.catalog import Catalog
from bench.config import BenchConfig, DeviceProfile, load_bench_config, load_device_profile
from bench.errors import ConfigError
from bench.feeder.scenario import Scenario
from bench.places.hold import campaign_place
from bench.safety import stop_signals_interrupt
from bench.session import BenchSession, OpenBench
from bench.verdicts import EXIT_CODES, EXIT_USAGE, CampaignVerdict

SUITES_ROOT = Path(__file__).resolve().parent.parent / "test_suites"
VERDICT_COLOURS = {"COMPLIANT": "green", "NON_COMPLIANT": "red", "INCONCLUSIVE": "yellow"}
SUITE_FOR_CLASS = {kind: SUITES_ROOT / kind for kind in ("pv_inverter", "heat_pump", "ev_charger", "home_battery")}


def default_out_dir(profile_file: Path) -> Path:
    return Path("out") / profile_file.stem


def campaign_catalog(config: BenchConfig, device_class: str) -> Catalog:
    """The device class's requirement catalog with the bench config's ``catalog_overrides`` applied
    (an unknown id, parameter or market is a ConfigError naming the bench config's field)."""
    from bench.catalog import load_catalog

    catalog = load_catalog(device_class)
    if not config.catalog_overrides:
        return catalog
    try:
        return catalog.overridden(config.catalog_overrides)
    except ConfigError as exc:
        field = exc.field or "catalog_overrides"
        if not field.startswith("catalog_overrides"):
            field = f"catalog_overrides.{field}"
        raise ConfigError(exc.detail, file=config.file, field=field) from None


def build_session(*, bench: str | Path | None, profile: str | Path, market: str | None = None,
                  out: str | Path | None = None, decision_rule: str | None = None,
                  clock: str | None = None) -> OpenBench:
    """Load and validate the bench config and device profile, then open the bench (``clock``:
    ``wall``/``virtual``, None for the default of bench.clock.choose_clock_mode)."""
    config = load_bench_config(bench)
    dut = load_device_profile(profile)
    chosen_market = market or config.market
    catalog = campaign_catalog(config, dut.device_class)
    session = BenchSession(config=config, profile=dut, out_dir=Path(out) if out else default_out_dir(dut.file),
                           market=chosen_market, decision_rule=decision_rule or config.decision_rule, catalog=catalog,
                           clock=clock)
    return session.open()


def validate_simulation(dut: DeviceProfile) -> None:
    """Build the simulated device once in-process so a bad knob or parameter is a configuration
    error (exit 3) naming the profile field, before any lab process starts."""
    if dut.simulation is None:
        return
    from simlab import SpecError, validate_device

    try:
        validate_device(dut)
    except SpecError as exc:
        raise dut.doc.error(exc.field_name, str(exc)) from None


def write_order(out_dir: Path, *, customer: str | None, received: str | None, reference: str | None) -> None:
    """Leave the test order (customer, date of receipt, reference) where the session records it
    (``out_dir/order.json``, see bench.session.read_order); remove a stale one when none is given."""
    import datetime
    import json

    from bench.session import ORDER_FILE

    if received is not None:
        try:
            datetime.date.fromisoformat(received)
        except ValueError:
            raise ConfigError(f"--received {received!r} is not a date YYYY-MM-DD", field="received") from None
    path = out_dir / ORDER_FILE
    if customer is None and received is None and reference is None:
        path.unlink(missing_ok=True)
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"customer": customer, "received": received, "reference": reference},
                               indent=2) + "\n", encoding="utf-8")


def prepare_out_dir(out_dir: Path, *, force: bool) -> str:
    """Make sure a campaign writes into a new or empty folder: a file, or a folder with anything in it
    (an old report whose files would be signed into the new manifest), is a ConfigError naming
    ``--out``, unless ``force``: then its contents are removed and described in the return value
    (recorded as an event of the new campaign); "" when nothing was removed."""
    import shutil

    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError("names a file, not a folder", file=out_dir, field="--out")
    entries = sorted(out_dir.iterdir()) if out_dir.is_dir() else []
    if not entries:
        return ""
    if not force:
        raise ConfigError(f"folder is not empty ({len(entries)} entries, e.g. {entries[0].name}): choose a new "
                          "folder, or --force to replace its contents", file=out_dir, field="--out")
    for entry in entries:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    names = ", ".join(e.name for e in entries[:5]) + (", ..." if len(entries) > 5 else "")
    return f"{len(entries)} entries: {names}"


def check_requirement_ids(requirements: str, device_class: str) -> list[str]:
    """The ids of ``--requirements`` (comma-separated), each known to the device class's catalog; a
    ConfigError naming every unknown one (a typo must not silently run fewer tests)."""
    from bench.catalog import load_catalog

    catalog = load_catalog(device_class)
    ids = [r.strip() for r in requirements.split(",") if r.strip()]
    unknown = [r for r in ids if r not in catalog.requirements]
    if not ids or unknown:
        raise ConfigError(f"unknown requirement id(s) {', '.join(unknown) or '(none given)'} for device class "
                          f"{device_class} (known: {', '.join(catalog.ids())})", field="--requirements")
    return ids


def check_scenario(scenario: str, device_class: str) -> Scenario:
    """The ``--scenario`` (loaded and validated): for this device class, judging a requirement of its
    catalog; else a ConfigError naming the scenario's field."""
    from bench.catalog import load_catalog
    from bench.feeder import load_scenario

    selected = load_scenario(scenario)
    if selected.device_class != device_class:
        raise ConfigError(f"scenario for a {selected.device_class}, the DUT is a {device_class}",
                          file=selected.file, field="device_class")
    if selected.requirement not in load_catalog(device_class).requirements:
        raise ConfigError(f"requirement {selected.requirement!r} is not in the {device_class} catalog",
                          file=selected.file, field="requirement")
    return selected


def campaign_banner(*, config: BenchConfig, dut: DeviceProfile, market: str, clock_mode: str,
                    requirements: list[str] | None, out_dir: Path, scenario: Scenario | None = None) -> list[str]:
    """The start banner of ``flexbench run`` (the plugin adds the tests to run and the bench time
    estimate once it has collected them)."""
    from bench import __version__

    catalog = campaign_catalog(config, dut.device_class)
    ident = dut.identity
    chosen = (f"{len(requirements)} of {len(catalog.requirements)} ({', '.join(requirements)})" if requirements
              else f"all {len(catalog.requirements)} of the catalog")
    rows = [("DUT", f"{ident['manufacturer']} {ident['model']}, serial {ident['serial_number']}, firmware "
                    f"{ident['firmware_version']} ({dut.device_class}, profile {dut.file.name})"),
            ("bench", f"{config.name} ({config.file.name}), {clock_mode} clock"),
            ("market", f"{market}, catalog {catalog.name} {catalog.version}"),
            ("requirements", chosen),
            *([("scenario", scenario.describe())] if scenario is not None else []),
            *([("place", f"{config.place.name} on labgrid coordinator {config.place.coordinator} (waits up to "
                         f"{config.place.wait_s:g} s while another bench holds it)")] if config.place else []),
            ("output", str(out_dir))]
    return [f"flexbench {__version__}: compliance campaign"] + [f"  {k:<13}{v}" for k, v in rows]


def package_lines(out_dir: Path) -> list[str]:
    """The final lines naming every file of the signed package (from its manifest, so whatever the
    package holds is listed): the report files one a line, each folder with its file count."""
    from reports.integrity import manifest_files

    files = manifest_files(out_dir)
    first = ("report.pdf", "report.html", "report.json")
    top = [f for f in files if "/" not in f]
    folders: dict[str, int] = {}
    for f in files:
        if "/" in f:
            folders[f.split("/", 1)[0]] = folders.get(f.split("/", 1)[0], 0) + 1
    ordered = [f for f in first if f in top] + [f for f in top if f not in first]
    lines = [f"flexbench: report package {out_dir}/ ({len(files)} files):"]
    lines += [f"  {out_dir / f}" for f in ordered]
    lines += [f"  {out_dir / name}/  ({count} file{'s' if count != 1 else ''})"
              for name, count in sorted(folders.items())]
    return lines


def run_campaign(*, profile: str, bench: str | None = None, market: str | None = None,
                 out: str | None = None, requirements: str | None = None, decision_rule: str | None = None,
                 progress: bool = True, extra_pytest_args: list[str] | None = None,
                 customer: str | None = None, received: str | None = None, reference: str | None = None,
                 clock: str | None = None, verbose: bool = False, force: bool = False,
                 scenario: str | None = None) -> int:
    """Run the suites for the profile's device class in-process; build the report; return the
    exit code (0 compliant, 1 non-compliant, 2 inconclusive, 3 usage/configuration error).
    ``clock``: ``wall``/``virtual`` (None: virtual for a simulated device, wall for a real one).

    The console gets the start banner (:func:`campaign_banner`, then the plugin's tests and bench time
    estimate), live progress unless ``progress`` is off (fixtures/progress.py), one line per FAIL/ERROR
    test with its reason (fixtures/plugin.py) and, after the report, the verdict, one line per cause of
    a verdict other than COMPLIANT and the package's files (:func:`package_lines`); pytest's tracebacks
    only with ``verbose``."""
    import pytest

    from reports.package import build_package

    # Validate first, so a configuration error is exit 3 before anything is energised.
    config = load_bench_config(bench)
    dut = load_device_profile(profile)
    if dut.device_class not in SUITE_FOR_CLASS or not SUITE_FOR_CLASS[dut.device_class].is_dir():
        raise ConfigError(f"no suites for device class {dut.device_class!r}", file=dut.file, field="device.class")
    validate_simulation(dut)
    campaign_catalog(config, dut.device_class)
    chosen_ids = check_requirement_ids(requirements, dut.device_class) if requirements else None
    selected_scenario = check_scenario(scenario, dut.device_class) if scenario else None
    try:
        clock_mode = choose_clock_mode(clock, device_simulated=dut.simulation is not None,
                                       lab_simulated=config.lab.simulated)
    except ValueError as exc:
        raise ConfigError(str(exc), file=config.file, field="clock") from None
    out_dir = Path(out) if out else default_out_dir(dut.file)
    replaced = prepare_out_dir(out_dir, force=force)
    write_order(out_dir, customer=customer, received=received, reference=reference)
    chosen_market = market or config.market
    print("\n".join(campaign_banner(config=config, dut=dut, market=chosen_market, clock_mode=clock_mode,
                                    requirements=chosen_ids, out_dir=out_dir, scenario=selected_scenario)),
          flush=True)
    args = [str(SUITE_FOR_CLASS[dut.device_class]), "-p", "no:cacheprovider", "-q", "--no-header",
            "-p", "no:randomly", "-p", "no:hypothesispytest", "-p", "no:xdist", "-p", "no:xdist.looponfail",
            "-p", "no:labgrid", "-p", "no:anyio",   # installed plugins no suite uses (labgrid's costs ~0.25 s a run)
            "--profile", str(dut.file), "--out", str(out_dir), "-o", "addopts=",
            "-W", "ignore::DeprecationWarning",
            "-W", "ignore::pytest.PytestAssertRewriteWarning",
            "--alluredir", str(out_dir / "allure-results"), "--clean-alluredir", "-p", "fixtures.allure_evidence",
            "--flexbench-banner"]
    if bench:
        args += ["--bench", str(bench)]
    if market:
        args += ["--market", market]
    if requirements:
        args += ["--requirements", requirements]
    if decision_rule:
        args += ["--decision-rule", decision_rule]
    if scenario:
        args += ["--scenario", scenario]
    if replaced:
        args += ["--replaced-out", replaced]
    if clock:
        args += ["--clock", clock]
    if progress:
        args += ["--flexbench-progress"]
    if not verbose:
        args += ["--tb=no", "-rN"]   # the plugin prints one line per FAIL/ERROR instead
    args += extra_pytest_args or []
    started = time.monotonic()
    with stop_signals_interrupt():   # a signal at any moment ends like Ctrl-C: campaign_end, safe state
        with campaign_place(config):  # the bench's labgrid place, held before any instrument opens
            code = pytest.main(args)
        record = out_dir / "record.jsonl"
        if not record.exists():
            # the session never opened: configuration or bench start-up problem
            print(f"flexbench: no campaign record was written (pytest exit {int(code)})", file=sys.stderr)
            return EXIT_USAGE if int(code) in (3, 4) else EXIT_CODES[CampaignVerdict.INCONCLUSIVE.value]
        package = build_package(record, out_dir)
    report = package.report
    verdict = report["verdict"]
    wall = time.monotonic() - started
    bench_time = (report.get("campaign") or {}).get("bench_time_s")
    took = f"{format_duration_s(bench_time)} bench time, " if isinstance(bench_time, (int, float)) else ""
    print(f"flexbench: verdict {paint(verdict, VERDICT_COLOURS.get(verdict, 'bold'), colour_enabled(sys.stdout))}"
          f" for {dut.identity['manufacturer']} {dut.identity['model']} (serial {dut.identity['serial_number']}) "
          f"on {config.name}, market {chosen_market} ({took}{wall:.1f} s wall time)")
    for cause in report.get("verdict_causes") or []:
        print(f"flexbench: why not COMPLIANT: {cause}")
    print("\n".join(package_lines(out_dir)))
    print(f"flexbench: signed with the {package.signer_kind} key {package.signer_fingerprint[:16]}"
          + (" (DEVELOPMENT key: set FLEXBENCH_LAB_KEY for a lab signature)"
             if package.signer_kind == "development" else ""))
    return EXIT_CODES[verdict]

"""The store's questions, as typed rows: list campaigns (filters), show one, a requirement's trend
across firmware versions of one model. Read-only; every row carries the package path (the evidence)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lab.store.models import Campaign, CheckResult, RequirementResult
from lab.store.store import Store

_Row = TypeVar("_Row")

__all__ = ["CampaignRow", "CheckRow", "RequirementRow", "InstrumentRow", "CampaignDetail", "TrendPoint",
           "list_campaigns", "show_campaign", "trend", "first_passing"]


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes: they were stored in UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _rows(store: Store, query: Any, row_type: Callable[..., _Row]) -> list[_Row]:
    """``query``'s rows as ``row_type``; its second column is a time, read back as UTC."""
    with store.reading() as session:
        rows = session.execute(query).all()
    out = []
    for row in rows:
        values = list(row)
        values[1] = _utc(values[1])
        out.append(row_type(*values))
    return out


def _jsonable(row: object) -> dict[str, Any]:
    out = asdict(row)  # type: ignore[call-overload]

    def convert(value: Any) -> Any:
        if isinstance(value, dt.datetime):
            return value.isoformat()
        if isinstance(value, list):
            return [convert(v) for v in value]
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        return value

    return {k: convert(v) for k, v in out.items()}


@dataclass(frozen=True)
class CampaignRow:
    """One campaign of a listing; ``requirement_verdict`` when the listing names a requirement."""

    campaign_id: str
    started_at: dt.datetime | None
    manufacturer: str
    model: str
    serial_number: str
    firmware_version: str | None
    device_class: str | None
    bench_name: str | None
    market: str | None
    verdict: str
    package_path: str
    requirement_id: str | None = None
    requirement_verdict: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(self)


def list_campaigns(store: Store, *, manufacturer: str | None = None, model: str | None = None,
                   serial_number: str | None = None, requirement: str | None = None, verdict: str | None = None,
                   bench: str | None = None, market: str | None = None, since: dt.datetime | None = None,
                   limit: int | None = None) -> list[CampaignRow]:
    """Campaigns, newest first. Filters are exact matches; ``verdict`` is the campaign's verdict
    (COMPLIANT, NON_COMPLIANT, INCONCLUSIVE), or with ``requirement`` that requirement's verdict
    (PASS, FAIL, ...); ``since``: campaigns started at or after that time."""
    columns = [Campaign.campaign_id, Campaign.started_at, Campaign.manufacturer, Campaign.model,
               Campaign.serial_number, Campaign.firmware_version, Campaign.device_class, Campaign.bench_name,
               Campaign.market, Campaign.verdict, Campaign.package_path]
    extra = [RequirementResult.requirement_id, RequirementResult.verdict] if requirement is not None else []
    query = select(*columns, *extra)
    if requirement is not None:
        query = query.join(RequirementResult, RequirementResult.campaign_pk == Campaign.id).where(
            RequirementResult.requirement_id == requirement)
    if verdict is not None:
        query = query.where((RequirementResult.verdict if requirement is not None else Campaign.verdict) == verdict)
    for column, wanted in ((Campaign.manufacturer, manufacturer), (Campaign.model, model),
                           (Campaign.serial_number, serial_number), (Campaign.bench_name, bench),
                           (Campaign.market, market)):
        if wanted is not None:
            query = query.where(column == wanted)
    if since is not None:
        query = query.where(Campaign.started_at >= since)
    query = query.order_by(Campaign.started_at.desc(), Campaign.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return _rows(store, query, CampaignRow)


@dataclass(frozen=True)
class CheckRow:
    name: str
    quantity: str | None
    measured: float | None
    unit: str | None
    low: float | None
    high: float | None
    uncertainty: float | None
    sensitivity: dict[str, Any] | None
    margin: float | None
    rule: str | None
    verdict: str
    nodeid: str | None


@dataclass(frozen=True)
class RequirementRow:
    requirement_id: str
    title: str | None
    mandatory: bool | None
    verdict: str
    checks: list[CheckRow] = field(default_factory=list)


@dataclass(frozen=True)
class InstrumentRow:
    role: str
    model: str | None
    serial_number: str | None
    asset_id: str | None
    calibration_certificate: str | None
    calibration_last: str | None
    calibration_due: str | None
    calibration_overdue: bool | None


@dataclass(frozen=True)
class CampaignDetail:
    """Everything the store holds of one campaign."""

    campaign_id: str
    report_id: str | None
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    manufacturer: str
    model: str
    serial_number: str
    firmware_version: str | None
    device_class: str | None
    profile_sha256: str | None
    bench_name: str | None
    market: str | None
    catalog_name: str | None
    catalog_version: str | None
    decision_rule: str | None
    verdict: str
    simulated: bool
    signer_kind: str | None
    signer_fingerprint: str
    signed_at: dt.datetime | None
    package_path: str
    manifest_sha256: str
    imported_at: dt.datetime | None
    instruments: list[InstrumentRow] = field(default_factory=list)
    requirements: list[RequirementRow] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(self)


def show_campaign(store: Store, campaign_id: str) -> CampaignDetail | None:
    """The campaign with that id (None when the store has none)."""
    query = (select(Campaign).where(Campaign.campaign_id == campaign_id)
             .options(selectinload(Campaign.instruments),
                      selectinload(Campaign.requirements).selectinload(RequirementResult.checks)))
    with store.reading() as session:
        c = session.scalars(query).first()
        if c is None:
            return None
        return CampaignDetail(
            campaign_id=c.campaign_id, report_id=c.report_id, started_at=_utc(c.started_at),
            ended_at=_utc(c.ended_at), manufacturer=c.manufacturer, model=c.model, serial_number=c.serial_number,
            firmware_version=c.firmware_version, device_class=c.device_class, profile_sha256=c.profile_sha256,
            bench_name=c.bench_name, market=c.market, catalog_name=c.catalog_name,
            catalog_version=c.catalog_version, decision_rule=c.decision_rule, verdict=c.verdict,
            simulated=c.simulated, signer_kind=c.signer_kind, signer_fingerprint=c.signer_fingerprint,
            signed_at=_utc(c.signed_at), package_path=c.package_path, manifest_sha256=c.manifest_sha256,
            imported_at=_utc(c.imported_at),
            instruments=[InstrumentRow(i.role, i.model, i.serial_number, i.asset_id, i.calibration_certificate,
                                       i.calibration_last, i.calibration_due, i.calibration_overdue)
                         for i in c.instruments],
            requirements=[RequirementRow(r.requirement_id, r.title, r.mandatory, r.verdict,
                                         [CheckRow(k.name, k.quantity, k.measured, k.unit, k.low, k.high,
                                                   k.uncertainty, k.sensitivity, k.margin, k.rule, k.verdict,
                                                   k.nodeid) for k in r.checks])
                          for r in c.requirements])


@dataclass(frozen=True)
class TrendPoint:
    """A requirement's verdict and one check's value in one campaign of the model."""

    campaign_id: str
    started_at: dt.datetime | None
    firmware_version: str | None
    serial_number: str
    requirement_verdict: str
    check_name: str | None
    measured: float | None
    unit: str | None
    low: float | None
    high: float | None
    uncertainty: float | None
    margin: float | None
    check_verdict: str | None
    package_path: str

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(self)


def trend(store: Store, requirement: str, *, model: str, check: str | None = None) -> list[TrendPoint]:
    """The requirement across the campaigns of ``model``, oldest first (firmware versions in the order
    they were tested): one point per check (only ``check`` when given; a requirement without checks
    gives one point with its verdict alone)."""
    query = (select(Campaign.campaign_id, Campaign.started_at, Campaign.firmware_version, Campaign.serial_number,
                    RequirementResult.verdict, CheckResult.name, CheckResult.measured, CheckResult.unit,
                    CheckResult.low, CheckResult.high, CheckResult.uncertainty, CheckResult.margin,
                    CheckResult.verdict, Campaign.package_path)
             .join(RequirementResult, RequirementResult.campaign_pk == Campaign.id)
             .outerjoin(CheckResult, CheckResult.requirement_pk == RequirementResult.id)
             .where(Campaign.model == model, RequirementResult.requirement_id == requirement)
             .order_by(Campaign.started_at, Campaign.id, CheckResult.id))
    if check is not None:
        query = query.where(CheckResult.name == check)
    return _rows(store, query, TrendPoint)


def first_passing(points: list[TrendPoint]) -> TrendPoint | None:
    """The first campaign (in time) whose requirement verdict is PASS: "which firmware first passed"."""
    return next((p for p in points if p.requirement_verdict == "PASS"), None)

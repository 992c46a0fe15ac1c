"""The store's tables as SQLAlchemy 2 typed declarative models. The schema itself is created and
changed only by the Alembic migrations (lab/store/migrations/); a test checks they agree.

A campaign row points at its signed report package (``package_path``, ``manifest_sha256``): the
package stays the evidence, the store is an index of it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = ["Base", "Campaign", "Instrument", "RequirementResult", "CheckResult"]

NAMING = {"ix": "ix_%(table_name)s_%(column_0_N_name)s", "uq": "uq_%(table_name)s_%(column_0_N_name)s",
          "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s"}

UtcDateTime = DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Campaign(Base):
    """One signed report package: the campaign, the device, the bench, the verdict, the signer."""

    __tablename__ = "campaigns"
    __table_args__ = (
        Index("ix_campaigns_device", "manufacturer", "model", "serial_number"),
        Index("ix_campaigns_model_started", "model", "started_at"),
        Index("ix_campaigns_started", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(64), unique=True)
    report_id: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    manufacturer: Mapped[str] = mapped_column(String(200))
    model: Mapped[str] = mapped_column(String(200))
    serial_number: Mapped[str] = mapped_column(String(200))
    firmware_version: Mapped[str | None] = mapped_column(String(200))
    device_class: Mapped[str | None] = mapped_column(String(64))
    profile_sha256: Mapped[str | None] = mapped_column(String(64))
    bench_name: Mapped[str | None] = mapped_column(String(200))
    market: Mapped[str | None] = mapped_column(String(16))
    catalog_name: Mapped[str | None] = mapped_column(String(64))
    catalog_version: Mapped[str | None] = mapped_column(String(64))
    decision_rule: Mapped[str | None] = mapped_column(String(64))
    verdict: Mapped[str] = mapped_column(String(32))
    simulated: Mapped[bool]
    signer_kind: Mapped[str | None] = mapped_column(String(32))
    signer_fingerprint: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    package_path: Mapped[str] = mapped_column(Text)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)

    instruments: Mapped[list[Instrument]] = relationship(back_populates="campaign", cascade="all, delete-orphan",
                                                         order_by="Instrument.id")
    requirements: Mapped[list[RequirementResult]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="RequirementResult.id")


class Instrument(Base):
    """An instrument of the bench that ran the campaign, with its calibration at the time."""

    __tablename__ = "instruments"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_pk: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(200))
    serial_number: Mapped[str | None] = mapped_column(String(200))
    asset_id: Mapped[str | None] = mapped_column(String(200))
    calibration_certificate: Mapped[str | None] = mapped_column(String(200))
    calibration_last: Mapped[str | None] = mapped_column(String(32))
    calibration_due: Mapped[str | None] = mapped_column(String(32))
    calibration_overdue: Mapped[bool | None]

    campaign: Mapped[Campaign] = relationship(back_populates="instruments")


class RequirementResult(Base):
    """The verdict of one requirement of the campaign's catalog."""

    __tablename__ = "requirement_results"
    __table_args__ = (Index("ix_requirement_results_requirement_verdict", "requirement_id", "verdict"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_pk: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    requirement_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(Text)
    mandatory: Mapped[bool | None]
    verdict: Mapped[str] = mapped_column(String(32))

    campaign: Mapped[Campaign] = relationship(back_populates="requirements")
    checks: Mapped[list[CheckResult]] = relationship(back_populates="requirement", cascade="all, delete-orphan",
                                                     order_by="CheckResult.id")


class CheckResult(Base):
    """One check of a requirement: measured value, limits, uncertainty, sensitivity, margin, verdict.
    ``margin`` is the distance from the measured value to the nearer limit in the check's unit
    (negative outside the limits; None without a measured value or limits)."""

    __tablename__ = "checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    requirement_pk: Mapped[int] = mapped_column(ForeignKey("requirement_results.id", ondelete="CASCADE"),
                                                index=True)
    name: Mapped[str] = mapped_column(Text)
    quantity: Mapped[str | None] = mapped_column(String(200))
    nodeid: Mapped[str | None] = mapped_column(Text)
    measured: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(64))
    low: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)
    uncertainty: Mapped[float | None] = mapped_column(Float)
    sensitivity: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    margin: Mapped[float | None] = mapped_column(Float)
    rule: Mapped[str | None] = mapped_column(String(32))
    verdict: Mapped[str] = mapped_column(String(32))
    t_s: Mapped[float | None] = mapped_column(Float)

    requirement: Mapped[RequirementResult] = relationship(back_populates="checks")

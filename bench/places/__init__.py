"""The labgrid place of a bench: shared instruments held through labgrid's coordinator
(docs/shared-instruments.md). ``flexbench run`` holds the place a bench config names before any
instrument opens and releases it on every exit path."""

from bench.places.client import CoordinatorError, CoordinatorSession
from bench.places.config import PlaceConfig, parse_place
from bench.places.hold import RECORD_KIND, PlaceBusy, PlaceHold, hold_place, owner_name, release_all

__all__ = ["RECORD_KIND", "CoordinatorError", "CoordinatorSession", "PlaceBusy", "PlaceConfig", "PlaceHold",
           "hold_place", "owner_name", "parse_place", "release_all"]

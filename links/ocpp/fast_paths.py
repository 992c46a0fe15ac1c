"""Fast paths for the two costliest steps of the ``ocpp`` library (2.1.0, pinned) per message.

Measured on the CSMS loop thread for a 1.6 MeterValues.req of 8 sampled values
(docs/performance.md, "OCPP CSMS capacity"):

* JSON-schema validation (``jsonschema`` Draft 4): about 0.8 ms, the largest single cost;
* camelCase -> snake_case of the payload keys (two regular expressions per key, every message):
  about a third of what is left.

Both are replaced *without changing a verdict or a result*:

* validation: the library validates through ``ocpp.messages.get_validator(...).validate(payload)``.
  The wrapped lookup returns a validator that first runs a ``fastjsonschema``-compiled check of the
  same schema; only when that check rejects the payload does the library's own ``jsonschema``
  validator run, and its verdict and its error (which the library maps to the OCPP error code) are
  the ones that count. The fast check only skips work for payloads it accepts; it does not accept
  more than Draft 4 allows (it also checks ``format``, which merely sends such payloads down the
  exact path). Without ``fastjsonschema`` installed this part stays off.
* key conversion: ``ocpp.charge_point.camel_to_snake_case`` is wrapped so each distinct key is
  converted once by the library's own function and then remembered (bounded cache);
* with the fast check on, validation runs on the event loop (``ocpp.messages.ASYNC_VALIDATION =
  False``, the library's own switch) instead of a worker thread per message.

:func:`install` applies both once per process (the CSMS calls it on start); tests in
tests/ocpp/test_ocpp_fast_paths.py compare every result with the library's own path.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

import ocpp.charge_point
import ocpp.messages

_lock = threading.Lock()
_state = {"validation": False, "keys": False, "inline": False}
KEY_CACHE_SIZE = 8192


class _FastThenExact:
    """Validator with the ``validate(payload)`` shape the library calls."""

    def __init__(self, exact: Any, fast: Any, fast_error: type[Exception]) -> None:
        self.exact, self._fast, self._fast_error = exact, fast, fast_error
        self.schema = exact.schema

    def validate(self, payload: Any) -> None:
        try:
            self._fast(payload)
            return
        except self._fast_error:
            pass
        except Exception:  # noqa: BLE001 - e.g. Decimal values against a float schema: let jsonschema decide
            pass
        self.exact.validate(payload)      # the library's own verdict and error


def _install_validation() -> bool:
    try:
        import fastjsonschema
    except ImportError:
        return False
    original = ocpp.messages.get_validator
    wrapped: dict[int, _FastThenExact] = {}

    def get_validator(*args: Any, **kwargs: Any) -> Any:
        exact = original(*args, **kwargs)         # the library's cached Draft4Validator
        fast = wrapped.get(id(exact))
        if fast is None or fast.exact is not exact:
            try:
                compiled = fastjsonschema.compile(exact.schema)
            except Exception:  # noqa: BLE001 - a schema it cannot compile keeps the exact path only
                return exact
            fast = wrapped[id(exact)] = _FastThenExact(exact, compiled, fastjsonschema.JsonSchemaException)
        return fast

    get_validator.original = original  # type: ignore[attr-defined]
    ocpp.messages.get_validator = get_validator
    return True


def _install_key_cache() -> None:
    original = ocpp.charge_point.camel_to_snake_case

    @functools.lru_cache(maxsize=KEY_CACHE_SIZE)
    def snake_key(key: str) -> str:
        return next(iter(original({key: None})))

    def camel_to_snake_case(data: Any) -> Any:
        if isinstance(data, dict):
            return {(snake_key(k) if isinstance(k, str) else next(iter(original({k: None})))):
                    camel_to_snake_case(v) for k, v in data.items()}
        if isinstance(data, list):
            return [camel_to_snake_case(v) for v in data]
        return data

    camel_to_snake_case.original = original  # type: ignore[attr-defined]
    ocpp.charge_point.camel_to_snake_case = camel_to_snake_case


def install() -> dict[str, bool]:
    """Apply the fast paths once per process; which ones are active."""
    with _lock:
        if not _state["validation"]:
            _state["validation"] = _install_validation()
        if not _state["keys"]:
            _install_key_cache()
            _state["keys"] = True
        if _state["validation"]:
            # with the fast check a validation costs ~0.1 ms: handing it to a worker thread (the
            # library's default, ASYNC_VALIDATION) costs more CPU than it saves the event loop
            ocpp.messages.ASYNC_VALIDATION = False
            _state["inline"] = True
        return dict(_state)


def active() -> dict[str, bool]:
    """Which fast paths :func:`install` has applied."""
    with _lock:
        return dict(_state)


__all__ = ["KEY_CACHE_SIZE", "active", "install"]

"""Issue 13 finding 8: secrets are replaced by a fingerprint before anything is recorded."""

from __future__ import annotations

from bench.redaction import fingerprint, redact_secrets, redacted


def test_secret_keys_are_redacted_at_any_depth_and_nothing_else_changes():
    raw = {"links": {"control": {"protocol": "ocpp16j", "password": "s3cret!", "port": 9000},
                     "extra": [{"api_key": "k-1", "TLS_Private_Key": "pem"}]},
           "ratings": {"rated_power_w": 11040}, "secrets": {"token": ""}}
    out = redact_secrets(raw)
    assert out["links"]["control"] == {"protocol": "ocpp16j", "password": redacted("s3cret!"), "port": 9000}
    assert out["links"]["extra"][0] == {"api_key": redacted("k-1"), "TLS_Private_Key": redacted("pem")}
    assert out["ratings"] == raw["ratings"] and out["secrets"] == {"token": "<redacted>"}
    assert "s3cret!" not in repr(out) and raw["links"]["control"]["password"] == "s3cret!"   # a copy


def test_fingerprint_shows_which_secret_without_showing_it():
    assert redacted("a") == redacted("a") != redacted("b")
    assert fingerprint("s3cret!") in redacted("s3cret!") and len(fingerprint("x")) == 16

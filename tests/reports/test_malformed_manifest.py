"""Issue 13 finding 7: a malformed manifest is a FAILED verification naming manifest.json, never a
TypeError / AttributeError."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reports.integrity import MANIFEST_NAME, verify_folder
from reports.package import build_package


@pytest.fixture
def package(record: Any, helpers: Any, tmp_path: Path) -> Path:
    helpers.write_all_pass(record)
    build_package(record.path, tmp_path / "pkg", dev_key_dir=tmp_path / "keys")
    return tmp_path / "pkg"


@pytest.mark.parametrize("damage", ["files-not-a-list", "signer-not-a-mapping", "file-entry-not-a-mapping",
                                    "not-an-object", "public-key-not-hex", "digest-not-text"])
def test_malformed_manifest_fails_verification_naming_it(package: Path, damage: str) -> None:
    manifest = json.loads((package / MANIFEST_NAME).read_text())
    changed: Any = {
        "files-not-a-list": {**manifest, "files": 5},
        "signer-not-a-mapping": {**manifest, "signer": "x"},
        "file-entry-not-a-mapping": {**manifest, "files": ["a"]},
        "not-an-object": [1, 2],
        "public-key-not-hex": {**manifest, "signer": {**manifest["signer"], "public_key_ed25519_hex": 5}},
        "digest-not-text": {**manifest, "files": [{**f, "sha256": 5} for f in manifest["files"]]},
    }[damage]
    (package / MANIFEST_NAME).write_text(json.dumps(changed))
    result = verify_folder(package)
    assert result.status == "FAILED"
    assert any(MANIFEST_NAME in p or "bad signature" in p for p in result.problems), result.problems

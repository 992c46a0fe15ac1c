"""Report-folder integrity: a SHA-256 manifest of every file, signed with the lab's Ed25519 key.

Files written into a report folder::

    manifest.json   {"format": "flexbench-manifest/1", "files": [{"path", "sha256", "bytes"}, ...],
                     "signer": {"kind": "lab" | "development", "public_key_ed25519_hex", "fingerprint_sha256", ...}}
    manifest.sig    the Ed25519 signature (RFC 8032) of the exact bytes of manifest.json, as hex + newline

Every regular file below the folder is listed (paths relative, ``/``-separated, sorted) except
``manifest.json`` and ``manifest.sig`` themselves. :func:`verify_folder` re-hashes the folder and
reports exactly which file changed, is missing or was added, and whether the signature holds.

Lab key: the private key is a PEM (PKCS#8) Ed25519 key, found in this order: the explicit
``key_path`` (``--key``), the ``FLEXBENCH_LAB_KEY`` environment variable (a file path; an optional
passphrase in ``FLEXBENCH_LAB_KEY_PASSWORD``). Without one, a *development* key is generated once
in the user's ``~/.config/flexbench/dev-key/`` (``$XDG_CONFIG_HOME``; or ``FLEXBENCH_DEV_KEY_DIR``) and the
manifest says ``"kind": "development"``:
such a signature proves only that the folder is unchanged since it was written on that machine, never
that an accredited lab signed it. A verifier that wants the lab's signature passes the lab's
published public key (``flexbench verify DIR --public-key lab.pub.pem``).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from bench.errors import ConfigError
from reports.record import ReportError

__all__ = ["TRUSTED_KEYS_ENV", "load_trusted_keys", "development_public_key", "record_sealer", "verify_seal",
           "DEV_KEY_DIR_ENV", "DEV_KEY_NAME", "LAB_KEY_ENV", "LAB_KEY_PASSWORD_ENV", "MANIFEST_FORMAT",
           "MANIFEST_NAME", "SIGNATURE_NAME", "IntegrityError", "SigningKey", "VerifyResult",
           "file_digests", "load_public_key", "load_signing_key", "verify_folder", "write_manifest"]

MANIFEST_FORMAT = "flexbench-manifest/1"
MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.sig"
LAB_KEY_ENV = "FLEXBENCH_LAB_KEY"
LAB_KEY_PASSWORD_ENV = "FLEXBENCH_LAB_KEY_PASSWORD"
DEV_KEY_DIR_ENV = "FLEXBENCH_DEV_KEY_DIR"
DEV_KEY_NAME = "flexbench-DEVELOPMENT-ed25519.pem"
def _default_dev_key_dir() -> Path:
    """The one per-user home of the development key: ``$XDG_CONFIG_HOME/flexbench/dev-key`` (default
    ``~/.config/flexbench/dev-key``), whatever the working directory."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "flexbench" / "dev-key"

_EXCLUDED = frozenset({MANIFEST_NAME, SIGNATURE_NAME})
_CHUNK_BYTES = 1 << 20


class IntegrityError(ReportError):
    """A development key could not be created, or a manifest could not be written. (A lab key file
    that cannot be loaded is a :class:`bench.errors.ConfigError`: exit 3.)"""


# ----------------------------------------------------------------------------- keys

@dataclass(frozen=True)
class SigningKey:
    """An Ed25519 private key and what the manifest says about it."""

    private_key: Ed25519PrivateKey
    kind: str                 # "lab" or "development"
    source: str               # where it came from (file path), for the operator; not written to the manifest

    @property
    def public_raw(self) -> bytes:
        return self.private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the 32 raw public-key bytes, hex."""
        return hashlib.sha256(self.public_raw).hexdigest()

    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def _read_private_key(path: Path, password: bytes | None) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=password)
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(f"cannot load the Ed25519 private key: {exc}", file=path) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"not an Ed25519 private key ({type(key).__name__})", file=path)
    return key


def _dev_key(dev_dir: Path) -> SigningKey:
    path = dev_dir / DEV_KEY_NAME
    if path.exists():
        return SigningKey(_read_private_key(path, None), "development", str(path))
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        dev_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")   # two campaigns may start at once
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        os.replace(tmp, path)
        (dev_dir / "README.txt").write_text(
            "DEVELOPMENT signing key generated by flexbench because no lab key was configured\n"
            f"(--key or ${LAB_KEY_ENV}). Reports signed with it are marked 'development' in their\n"
            "manifest and are NOT signed by an accredited lab.\n", encoding="utf-8")
    except OSError as exc:
        raise IntegrityError(f"cannot write the development key under {dev_dir}: {exc}") from exc
    return SigningKey(key, "development", str(path))


def load_signing_key(key_path: str | Path | None = None, *, dev_key_dir: str | Path | None = None) -> SigningKey:
    """The lab key from ``key_path`` or ``$FLEXBENCH_LAB_KEY``; else the (created on first use)
    development key in ``dev_key_dir`` / ``$FLEXBENCH_DEV_KEY_DIR`` / ``~/.config/flexbench/dev-key``."""
    chosen = key_path if key_path is not None else os.environ.get(LAB_KEY_ENV) or None
    if chosen is not None:
        pw = os.environ.get(LAB_KEY_PASSWORD_ENV)
        return SigningKey(_read_private_key(Path(chosen), pw.encode("utf-8") if pw else None), "lab", str(chosen))
    directory = Path(dev_key_dir) if dev_key_dir is not None else Path(
        os.environ.get(DEV_KEY_DIR_ENV) or _default_dev_key_dir())
    return _dev_key(directory)


def load_public_key(path: str | Path) -> bytes:
    """The 32 raw bytes of an Ed25519 public key from a PEM file (public key, or a private key)."""
    data = Path(path).read_bytes()
    try:
        pub: Any = serialization.load_pem_public_key(data)
    except ValueError:
        try:
            pub = serialization.load_pem_private_key(data, password=None).public_key()
        except (ValueError, TypeError) as exc:
            raise IntegrityError(f"{path}: neither an Ed25519 public nor private key PEM") from exc
    if not isinstance(pub, Ed25519PublicKey):
        raise IntegrityError(f"{path}: not an Ed25519 key ({type(pub).__name__})")
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


TRUSTED_KEYS_ENV = "FLEXBENCH_TRUSTED_KEYS"
"""Public keys a verifier trusts: PEM files or folders of ``*.pem``, separated by ``os.pathsep``."""


def load_trusted_keys(paths: Iterable[str | Path]) -> list[bytes]:
    """Raw Ed25519 public keys from PEM files, or from every ``*.pem`` in a folder."""
    keys = []
    for path in (Path(p) for p in paths):
        files = sorted(path.glob("*.pem")) if path.is_dir() else [path]
        keys += [load_public_key(f) for f in files]
    return keys


def development_public_key(dev_key_dir: str | Path | None = None) -> bytes | None:
    """This user's development key's public half, if one exists (never created here)."""
    directory = Path(dev_key_dir) if dev_key_dir is not None else Path(
        os.environ.get(DEV_KEY_DIR_ENV) or _default_dev_key_dir())
    path = directory / DEV_KEY_NAME
    return load_public_key(path) if path.is_file() else None


# ----------------------------------------------------------------------------- record seal

def record_sealer(key: SigningKey) -> Callable[[bytes], dict[str, Any]]:
    """What :class:`bench.recorder.Recorder` records at ``campaign_end``: the record's SHA-256 head
    signed with ``key``."""

    def seal(head: bytes) -> dict[str, Any]:
        return {"algorithm": "Ed25519", "kind": key.kind, "public_key_ed25519_hex": key.public_raw.hex(),
                "signature_hex": key.private_key.sign(head).hex()}

    return seal


def verify_seal(seal: Mapping[str, Any], head: bytes) -> bytes:
    """The raw public key that signed ``head`` in ``seal``; IntegrityError when the seal is malformed or
    its signature does not hold."""
    try:
        key_raw = bytes.fromhex(str(seal["public_key_ed25519_hex"]))
        signature = bytes.fromhex(str(seal["signature_hex"]))
        Ed25519PublicKey.from_public_bytes(key_raw).verify(signature, head)
    except (KeyError, TypeError, ValueError, InvalidSignature) as exc:
        raise IntegrityError(f"the record's seal does not hold ({type(exc).__name__})") from None
    return key_raw


# ----------------------------------------------------------------------------- manifest

def _sha256_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _listed_files(folder: Path) -> list[str]:
    names = []
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            rel = path.relative_to(folder).as_posix()
            if rel not in _EXCLUDED:
                names.append(rel)
    return sorted(names)


def file_digests(folder: str | Path) -> dict[str, dict[str, Any]]:
    """``{relative path: {"sha256", "bytes"}}`` of every file below ``folder`` except the manifest pair."""
    root = Path(folder)
    out: dict[str, dict[str, Any]] = {}
    for rel in _listed_files(root):
        sha, size = _sha256_file(root / rel)
        out[rel] = {"sha256": sha, "bytes": size}
    return out


def _manifest_text(files: Mapping[str, Mapping[str, Any]], key: SigningKey,
                   extra: Mapping[str, Any]) -> str:
    signer: dict[str, Any] = {
        "kind": key.kind, "algorithm": "Ed25519",
        "public_key_ed25519_hex": key.public_raw.hex(), "fingerprint_sha256": key.fingerprint}
    if key.kind == "development":
        signer["note"] = ("DEVELOPMENT key generated by flexbench because no lab key was configured: "
                          "this signature shows the folder is unchanged, NOT that an accredited lab signed it")
    manifest = {"format": MANIFEST_FORMAT, **dict(extra), "signer": signer,
                "files": [{"path": p, **dict(files[p])} for p in sorted(files)]}
    return json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write_manifest(folder: str | Path, key: SigningKey, *, extra: Mapping[str, Any] | None = None) -> Path:
    """Hash every file in ``folder``, write ``manifest.json`` and its signature ``manifest.sig``.

    ``extra`` adds top-level fields (e.g. ``report_id``). Returns the manifest path.
    """
    root = Path(folder)
    text = _manifest_text(file_digests(root), key, extra or {})
    data = text.encode("utf-8")
    signature = key.private_key.sign(data)
    try:
        (root / MANIFEST_NAME).write_bytes(data)
        (root / SIGNATURE_NAME).write_text(signature.hex() + "\n", encoding="ascii")
    except OSError as exc:
        raise IntegrityError(f"cannot write the manifest in {root}: {exc}") from exc
    return root / MANIFEST_NAME


def manifest_files(folder: str | Path) -> list[str]:
    """The files a signed folder's manifest lists (relative paths), then the manifest pair itself;
    [] when there is no readable manifest."""
    try:
        manifest = json.loads((Path(folder) / MANIFEST_NAME).read_text(encoding="utf-8"))
        listed = [str(f["path"]) for f in manifest.get("files") or []]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return []
    return [*listed, MANIFEST_NAME, SIGNATURE_NAME]


# ----------------------------------------------------------------------------- verification

@dataclass
class VerifyResult:
    """Outcome of :func:`verify_folder`; ``ok`` only when every list is empty and the signature holds."""

    folder: Path
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    signature_ok: bool = False
    signer_kind: str | None = None
    fingerprint: str | None = None
    trusted: bool = False                                # the signing key is one the verifier trusts
    problems: list[str] = field(default_factory=list)   # manifest/signature trouble, in words
    not_a_report: bool = False                          # no folder, or nothing of a report package in it

    @property
    def intact(self) -> bool:
        """Every file as the manifest lists it, nothing added, and the manifest signed by the key it names."""
        return self.signature_ok and not (self.changed or self.missing or self.added or self.problems)

    @property
    def ok(self) -> bool:
        """Intact and signed by a key the verifier trusts: anyone can sign a forged folder with a key of
        their own, so an intact folder by an unknown key proves nothing."""
        return self.intact and self.trusted

    @property
    def status(self) -> str:
        if self.not_a_report:
            return "NOT_A_REPORT"
        return "OK" if self.ok else ("UNTRUSTED" if self.intact else "FAILED")

    def lines(self) -> list[str]:
        """Human-readable verdict, one finding per line; the first line is ``OK``, ``UNTRUSTED`` (intact,
        but signed by a key the verifier does not trust), ``FAILED`` or ``NOT_A_REPORT`` (no folder, or
        a folder with neither manifest, signature nor report.json: nothing to verify, not a forgery)."""
        out = [f"{self.status}: {self.folder}"]
        out += [f"  changed: {p}" for p in self.changed]
        out += [f"  missing: {p}" for p in self.missing]
        out += [f"  added:   {p}" for p in self.added]
        out += [f"  {p}" for p in self.problems]
        if self.fingerprint:
            out.append(f"  signer: {self.signer_kind} key, SHA-256 fingerprint {self.fingerprint}"
                       + ("  (DEVELOPMENT key: not a lab signature)" if self.signer_kind == "development" else ""))
        if self.intact and not self.trusted:
            out.append("  the signing key is not among the trusted keys (--trusted-keys / FLEXBENCH_TRUSTED_KEYS)")
        return out


def _compare(expected: Iterable[Mapping[str, Any]], actual: Mapping[str, Mapping[str, Any]],
             result: VerifyResult) -> None:
    listed: dict[str, Mapping[str, Any]] = {}
    for entry in expected:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("path"), str):
            result.problems.append("manifest.json: malformed file entry")
            continue
        listed[entry["path"]] = entry
    for path in sorted(listed):
        if path not in actual:
            result.missing.append(path)
        elif actual[path]["sha256"] != listed[path].get("sha256"):
            result.changed.append(path)
    result.added = sorted(p for p in actual if p not in listed)


def _irregular_entries(root: Path) -> list[str]:
    """Everything below ``root`` that is not a regular file or a folder (symlinks, FIFOs, sockets,
    devices): a report folder holds none, and the manifest cannot vouch for them."""
    out = []
    for path in root.rglob("*"):
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            out.append(path.relative_to(root).as_posix())
    return sorted(out)


def verify_folder(folder: str | Path, *, public_key_raw: bytes | None = None,
                  trusted_keys: Iterable[bytes] = ()) -> VerifyResult:
    """Check ``folder`` against its manifest and signature.

    The signature is checked with the key the manifest names (with ``public_key_raw``, the lab's
    published key, it must be that one). The result is ``ok`` only when that key is trusted: it is
    ``public_key_raw`` or among ``trusted_keys`` (raw Ed25519 public keys); otherwise an intact folder
    is UNTRUSTED.
    """
    root = Path(folder)
    result = VerifyResult(folder=root)
    trusted = {bytes(k) for k in trusted_keys} | ({public_key_raw} if public_key_raw is not None else set())
    manifest_path, sig_path = root / MANIFEST_NAME, root / SIGNATURE_NAME
    if not root.is_dir():
        result.not_a_report = True
        result.problems.append(f"not a folder: {root}" if root.exists() else f"no such folder: {root}")
        return result
    if not manifest_path.is_file():
        if not any((root / name).exists() for name in (SIGNATURE_NAME, "report.json")):
            result.not_a_report = True
            result.problems.append(f"not a report folder: no {MANIFEST_NAME}, {SIGNATURE_NAME} or report.json")
            return result
        result.problems.append(f"missing: {MANIFEST_NAME} (the folder was never signed, or it was deleted)")
        return result
    data = manifest_path.read_bytes()
    try:
        manifest = json.loads(data.decode("utf-8"))
        if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
            raise ValueError(f"format is not {MANIFEST_FORMAT}")
        signer = manifest.get("signer") or {}
        if not isinstance(signer, dict) or not isinstance(manifest.get("files", []), list):
            raise ValueError("'signer' must be a mapping and 'files' a list")
        embedded = bytes.fromhex(str(signer.get("public_key_ed25519_hex", "")))
        result.signer_kind = str(signer.get("kind"))
    except (UnicodeDecodeError, ValueError) as exc:
        result.changed.append(MANIFEST_NAME)
        result.problems.append(f"{MANIFEST_NAME} is not a valid manifest: {exc}")
        return result
    _compare(manifest.get("files") or [], file_digests(root), result)
    result.problems += [f"not a regular file: {p} (symlinks, FIFOs and devices have no place in a report folder)"
                        for p in _irregular_entries(root)]
    key_raw = public_key_raw if public_key_raw is not None else embedded
    result.fingerprint = hashlib.sha256(key_raw).hexdigest()
    if public_key_raw is not None and embedded != public_key_raw:
        result.problems.append("signer: the manifest names a different key than the given public key")
    if not sig_path.is_file():
        result.missing.append(SIGNATURE_NAME)
        result.problems.append("bad signature: manifest.sig is missing")
        return result
    try:
        signature = bytes.fromhex(sig_path.read_text(encoding="ascii").strip())
        Ed25519PublicKey.from_public_bytes(key_raw).verify(signature, data)
        result.signature_ok = True
        result.trusted = key_raw in trusted
    except (InvalidSignature, ValueError, UnicodeDecodeError):
        result.problems.append("bad signature: manifest.sig does not match manifest.json "
                               "(manifest.json or manifest.sig was changed, or signed by another key)")
    return result

"""``flexbench verify`` / ``flexbench diff`` / ``flexbench keygen`` (registered into the main CLI).

Exit codes (1 is NON_COMPLIANT, for ``run`` only): ``verify`` 0 OK, 4 UNTRUSTED (intact, but signed by a
key the verifier does not trust), 5 FAILED (a file changed / is missing / was added / is not a regular
file, or the signature is bad), 7 NOT_A_REPORT (no such folder, or a folder holding no manifest, signature
or report.json: a wrong path, not a tampered report); ``diff`` 0 identical, 6 the reports differ; 3 usage
error (unreadable input, or two reports of different format versions), as everywhere.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXIT_OK = 0
EXIT_DIFFERENT = 6
EXIT_UNTRUSTED = 4
EXIT_TAMPERED = 5
EXIT_NOT_A_REPORT = 7

VERIFY_EXIT_CODES = {"OK": EXIT_OK, "UNTRUSTED": EXIT_UNTRUSTED, "FAILED": EXIT_TAMPERED,
                     "NOT_A_REPORT": EXIT_NOT_A_REPORT}


def trust_from_options(args: argparse.Namespace) -> tuple[bytes | None, list[bytes]]:
    """The lab's public key (``--public-key``) and the trusted keys (``--trusted-keys``,
    $FLEXBENCH_TRUSTED_KEYS, ``--trust-development-key``) of :func:`add_trust_options`."""
    import os

    from bench.errors import ConfigError
    from reports.integrity import (TRUSTED_KEYS_ENV, IntegrityError, development_public_key, load_public_key,
                                   load_trusted_keys)

    sources = [*(args.trusted_keys or []), *filter(None, os.environ.get(TRUSTED_KEYS_ENV, "").split(os.pathsep))]
    try:
        pub = load_public_key(args.public_key) if args.public_key else None
        trusted = load_trusted_keys(sources)
    except (OSError, IntegrityError) as exc:
        raise ConfigError(str(exc), field="--trusted-keys / --public-key") from exc
    if args.trust_development_key:
        dev = development_public_key()
        if dev is None:
            raise ConfigError("no development key on this machine to trust", field="--trust-development-key")
        trusted.append(dev)
    return pub, trusted


def _cmd_verify(args: argparse.Namespace) -> int:
    from reports.integrity import verify_folder

    pub, trusted = trust_from_options(args)
    result = verify_folder(args.dir, public_key_raw=pub, trusted_keys=trusted)
    print("\n".join(result.lines()))
    return VERIFY_EXIT_CODES.get(result.status, EXIT_TAMPERED)


def _cmd_diff(args: argparse.Namespace) -> int:
    from bench.errors import ConfigError
    from reports.diff import diff_reports, format_diff, load_profile, load_reports
    from reports.record import ReportError

    try:
        a, b = load_reports(args.a, args.b)
    except ReportError as exc:
        raise ConfigError(str(exc)) from exc
    result = diff_reports(a, b, profiles=(load_profile(args.a), load_profile(args.b)))
    if args.json:       # the text output shows them first; JSON readers may not look
        for warning in result.warnings:
            print(f"flexbench diff: WARNING: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, sort_keys=True, ensure_ascii=False))
    else:
        sys.stdout.write(format_diff(result))
    return EXIT_OK if result.identical else EXIT_DIFFERENT


def _cmd_keygen(args: argparse.Namespace) -> int:
    """Write a new Ed25519 lab key pair (private PEM, mode 0600; public PEM next to it)."""
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from bench.errors import ConfigError

    path = Path(args.path)
    if path.exists():
        raise ConfigError("refusing to overwrite an existing key", file=path)
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))
    pub_path = path.with_name(path.name.removesuffix(".pem") + ".pub.pem")
    pub_path.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo))
    print(f"private key: {path} (keep it secret; use with --key or FLEXBENCH_LAB_KEY)")
    print(f"public key:  {pub_path} (publish it; verify with --public-key)")
    return EXIT_OK


def add_trust_options(parser: argparse.ArgumentParser) -> None:
    """The options naming the keys a signed folder must be by (``verify``, ``results import``)."""
    parser.add_argument("--public-key", default=None,
                        help="the lab's published Ed25519 public key (PEM): require the signature to be by it")
    parser.add_argument("--trusted-keys", action="append", default=None, metavar="PEM_OR_FOLDER",
                        help="public keys to trust (PEM file or folder of *.pem; repeatable; also "
                             "$FLEXBENCH_TRUSTED_KEYS); a folder signed by any other key is UNTRUSTED")
    parser.add_argument("--trust-development-key", action="store_true",
                        help="trust this user's development key (a demo or a dry run, never a lab signature)")


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the report-integrity commands to the main parser."""
    verify = sub.add_parser("verify", help="check a report folder against its signed SHA-256 manifest",
                            epilog="exit codes: 0 OK (intact, signed by a trusted key); 4 UNTRUSTED (intact, "
                                   "signed by another key); 5 FAILED (a file changed, missing or added, or a bad "
                                   "signature); 7 NOT_A_REPORT (no such folder, or no manifest, signature or "
                                   "report.json in it); 3 usage error")
    verify.add_argument("dir", help="report folder (holding manifest.json and manifest.sig)")
    add_trust_options(verify)
    verify.set_defaults(func=_cmd_verify)

    diff = sub.add_parser("diff", help="what changed between two reports, requirement by requirement",
                          epilog="exit codes: 0 identical; 6 the reports differ; 3 unreadable input or reports of "
                                 "different format versions")
    diff.add_argument("a", help="report.json (or its folder): before")
    diff.add_argument("b", help="report.json (or its folder): after")
    diff.add_argument("--json", action="store_true", help="machine-readable output")
    diff.set_defaults(func=_cmd_diff)

    keygen = sub.add_parser("keygen", help="create an Ed25519 lab signing key pair")
    keygen.add_argument("path", help="private key file to create (PEM); the public key is written next to it")
    keygen.set_defaults(func=_cmd_keygen)

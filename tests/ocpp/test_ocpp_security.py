"""OCPP security profiles 1-3 on the bench's CSMS (OCPP 1.6 Security Whitepaper §2; 2.0.1 Part 2 A00)."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from ocpp_test_chargers import CALL_TIMEOUT_S, Charger16, Charger201, basic_auth_header, boot16, boot201, running
from websockets.exceptions import InvalidHandshake, InvalidStatus

from bench.errors import ConfigError, LinkError
from links.ocpp import CsmsConfig, CsmsServer, TestPki, client_ssl_context

PASSWORD = "correct horse battery 42"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return TestPki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def make_csms() -> Iterator:
    servers: list[CsmsServer] = []

    def make(**kwargs) -> CsmsServer:
        server = CsmsServer(CsmsConfig(response_timeout_s=CALL_TIMEOUT_S, **kwargs))
        server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


def test_profile1_right_password_boots_and_wrong_password_gets_401(make_csms) -> None:
    csms = make_csms(security_profile=1, passwords={"CP1": PASSWORD})
    url = f"ws://127.0.0.1:{csms.port}"

    async def scenario() -> None:
        async with running(Charger16, url, "CP1", "ocpp1.6", headers=basic_auth_header("CP1", PASSWORD)) as cp:
            assert (await boot16(cp)).status == "Accepted"
            await asyncio.to_thread(csms.wait_for_charger, "CP1", CALL_TIMEOUT_S)
        for headers in (basic_auth_header("CP1", "wrong"), basic_auth_header("OTHER", PASSWORD), None):
            with pytest.raises(InvalidStatus) as refused:
                async with running(Charger16, url, "CP1", "ocpp1.6", headers=headers):
                    pass
            assert refused.value.response.status_code == 401

    asyncio.run(scenario())
    assert csms.boot_info("CP1") == {"vendor": "Acme", "model": "W11"}


def test_profile2_tls_with_test_ca_works_and_untrusting_client_refuses(make_csms, pki: TestPki) -> None:
    csms = make_csms(security_profile=2, passwords={"CS2": PASSWORD}, tls=pki.issue_server_cert())
    url = f"wss://localhost:{csms.port}"
    auth = basic_auth_header("CS2", PASSWORD)

    async def scenario() -> None:
        async with running(Charger201, url, "CS2", "ocpp2.0.1", headers=auth,
                           ssl_context=client_ssl_context(pki.ca_cert_path)) as cp:
            assert (await boot201(cp)).status == "Accepted"
            assert cp._connection.transport.get_extra_info("ssl_object").version() in ("TLSv1.2", "TLSv1.3")
        other_ca = TestPki(pki.folder / "other", name="some other CA")
        with pytest.raises(ssl.SSLCertVerificationError):
            async with running(Charger201, url, "CS2", "ocpp2.0.1", headers=auth,
                               ssl_context=client_ssl_context(other_ca.ca_cert_path)):
                pass

    asyncio.run(scenario())


def test_profile3_mutual_tls_needs_a_client_certificate_from_the_ca(make_csms, pki: TestPki) -> None:
    csms = make_csms(security_profile=3, tls=pki.issue_server_cert())
    url = f"wss://127.0.0.1:{csms.port}"

    async def scenario() -> None:
        client = pki.issue_client_cert("CP3")
        async with running(Charger16, url, "CP3", "ocpp1.6",
                           ssl_context=client_ssl_context(pki.ca_cert_path, client)) as cp:
            assert (await boot16(cp)).status == "Accepted"
        foreign = TestPki(pki.folder / "foreign", name="foreign CA").issue_client_cert("CP3")
        for client_cert in (None, foreign):
            with pytest.raises((ssl.SSLError, OSError, InvalidHandshake, EOFError)):
                async with running(Charger16, url, "CP3", "ocpp1.6",
                                   ssl_context=client_ssl_context(pki.ca_cert_path, client_cert)) as cp:
                    await boot16(cp)

    asyncio.run(scenario())


def test_tls_profiles_need_server_files_and_basic_auth_profiles_need_passwords() -> None:
    with pytest.raises(ConfigError):
        CsmsServer(CsmsConfig(security_profile=2, passwords={"A": "b"}))
    with pytest.raises(ConfigError):
        CsmsServer(CsmsConfig(security_profile=1))
    with pytest.raises(ConfigError):
        CsmsServer(CsmsConfig(security_profile=4))


def test_pki_server_cert_names_localhost_and_loopback(pki: TestPki) -> None:
    from cryptography import x509
    files = pki.issue_server_cert()
    cert = x509.load_pem_x509_certificate(Path(files.server.cert_path).read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]


def test_profile3_client_certificate_cn_must_be_the_charger_identity(make_csms, pki: TestPki) -> None:
    """OCPP 2.0.1 A00 / 1.6 Security Whitepaper: the charging station certificate's CN is its identity."""
    csms = make_csms(security_profile=3, tls=pki.issue_server_cert())
    url = f"wss://localhost:{csms.port}"
    someone_else = pki.issue_client_cert("CP-OTHER")       # valid, signed by the right CA, wrong CN

    async def scenario() -> None:
        with pytest.raises(InvalidStatus) as refused:
            async with running(Charger16, url, "CP-REAL", "ocpp1.6",
                               ssl_context=client_ssl_context(pki.ca_cert_path, someone_else)):
                pass
        assert refused.value.response.status_code == 403
        async with running(Charger16, url, "CP-OTHER", "ocpp1.6",
                           ssl_context=client_ssl_context(pki.ca_cert_path, someone_else)) as cp:
            assert (await boot16(cp)).status == "Accepted"

    asyncio.run(scenario())
    [violation] = csms.violations("CP-REAL")
    assert "CN 'CP-OTHER'" in violation.reason and "'CP-REAL'" in violation.reason
    assert csms.violations("CP-OTHER") == []
    assert [e.kind for e in csms.connection_events("CP-REAL")] == ["refused"]


def test_reused_pki_keeps_its_ca_and_server_names_follow_the_bench_address(tmp_path: Path) -> None:
    from cryptography import x509
    first_ca = TestPki(tmp_path / "lab").ca_cert_path.read_bytes()
    again = TestPki(tmp_path / "lab", reuse=True)
    assert again.ca_cert_path.read_bytes() == first_ca
    assert TestPki(tmp_path / "other").ca_cert_path.read_bytes() != first_ca   # without reuse: a new CA
    files = again.issue_server_cert(names=("csms.lab.example", "192.0.2.5"))
    cert = x509.load_pem_x509_certificate(files.server.cert_path.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["csms.lab.example"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["192.0.2.5"]


def test_security_controls_change_what_new_handshakes_need(make_csms, pki: TestPki) -> None:
    """set_expected_password (profiles 1/2), use_untrusted_server_certificate (2/3) and
    trust_client_certificates (3) act on new handshakes and are undone by their default value."""
    rogue = TestPki(pki.folder / "rogue", name="rogue CA").issue_server_cert()
    basic = make_csms(security_profile=2, passwords={"CP2": PASSWORD}, tls=pki.issue_server_cert(),
                      untrusted_tls=rogue)
    mutual = make_csms(security_profile=3, tls=pki.issue_server_cert(), untrusted_tls=rogue)
    client = pki.issue_client_cert("CP3")
    auth = basic_auth_header("CP2", PASSWORD)

    async def connects(csms: CsmsServer, charger_id: str, **kwargs) -> bool:
        try:
            async with running(Charger16, f"wss://localhost:{csms.port}", charger_id, "ocpp1.6", **kwargs) as cp:
                return (await boot16(cp)).status == "Accepted"
        except (InvalidHandshake, ssl.SSLError, OSError, EOFError):
            return False

    async def scenario() -> list[bool]:
        tls2 = {"headers": auth, "ssl_context": client_ssl_context(pki.ca_cert_path)}
        tls3 = {"ssl_context": client_ssl_context(pki.ca_cert_path, client)}
        seen = [await connects(basic, "CP2", **tls2)]
        basic.set_expected_password("CP2", "another password, 16+")
        seen.append(await connects(basic, "CP2", **tls2))
        basic.set_expected_password("CP2", None)
        basic.use_untrusted_server_certificate(True)
        seen.append(await connects(basic, "CP2", **tls2))
        basic.use_untrusted_server_certificate(False)
        seen.append(await connects(basic, "CP2", **tls2))
        mutual.trust_client_certificates(False)
        seen.append(await connects(mutual, "CP3", **tls3))
        mutual.trust_client_certificates(True)
        seen.append(await connects(mutual, "CP3", **tls3))
        return seen

    assert asyncio.run(scenario()) == [True, False, False, True, False, True]
    assert [e.kind for e in basic.connection_events("CP2")].count("refused") == 1     # the 401; TLS fails earlier


def test_security_controls_that_do_not_apply_refuse_to_spoil_but_accept_the_default(make_csms) -> None:
    plain = make_csms(security_profile=0)
    for restore in (lambda: plain.set_expected_password("CP", None),
                    lambda: plain.use_untrusted_server_certificate(False),
                    lambda: plain.trust_client_certificates(True)):
        restore()                                            # a no-op, whatever the profile
    for spoil in (lambda: plain.set_expected_password("CP", "x" * 16),
                  lambda: plain.use_untrusted_server_certificate(True),
                  lambda: plain.trust_client_certificates(False)):
        with pytest.raises(LinkError):
            spoil()

"""GB/T 32918 / GB/T 32905 vectors and backend cross-checks (SIGNING §1.3)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from gaozhi_plugin_sm2 import GmalgBackend, GmsslPyxBackend, Sm2Error, Sm2Signer
from gaozhi_plugin_sm2.backend import parse_der_signature
from gaozhi_plugin_sm2.curve import N, digest_e, is_on_curve, sm3, user_hash_z
from gaozhi_plugin_sm2.keys import Sm2PrivateKey, generate_private_key

# GM/T 0003.5-2012 Annex A / GB/T 32918.5-2017 Annex A ("VB" in SIGNING §1.3).
VB_D = bytes.fromhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")
VB_X = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
VB_Y = "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
VB_Z = "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3"
VB_E = "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640"
VB_R = 0xF5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3
VB_S = 0xB1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA
VB_MSG = b"message digest"
VB_POINT = bytes.fromhex(VB_X + VB_Y)
VB_SIG = encode_dss_signature(VB_R, VB_S)

BACKENDS = [GmsslPyxBackend(), GmalgBackend()]


def test_sm3_standard_vectors() -> None:
    assert sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert sm3(b"abcd" * 16).hex() == (
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    )


def test_vb_public_key_derived_from_d() -> None:
    key = Sm2PrivateKey(VB_D)
    assert key.public_key.point == VB_POINT
    assert is_on_curve(VB_POINT)


def test_vb_z_and_e_computed_by_sdk_match_annex_a() -> None:
    z = user_hash_z(VB_POINT, "1234567812345678")
    assert z.hex().upper() == VB_Z
    assert digest_e(z, VB_MSG).hex().upper() == VB_E
    assert user_hash_z(VB_POINT, "ALICE123@YAHOO.COM") != z


@pytest.mark.parametrize("backend", BACKENDS, ids=lambda b: b.name)
def test_vb_signature_verifies_and_tampering_fails(backend: GmsslPyxBackend | GmalgBackend) -> None:
    assert backend.verify(VB_POINT, VB_MSG, VB_SIG, "1234567812345678")
    assert not backend.verify(VB_POINT, VB_MSG + b"!", VB_SIG, "1234567812345678")
    assert not backend.verify(VB_POINT, VB_MSG, VB_SIG, "1234567812345679")
    bad_s = encode_dss_signature(VB_R, VB_S ^ 1)
    assert not backend.verify(VB_POINT, VB_MSG, bad_s, "1234567812345678")


@pytest.mark.parametrize("backend", BACKENDS, ids=lambda b: b.name)
@pytest.mark.parametrize(
    "sig",
    [
        encode_dss_signature(0, VB_S),
        encode_dss_signature(VB_R, 0),
        encode_dss_signature(N, VB_S),
        encode_dss_signature(VB_R, N),
        VB_SIG + b"\x00",  # trailing bytes
        VB_R.to_bytes(32, "big") + VB_S.to_bytes(32, "big"),  # raw r‖s is not DER
        b"",
    ],
)
def test_degenerate_or_non_der_signatures_rejected(
    backend: GmsslPyxBackend | GmalgBackend, sig: bytes
) -> None:
    assert not backend.verify(VB_POINT, VB_MSG, sig, "1234567812345678")


def test_non_canonical_der_rejected() -> None:
    # r with a superfluous leading zero byte: BER, not DER.
    r = VB_R.to_bytes(32, "big")
    body = b"\x02\x22\x00\x00" + r + b"\x02\x21\x00" + VB_S.to_bytes(32, "big")
    assert parse_der_signature(b"\x30" + bytes([len(body)]) + body) is None
    assert parse_der_signature(VB_SIG) == (VB_R, VB_S)


def test_gmssl_pyx_signature_with_custom_id_verifies_in_gmalg_and_gmssl_message_api() -> None:
    import gmssl_pyx

    key = generate_private_key()
    signer = Sm2Signer(key, signer_id="ALICE123@YAHOO.COM")
    sig = signer.sign(b"pledge bytes")
    assert GmalgBackend().verify(key.public_key.point, b"pledge bytes", sig, "ALICE123@YAHOO.COM")
    assert gmssl_pyx.sm2_verify(
        key.public_key.point, b"pledge bytes", sig, signer_id=b"ALICE123@YAHOO.COM"
    )
    assert not GmalgBackend().verify(key.public_key.point, b"pledge bytes", sig, "1234567812345678")


def test_keys_whose_x_starts_with_zero_nibble_work() -> None:
    # gmssl 3.2.2's lstrip("04") bug (SIGNING §1.4) broke ~1 in 8 such keys.
    for _ in range(400):
        key = generate_private_key()
        if key.public_key.point[0] < 0x10:
            break
    else:  # pragma: no cover - probability 2^-37
        pytest.fail("no key with a leading zero nibble found")
    sig = Sm2Signer(key).sign(b"x")
    for backend in BACKENDS:
        assert backend.verify(key.public_key.point, b"x", sig, "1234567812345678")


def test_fallback_backend_refuses_to_sign_with_coded_error() -> None:
    with pytest.raises(Sm2Error) as info:
        Sm2Signer(generate_private_key(), backend=GmalgBackend())
    assert info.value.code == "GZ-SM2-001"
    assert "gmssl-pyx" in info.value.message

"""居民身份证号码 (GB 11643-1999) and 统一社会信用代码 (GB 32100-2015) — DOMAIN §5.

Every worked example and pitfall of DOMAIN §5 is a test here. The checksums are also
compared with independent re-implementations written from the DOMAIN text (python-stdnum's
``(1 - 2 * int(body17, 13)) % 11`` formula for the resident ID; the mod-31 table for USCC),
so a shared mistake in ``gaozhi_sdk.ids`` and a test helper cannot hide.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gaozhi_sdk.errors import GaozhiError, InvalidIdentifierError
from gaozhi_sdk.ids import (
    IdentifierCheck,
    check_resident_id,
    check_uscc,
    convert_15_to_18,
    digest_identifier,
    mask_identifier,
    mask_text,
    resident_id_check_char,
    uscc_check_char,
    validate_resident_id,
    validate_uscc,
)

PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- independent reference implementations, written from DOMAIN §5 -------------------------

#: DOMAIN §5.2 character table: 0-9 → 0-9, then A…Y without I, O, S, V, Z → 10…30.
REF_USCC_CHARSET = "0123456789" + "".join(
    c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in "IOSVZ"
)


def stdnum_ric_check(body17: str) -> str:
    """python-stdnum's formula quoted in DOMAIN §5.1: ``(1 - 2 * int(body17, 13)) % 11``."""
    v = (1 - 2 * int(body17, 13)) % 11
    return "X" if v == 10 else str(v)


def ref_resident_sum(body17: str) -> int:
    """S = Σ a_i·W_i with W_i = 2^(17-i) mod 11, i = 0..16 (DOMAIN §5.1)."""
    return sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(body17))


def ref_uscc_sum(body17: str) -> int:
    """S = Σ C_i·W_i with W_i = 3^(i-1) mod 31 (DOMAIN §5.2)."""
    return sum(REF_USCC_CHARSET.index(c) * pow(3, i - 1, 31) for i, c in enumerate(body17, 1))


def ref_uscc_check(body17: str) -> str:
    return REF_USCC_CHARSET[(31 - ref_uscc_sum(body17) % 31) % 31]


def _error(fn: Callable[[Any], object], value: Any) -> InvalidIdentifierError:
    with pytest.raises(InvalidIdentifierError) as info:
        fn(value)
    return info.value


def _assert_not_leaked(exc: GaozhiError, *secrets: str) -> None:
    texts = [
        str(exc),
        repr(exc),
        exc.message,
        exc.message_en or "",
        repr(exc.details),
        repr(exc.to_dict()),
        repr(exc.args),
    ]
    for secret in secrets:
        for text in texts:
            assert secret not in text


# --- §5.1 resident ID: worked examples ------------------------------------------------------

#: (ID, S, Y) exactly as computed in DOMAIN §5.1.
RESIDENT_WORKED = [
    ("11010519491231002X", 167, 2),
    ("440524188001010014", 195, 8),
    ("34052419800101001X", 189, 2),
    ("513101198201130014", 184, 8),
    ("370101190102039973", 262, 9),
]


@pytest.mark.parametrize(("rid", "s", "y"), RESIDENT_WORKED)
def test_section_5_1_worked_examples_validate(rid: str, s: int, y: int) -> None:
    assert ref_resident_sum(rid[:17]) == s
    assert s % 11 == y
    assert resident_id_check_char(rid[:17]) == rid[17]
    assert stdnum_ric_check(rid[:17]) == rid[17]
    assert validate_resident_id(rid) == rid


def test_section_5_1_leap_day_2000_is_valid() -> None:
    assert validate_resident_id("110105200002290013") == "110105200002290013"


def test_section_5_1_stdnum_pitfalls_are_valid_here() -> None:
    """stdnum rejects 440524188001010014 and crashes on 34052419800101001X; we accept both."""
    assert check_resident_id("440524188001010014").value == "440524188001010014"
    assert check_resident_id("34052419800101001X").value == "34052419800101001X"


@pytest.mark.parametrize(
    "rid",
    [
        "110105194902310026",  # 1949-02-31
        "110105190002290017",  # 1900-02-29: 1900 is not a leap year
    ],
)
def test_section_5_1_impossible_date_rejected_by_date_rule_not_checksum(rid: str) -> None:
    # The check character is right for the body: the date rule must be what rejects it.
    assert resident_id_check_char(rid[:17]) == rid[17]
    assert stdnum_ric_check(rid[:17]) == rid[17]
    exc = _error(validate_resident_id, rid)
    assert exc.code == "GZ-ID-004"
    _assert_not_leaked(exc, rid)


@pytest.mark.parametrize("birth", ["29990101", "17991231"])
def test_section_5_1_out_of_range_birth_date_rejected(birth: str) -> None:
    body = "110105" + birth + "002"
    exc = _error(validate_resident_id, body + resident_id_check_char(body))
    assert exc.code == "GZ-ID-004"


def test_section_5_1_lower_case_x_normalised() -> None:
    assert validate_resident_id("11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize(
    "raw",
    [
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits and letter
        "１１０１０５１９４９１２３１００２ｘ",  # full-width lower-case x
        "110105 19491231 002X",
        "110105-19491231-002X",
        " 110105\u300019491231\t002x ",  # ideographic space, tab
        "110105－19491231－002X",  # full-width hyphen
        "110105–19491231—002X",  # en/em dashes
    ],
)
def test_section_5_1_full_width_and_separators_normalised(raw: str) -> None:
    assert validate_resident_id(raw) == "11010519491231002X"


@pytest.mark.parametrize(
    "raw",
    [
        "".join(chr(0x966 + int(c)) for c in "11010519491231002") + "X",  # Devanagari digits
        "".join(chr(0x660 + int(c)) for c in "11010519491231002") + "X",  # Arabic-Indic
    ],
)
def test_section_5_1_non_ascii_digits_rejected(raw: str) -> None:
    """str.isdigit() accepts these; a stored ID must be ASCII (regression)."""
    assert _error(validate_resident_id, raw).code == "GZ-ID-002"


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002",  # 17 chars
        "11010519491231002X1",  # 19 chars
        "1101051949123100AX",  # letter in the body
        "11010519491231002Y",  # check char outside 0-9X
        "",
        "X10105194912310021",
    ],
)
def test_section_5_1_length_and_charset_rejected(raw: str) -> None:
    assert _error(validate_resident_id, raw).code == "GZ-ID-002"


@pytest.mark.parametrize(("rid", "_s", "_y"), RESIDENT_WORKED)
def test_section_5_1_wrong_check_char_rejected(rid: str, _s: int, _y: int) -> None:
    for c in "0123456789X":
        if c != rid[17]:
            exc = _error(validate_resident_id, rid[:17] + c)
            assert exc.code == "GZ-ID-003"


def test_section_5_1_non_string_rejected() -> None:
    assert _error(validate_resident_id, 110105194912310020).code == "GZ-ID-001"
    assert _error(validate_uscc, None).code == "GZ-ID-001"


def test_section_5_1_fifteen_digit_input_points_to_converter() -> None:
    exc = _error(validate_resident_id, "110105491231002")
    assert exc.code == "GZ-ID-002"
    assert "convert_15_to_18" in exc.message


def test_section_5_1_convert_15_to_18_worked_example() -> None:
    assert convert_15_to_18("110105491231002") == "11010519491231002X"
    assert convert_15_to_18("110105 491231 002") == "11010519491231002X"


@pytest.mark.parametrize("raw", ["11010549123100", "1101054912310021", "11010549123100X", ""])
def test_section_5_1_convert_15_to_18_rejects_non_15_digit(raw: str) -> None:
    assert _error(convert_15_to_18, raw).code == "GZ-ID-005"


def test_section_5_1_convert_15_to_18_rejects_impossible_date() -> None:
    # 1949-02-31 — the 1900s century is assumed, never guessed otherwise.
    assert _error(convert_15_to_18, "110105490231002").code == "GZ-ID-004"


def test_section_5_1_unknown_region_code_is_warning_not_error() -> None:
    body = "990101" + "19800101" + "001"
    rid = body + resident_id_check_char(body)
    assert validate_resident_id(rid) == rid  # no hard error
    result = check_resident_id(rid)
    assert result.value == rid
    assert any(w.startswith("GZ-ID-W01") for w in result.warnings)


def test_section_5_1_province_level_region_code_is_warning() -> None:
    body = "110000" + "19800101" + "001"
    rid = body + resident_id_check_char(body)
    assert [w[:9] for w in check_resident_id(rid).warnings] == ["GZ-ID-W02"]


@pytest.mark.parametrize(("rid", "_s", "_y"), RESIDENT_WORKED)
def test_section_5_1_known_regions_have_no_warnings(rid: str, _s: int, _y: int) -> None:
    assert check_resident_id(rid).warnings == ()


# --- §5.1 properties --------------------------------------------------------------------------

resident_bodies = st.builds(
    lambda region, born, seq: f"{region}{born:%Y%m%d}{seq}",
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.dates(min_value=date(1800, 1, 1), max_value=date.today()),
    st.text(alphabet="0123456789", min_size=3, max_size=3),
)


@PROPS
@given(body=st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_section_5_1_check_char_equals_stdnum_formula(body: str) -> None:
    assert resident_id_check_char(body) == stdnum_ric_check(body)


@PROPS
@given(body=resident_bodies)
def test_section_5_1_body_plus_check_char_is_valid(body: str) -> None:
    rid = body + resident_id_check_char(body)
    assert validate_resident_id(rid) == rid
    assert check_resident_id(rid).value == rid


@PROPS
@given(body=resident_bodies, pos=st.integers(0, 17), data=st.data())
def test_section_5_1_any_single_substitution_rejected_by_checksum(
    body: str, pos: int, data: st.DataObject
) -> None:
    rid = body + resident_id_check_char(body)
    alphabet = "0123456789X" if pos == 17 else "0123456789"
    new = data.draw(st.sampled_from([c for c in alphabet if c != rid[pos]]))
    bad = rid[:pos] + new + rid[pos + 1 :]
    exc = _error(validate_resident_id, bad)
    assert exc.code == "GZ-ID-003"  # MOD 11-2 detects every single substitution
    _assert_not_leaked(exc, bad)


# --- §5.2 USCC: worked examples ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "s"),
    [
        ("91350100M000100Y43", 1640),  # GB 32100 sample
        ("91110000600037341L", 538),  # python-stdnum doctest
        ("91110108551385082Q", None),  # uscc-utils README
        ("914403012LPU93PAW0", None),  # S mod 31 = 0 → check '0'
    ],
)
def test_section_5_2_worked_examples_validate(code: str, s: int | None) -> None:
    if s is not None:
        assert ref_uscc_sum(code[:17]) == s
    assert uscc_check_char(code[:17]) == ref_uscc_check(code[:17]) == code[17]
    assert validate_uscc(code) == code


def test_section_5_2_sum_divisible_by_31_gives_check_zero() -> None:
    assert ref_uscc_sum("914403012LPU93PAW") % 31 == 0
    assert uscc_check_char("914403012LPU93PAW") == "0"


def test_section_5_2_charset_table_matches_module() -> None:
    """Every one of the 31 characters has the value of the DOMAIN §5.2 table."""
    for c in REF_USCC_CHARSET:
        for pos in (8, 16):
            body = ("91350100" + "0" * 9)[:pos] + c + ("91350100" + "0" * 9)[pos + 1 :]
            assert uscc_check_char(body) == ref_uscc_check(body)


def test_section_5_2_mistyped_sample_4z_rejected() -> None:
    """``…4Z`` is invalid (DOMAIN §5.2). Z is outside the 31-character set, so the
    charset layer (GZ-ID-010) rejects it before the checksum layer is reached."""
    exc = _error(validate_uscc, "91350100M000100Y4Z")
    assert exc.code == "GZ-ID-010"
    _assert_not_leaked(exc, "91350100M000100Y4Z")


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y42",  # sample with a wrong in-charset check char
        "91350100M000100Y4Y",
        "91310115MA1H8R7C6D",  # CSDN blog "example"
        "91310115MA1G4L1WXK",  # galtzs.cn "example"
    ],
)
def test_section_5_2_bad_check_char_rejected(code: str) -> None:
    exc = _error(validate_uscc, code)
    assert exc.code == "GZ-ID-011"
    _assert_not_leaked(exc, code)


def test_section_5_2_web_examples_compute_check_7() -> None:
    assert uscc_check_char("91310115MA1H8R7C6") == "7"
    assert uscc_check_char("91310115MA1G4L1WX") == "7"


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_section_5_2_letters_i_o_s_v_z_rejected(letter: str) -> None:
    assert _error(validate_uscc, "91350100" + letter + "000100Y43").code == "GZ-ID-010"
    assert _error(validate_uscc, "91350100M000100Y4" + letter).code == "GZ-ID-010"


@pytest.mark.parametrize("code", ["91350100M000100Y4", "91350100M000100Y433", "", "91350100M00-"])
def test_section_5_2_length_rejected(code: str) -> None:
    assert _error(validate_uscc, code).code == "GZ-ID-010"


@pytest.mark.parametrize(
    "raw", ["91350100m000100y43", " 9135 0100-M000 100Y43 ", "９１３５０１００Ｍ０００１００Ｙ４３"]
)
def test_section_5_2_normalised(raw: str) -> None:
    assert validate_uscc(raw) == "91350100M000100Y43"


def test_section_5_2_region_positions_must_be_digits() -> None:
    body = "91A50100M000100Y4"
    code = body + uscc_check_char(body)
    assert _error(validate_uscc, code).code == "GZ-ID-012"


def test_section_5_2_check_uscc_sample_has_no_warnings() -> None:
    for code in ("91350100M000100Y43", "91110000600037341L", "91110108551385082Q"):
        assert check_uscc(code).warnings == ()


def test_section_5_2_inner_org_code_mismatch_is_only_a_warning() -> None:
    body = "91350100M000100Y5"  # inner check should be 4 (M000100Y-4)
    code = body + uscc_check_char(body)
    assert validate_uscc(code) == code
    assert [w[:9] for w in check_uscc(code).warnings] == ["GZ-ID-W14"]


@pytest.mark.parametrize(
    ("prefix", "warning"),
    [("B1", "GZ-ID-W11"), ("95", "GZ-ID-W12"), ("Y2", "GZ-ID-W12")],
)
def test_section_5_2_category_codes_are_warnings(prefix: str, warning: str) -> None:
    body = prefix + "350100M000100Y4"
    code = body + uscc_check_char(body)
    assert [w[:9] for w in check_uscc(code).warnings] == [warning]


def test_section_5_2_unknown_province_is_warning() -> None:
    body = "91990100M000100Y4"
    code = body + uscc_check_char(body)
    assert [w[:9] for w in check_uscc(code).warnings] == ["GZ-ID-W13"]


# --- §5.2 properties --------------------------------------------------------------------------

uscc_bodies = st.builds(
    lambda head, region, tail: head + region + tail,
    st.text(alphabet=REF_USCC_CHARSET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=REF_USCC_CHARSET, min_size=9, max_size=9),
)


@PROPS
@given(body=st.text(alphabet=REF_USCC_CHARSET, min_size=17, max_size=17))
def test_section_5_2_check_char_equals_reference(body: str) -> None:
    assert uscc_check_char(body) == ref_uscc_check(body)


@PROPS
@given(body=uscc_bodies)
def test_section_5_2_body_plus_check_char_is_valid(body: str) -> None:
    code = body + uscc_check_char(body)
    assert validate_uscc(code) == code
    assert check_uscc(code).value == code  # warnings never raise


@PROPS
@given(body=uscc_bodies, pos=st.integers(0, 17), data=st.data())
def test_section_5_2_any_single_substitution_rejected_by_checksum(
    body: str, pos: int, data: st.DataObject
) -> None:
    code = body + uscc_check_char(body)
    new = data.draw(st.sampled_from([c for c in REF_USCC_CHARSET if c != code[pos]]))
    bad = code[:pos] + new + code[pos + 1 :]
    exc = _error(validate_uscc, bad)
    assert exc.code == "GZ-ID-011"  # mod 31 with weights coprime to 31
    _assert_not_leaked(exc, bad)


# --- masking, digests and the error type (PIPL) ----------------------------------------------


def test_mask_identifier_keeps_six_and_four() -> None:
    assert mask_identifier("11010519491231002X") == "110105********002X"
    assert mask_identifier("91350100M000100Y43") == "913501********0Y43"


@PROPS
@given(s=st.text())
def test_mask_identifier_never_raises_and_never_reveals_full_value(s: str) -> None:
    masked = mask_identifier(s)
    assert len(masked) == len(s)
    hidden = [i for i, c in enumerate(masked) if c != s[i]]
    for i, c in enumerate(masked):
        assert c == s[i] or c == "*"  # only reveals characters in place
    if len(s) >= 2 and "*" not in s:
        assert masked != s
        assert 3 * len(hidden) >= len(s)  # at least a third is hidden


@PROPS
@given(s=st.text(min_size=1))
def test_mask_text_never_raises(s: str) -> None:
    for kind in ("name", "contact", "address", "free_text"):
        out = mask_text(s, kind)
        if kind != "name" and len(s) > 4:
            assert out != s


def test_mask_text_contact_keeps_last_four() -> None:
    assert mask_text("138-1234-5678", "contact") == "*******5678"
    assert mask_text("张三丰", "name") == "张**"


def test_digest_identifier_is_salted_and_stable() -> None:
    rid = "11010519491231002X"
    a = digest_identifier(rid, b"salt-a")
    assert a == digest_identifier(rid, b"salt-a")
    assert a != digest_identifier(rid, b"salt-b")
    assert len(a) == 64 and int(a, 16) >= 0
    assert rid not in a


def test_invalid_identifier_error_is_gaozhi_error_and_value_error() -> None:
    exc = _error(validate_resident_id, "11010519491231002Y")
    assert isinstance(exc, GaozhiError)
    assert isinstance(exc, ValueError)
    assert exc.code.startswith("GZ-ID-")
    assert exc.to_dict()["code"] == exc.code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.message)  # Chinese message


def test_identifier_check_repr_is_masked() -> None:
    result = check_resident_id("11010519491231002X")
    assert isinstance(result, IdentifierCheck)
    assert "11010519491231002X" not in repr(result)
    assert "11010519491231002X" not in str(result)
    assert "110105********002X" in repr(result)
    assert result.masked == "110105********002X"
    uscc = check_uscc("91350100M000100Y43")
    assert "91350100M000100Y43" not in repr(uscc)


@pytest.mark.parametrize(
    ("fn", "raw"),
    [
        (validate_resident_id, "11010519491231002Y"),
        (validate_resident_id, "11010519491231002 1"),
        (validate_resident_id, "110105194902310026"),
        (validate_resident_id, "110105194912310021"),
        (validate_resident_id, "1101051949123100211"),
        (convert_15_to_18, "110105490231002"),
        (convert_15_to_18, "1101054912310021"),
        (validate_uscc, "91350100M000100Y4Z"),
        (validate_uscc, "91350100M000100Y4O"),
        (validate_uscc, "91350100M000100Y433"),
    ],
)
def test_errors_never_contain_the_full_identifier(fn: Callable[[Any], object], raw: str) -> None:
    exc = _error(fn, raw)
    normalised = raw.replace(" ", "").upper()
    _assert_not_leaked(exc, raw, normalised)


@PROPS
@given(raw=st.text(alphabet="0123456789Xx -", min_size=15, max_size=22))
def test_errors_never_contain_the_full_identifier_property(raw: str) -> None:
    normalised = raw.replace(" ", "").replace("-", "").upper()
    for fn in (validate_resident_id, validate_uscc, convert_15_to_18):
        try:
            fn(raw)
        except InvalidIdentifierError as exc:
            if len(normalised) >= 10:
                _assert_not_leaked(exc, normalised)

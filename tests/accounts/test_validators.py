import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from apps.accounts.validators import normalize_orcid, orcid_checksum_ok, validate_orcid


@pytest.mark.parametrize(
    "orcid", ["0000-0002-1825-0097", "0000-0002-9079-593X", "0000-0001-5109-3700", ""]
)
def test_valid_orcids(orcid):
    validate_orcid(orcid)


@pytest.mark.parametrize(
    "orcid",
    [
        "0000-0002-1825-009",
        "000000021825 0097",
        "0000-0002-1825-00977",
        "abcd-0002-1825-0097",
        "0000-0002-1825-009x",
    ],
)
def test_bad_format(orcid):
    with pytest.raises(ValidationError) as error:
        validate_orcid(orcid)
    assert error.value.code == "orcid_format"
    assert "looks like 0000-0002-1825-0097" in error.value.messages[0]


@pytest.mark.parametrize(
    "orcid", ["0000-0002-1825-0098", "0000-0002-9079-5930", "0000-0002-1825-009X"]
)
def test_bad_checksum(orcid):
    with pytest.raises(ValidationError) as error:
        validate_orcid(orcid)
    assert error.value.code == "orcid_checksum"
    assert "wrong check digit" in error.value.messages[0]


@pytest.mark.parametrize(
    "raw",
    [
        "https://orcid.org/0000-0002-9079-593x",
        "http://orcid.org/0000-0002-9079-593X",
        "orcid.org/0000-0002-9079-593X",
        "  0000-0002-9079-593x  ",
        "HTTPS://ORCID.ORG/0000-0002-9079-593X",
    ],
)
def test_url_and_lower_case_forms_are_normalised(raw):
    assert normalize_orcid(raw) == "0000-0002-9079-593X"


@given(st.lists(st.integers(0, 9), min_size=15, max_size=15))
def test_exactly_one_check_digit_is_valid(digits):
    body = "".join(map(str, digits))
    valid = [
        check
        for check in "0123456789X"
        if orcid_checksum_ok(f"{body[:4]}-{body[4:8]}-{body[8:12]}-{body[12:]}{check}")
    ]
    assert len(valid) == 1

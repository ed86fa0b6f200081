"""No SSN, birth date or name value may appear in any error, exception message or report."""

from __future__ import annotations

import pytest
from mapping_helpers import BUSINESS_DATE, inbound, text_frame

from schemas.errors import ValidationFailed

SECRETS = {"SSN": "987-65-4321", "DOB": "1977-13-45", "N": "Zelda Q. Secretname", "C": "Rouge-Secret"}


def test_no_pii_value_appears_in_any_row_error_or_exception():
    mapper = inbound({
        "person_id": "ID",
        "ssn": [{"source": "SSN"}, {"regex": r"^\d{9}$"}],
        "birth_date": [{"source": "DOB"}, {"date": "%Y-%m-%d"}],
        "name": [{"source": "N"}, {"regex": r"^[A-Z]+$"}],
        "color": [{"source": "C"}, {"code": "color"}],
        "pay": "N",
        "count": "N",
        "active": "N",
        "updated_at": "N",
    })
    chunk = mapper.apply(text_frame([{"ID": "1", **SECRETS}]), 1, BUSINESS_DATE)
    assert len(chunk.errors) == 8
    texts = [repr(e) for e in chunk.errors] + [str(e.as_dict()) for e in chunk.errors]
    with pytest.raises(ValidationFailed) as caught:
        raise ValidationFailed("rows failed", errors=chunk.errors)
    texts.append(str(caught.value))
    for secret in (*SECRETS.values(), "987654321", "Zelda", "Secretname", "1977"):
        assert not any(secret in text for text in texts), secret

"""A NUL byte in the query string is a 400, not a 500 (PostgreSQL refuses it as a query parameter;
found by the generated bad-input tests on the lead, bid, opportunity, delivery and invoice lists)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client


@pytest.mark.parametrize(
    "url", ["/leads/?maturity=a%00b", "/opportunities/board/?q=%00", "/cash/invoices/?q%00=1"]
)
def test_a_nul_byte_in_a_page_query_is_a_400(rep: Any, url: str) -> None:
    client = Client()
    client.force_login(rep)
    response = client.get(url)
    assert response.status_code == 400
    assert response.content.decode() == "The address contains a NUL character."
    assert client.get(url.replace("%00", "")).status_code == 200  # the control


def test_a_nul_byte_in_an_api_query_is_a_400_envelope(rep: Any, api_client_for: Any) -> None:
    response = api_client_for(rep).get("/api/v1/leads?q=a%00b")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    assert response.json()["message"] == "The address contains a NUL character."

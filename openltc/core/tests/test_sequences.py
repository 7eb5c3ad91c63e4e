from __future__ import annotations

import pytest
from django.db import transaction

from openltc.core.sequences import next_value, peek


@pytest.mark.django_db
def test_numbers_follow_each_other_per_key():
    with transaction.atomic():
        assert [next_value("OPP-2026") for _ in range(3)] == [1, 2, 3]
        assert next_value("CT-2026") == 1
    assert (peek("OPP-2026"), peek("CT-2026"), peek("unused")) == (3, 1, 0)


@pytest.mark.django_db
def test_a_rolled_back_transaction_gives_its_number_back():
    with transaction.atomic():
        next_value("INV-2026")

    class Boom(Exception):
        pass

    def take_and_fail() -> None:
        with transaction.atomic():
            assert next_value("INV-2026") == 2
            raise Boom

    with pytest.raises(Boom):
        take_and_fail()
    with transaction.atomic():
        assert next_value("INV-2026") == 2


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        next_value("OPP-2026")

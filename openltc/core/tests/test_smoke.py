import pytest


@pytest.mark.django_db
def test_login_page_renders_utf8(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert b'<meta charset="utf-8">' in response.content

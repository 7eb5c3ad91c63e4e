from __future__ import annotations

from django.template import Context, Template
from django.test import RequestFactory

from openltc.core import panels


def test_registered_panels_render_in_order_and_hidden_ones_do_not(tmp_path, settings):
    (tmp_path / "p.html").write_text("<p>{{ label }}:{{ object }}</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    panels.register("test.host", "b", template="p.html", context=lambda r, o: {"label": "<b>"}, order=2)
    panels.register("test.host", "a", template="p.html", context=lambda r, o: {"label": "A"}, order=1)
    panels.register("test.host", "hidden", template="p.html", context=lambda r, o: None)
    panels.register("other.host", "x", template="p.html", context=lambda r, o: {"label": "X"})
    try:
        html = Template('{% load record_panels %}{% record_panels "test.host" obj %}').render(
            Context({"request": RequestFactory().get("/"), "obj": "rec"})
        )
    finally:
        for key in ("a", "b", "hidden"):
            panels._panels.pop(("test.host", key))
        panels._panels.pop(("other.host", "x"))
    assert html == "<p>A:rec</p><p>&lt;b&gt;:rec</p>"

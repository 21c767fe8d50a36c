"""Templates build each relative link once per process (``core.web.cached_url_for``): the same link as
``url_for``, for the URL root of the request; external links are built each time."""

from __future__ import annotations

from flask import render_template_string


def test_templates_get_the_links_url_for_builds(app):
    calls = []
    original = app.url_for

    def counting(endpoint, **values):
        calls.append(endpoint)
        return original(endpoint, **values)

    template = ("{{ url_for('main.home') }} {{ url_for('registry.contractors.contractor_detail', contractor_id=97531) }} "
                "{{ url_for('static', filename='css/keiyaku.css') }}")
    with app.test_request_context("/"):
        expected = " ".join([original("main.home"),
                             original("registry.contractors.contractor_detail", contractor_id=97531),
                             original("static", filename="css/keiyaku.css")])
        app.url_for = counting
        try:
            first = render_template_string(template)
            built = list(calls)
            again = render_template_string(template)
        finally:
            del app.url_for
    assert first == again == expected
    assert "registry.contractors.contractor_detail" in built  # a link no test asked for before: built
    assert calls == built  # and not again


def test_the_url_root_and_external_links_are_not_shared(app):
    template = "{{ url_for('main.home') }}|{{ url_for('main.home', _external=True) }}"
    with app.test_request_context("/", base_url="http://localhost/"):
        plain = render_template_string(template)
    with app.test_request_context("/", base_url="http://localhost/keiyaku/"):
        mounted = render_template_string(template)
    assert plain.split("|")[0] == "/" and mounted.split("|")[0] == "/keiyaku/"
    assert mounted.split("|")[1] == "http://localhost/keiyaku/"

"""What templates keep per process: each relative link (``core.web.cached_url_for``: the same link as
``url_for``, for the URL root of the request; external links built each time), and fragments rendered for
their values only (``core.web.fragment_renderer``: a list row)."""

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


def test_a_fragment_is_rendered_once_for_the_same_values(app, monkeypatch):
    from registry.contractors.queries import ListRow

    rendered = []
    get_template = app.jinja_env.get_template

    def counting(name, *args, **kwargs):
        rendered.append(name)
        return get_template(name, *args, **kwargs)

    monkeypatch.setattr(app.jinja_env, "get_template", counting)
    row = ListRow(97531, "97531", "断片建設株式会社", None, "市内1-1", None, None, "city", None, "active", False)
    work_types = (("010", "土木一式工事", "A"),)
    template = ('{{ fragment("registry/contractors/_list_row.html", c=c, work_types=work_types, '
                'detail_url="/registry/contractors/") }}')
    with app.test_request_context("/"):
        first = render_template_string(template, c=row, work_types=work_types)
        again = render_template_string(template, c=row, work_types=work_types)
        suspended = render_template_string(template, c=row._replace(suspended=True), work_types=work_types)
    assert first == again and rendered.count("registry/contractors/_list_row.html") == 2
    assert "断片建設株式会社" in first and "土木一式工事 <strong>A</strong>" in first
    assert "指名停止中" in suspended and "指名停止中" not in first

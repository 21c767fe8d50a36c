"""Links of list pages (sort headers, pagination, exports) change the current query and keep the rest."""

from core.web import query_url


def test_changes_one_parameter_and_keeps_the_filters(app):
    with app.test_request_context("/registry/contractors?q=%E5%B1%B1%E7%94%B0&work_type=010&page=3"):
        assert query_url(page=4) == "?q=%E5%B1%B1%E7%94%B0&work_type=010&page=4"
        assert query_url(format="csv", page=None) == "?q=%E5%B1%B1%E7%94%B0&work_type=010&format=csv"


def test_encodes_what_the_user_typed(app):
    with app.test_request_context("/registry/contractors", query_string={"q": '"><script>&x=1'}):
        url = query_url(sort="-name")
        assert url == "?q=%22%3E%3Cscript%3E%26x%3D1&sort=-name"


def test_no_query_left_links_to_the_page_itself(app):
    with app.test_request_context("/registry/contractors?page=2"):
        assert query_url(page=None) == "/registry/contractors"

"""mod_python.testhandler, the diagnostic page (library.md section 9)."""

import re

import pytest

from helpers import code

CONFIG = """
<Location /mpinfo>
    SetHandler mod_python
    PythonHandler mod_python.testhandler
    PythonOption diag.marker shown-in-options
</Location>
<Directory @DOCROOT@>
    SetHandler mod_python
    PythonHandler logger
</Directory>
"""

LOGGER = code("""
    def handler(req):
        for i in range(150):
            req.log_error("testhandler-log-line %d" % i, apache.APLOG_ERR)
        return apache.OK
""")


@pytest.fixture(scope="module")
def site(module_apache):
    return module_apache(config=CONFIG, files={"logger.py": LOGGER})


def test_page_sections(site):
    r = site.get("/mpinfo", headers={"X-Diag": "in-headers"})
    assert r.status == 200
    assert r.header("Content-Type").startswith("text/html")
    titles = re.findall(r"<h2>(.*?)</h2>", r.text)
    assert titles == ["General information", "Request input headers",
                      "Request environment", "Request configuration",
                      "Request options", "Request notes",
                      "Server configuration", "Server options",
                      "Server configuration tree"]
    for fact in ("Apache version", "Forked MPM (processes)", "Server root",
                 "Document root", "Python version", "Python path",
                 "mod_python.publisher available"):
        assert "<th>%s</th>" % fact in r.text
    assert "in-headers" in r.text                      # input headers
    assert "shown-in-options" in r.text                # PythonOption
    assert "SERVER_SOFTWARE" in r.text                 # add_common_vars
    assert '<a href="?view_log=1">' in r.text
    # the configuration tree, escaped
    assert "&lt;Location /mpinfo&gt;" in r.text
    assert "PythonHandler mod_python.testhandler" in r.text


def test_view_log_shows_the_last_hundred_lines(site):
    assert site.get("/logger.py").status == 200
    site.wait_log("testhandler-log-line 149")
    r = site.get("/mpinfo?view_log=1")
    assert r.status == 200
    assert r.header("Content-Type").startswith("text/plain")
    lines = r.text.splitlines()
    assert len(lines) == 100
    assert "testhandler-log-line 149" in r.text
    assert not re.search(r"testhandler-log-line 10$", r.text, re.M)

"""req.path_info in a Python <Location>: the URI is not mapped to a file,
so path_info is what follows the location's path (what Apache's mapping
gave 3.5 applications whose location had no file).  Locations given as
patterns have no path to strip: path_info stays None there."""

import pytest

from helpers import Site

SITE = Site()
SITE.module("@ROOT@/apps/where.py", """
from mod_python import apache

def handler(req):
    env = apache.build_cgi_env(req)
    req.write(repr((req.path_info, env.get("SCRIPT_NAME"), env.get("PATH_INFO"))))
    return apache.OK
""", prelude=False)
SITE.config("""
PythonPath "sys.path + ['@ROOT@/apps']"
<Location /lp>
    SetHandler mod_python
    PythonHandler where
</Location>
<Location /lp/sub/>
    PythonHandler where
</Location>
<LocationMatch "^/lp/api">
    PythonHandler where
</LocationMatch>
<Location /wild*>
    SetHandler mod_python
    PythonHandler where
</Location>
""")


@pytest.fixture(scope="module")
def site(module_mpm):
    with SITE.serve(mpm=module_mpm) as srv:
        yield srv


@pytest.mark.parametrize("uri,expected", [
    ("/lp", ("", "/lp", None)),
    ("/lp/", ("/", "/lp", "/")),
    ("/lp/wiki/Start", ("/wiki/Start", "/lp", "/wiki/Start")),
    ("/lp/a%20b", ("/a b", "/lp", "/a b")),
    ("/lp/sub/x", ("/x", "/lp/sub", "/x")),
    ("/lp/api/v1", (None, "/lp/api/v1", None)),       # a pattern, inside /lp
    ("/wildcard", (None, "/wildcard", None))])    # a wildcard
def test_path_info_in_a_python_location(site, uri, expected):
    # E-122: SCRIPT_NAME is req.uri minus req.path_info
    assert site.get(uri).text == repr(expected)


def test_no_directory_walk_for_a_python_location(site):
    # B-45: no file, and no <Directory> walk that would log AH00029
    mark = site.log_mark()
    r = site.get("/lp/x")
    assert (r.status, r.text) == (200, repr(("/x", "/lp", "/x")))
    assert "AH00029" not in site.error_log(since=mark)

"""Python handlers come before Apache's own modules in the phases they
share, whatever the load order (the harness loads Apache's modules first,
as Debian does): authentication before mod_auth_basic, types before
mod_mime."""

import pytest

from helpers import basic_auth, code

CONFIG = """
<Directory @DOCROOT@>
  SetHandler mod_python
  PythonHandler app
  PythonAuthenHandler app
  AuthType Basic
  AuthName "private area"
  Require valid-user
</Directory>
"""

APP = code("""
    def authenhandler(req):
        password = req.get_basic_auth_pw()
        if (req.user, password) == ("spam", "eggs"):
            return apache.OK
        return apache.HTTP_UNAUTHORIZED

    def handler(req):
        req.write("hello " + req.user)
        return apache.OK
""")


def test_python_authen_handler_first_under_authtype_basic(apache):
    # C-79, C-80 with mod_auth_basic loaded before mod_python
    srv = apache(config=CONFIG, files={"app.py": APP})
    r = srv.get("/app.py", headers={"Authorization": basic_auth("spam", "eggs")})
    assert (r.status, r.text) == (200, "hello spam")
    r = srv.get("/app.py", headers={"Authorization": basic_auth("spam", "bacon")})
    assert r.status == 401
    assert r.header("WWW-Authenticate") == 'Basic realm="private area"'
    assert "AH01616" not in srv.error_log() and "AH01619" not in srv.error_log()


TYPES = code("""
    def typehandler(req):
        req.content_type = "application/x-from-python"
        return apache.OK
""")


def test_python_type_handler_before_mod_mime(apache):
    # C-51 (typehandler is the default callable) for a file mod_mime knows
    srv = apache(config="""
<Directory @DOCROOT@>
  PythonTypeHandler typer
</Directory>
""", files={"typer.py": TYPES, "page.html": "<p>hi</p>"})
    r = srv.get("/page.html")
    assert r.status == 200
    assert r.header("Content-Type") == "application/x-from-python"


LOCATION_HANDLER = code("""
    def transhandler(req):
        req.notes["trans"] = "ran"
        return apache.DECLINED

    def handler(req):
        req.write("from python, filename %s, trans %s"
                  % (req.filename, req.notes.get("trans")))
        return apache.OK
""")


@pytest.mark.parametrize("alias_loaded", ["before", "after"])
def test_alias_under_a_location_handler_whatever_the_load_order(apache,
                                                                alias_loaded):
    # B-45: under a <Location> served by mod_python the URL is not mapped
    # to a file, Alias included, once PythonTransHandler has declined; a
    # part handed back to Apache with "SetHandler None" is mapped, by its
    # Alias too
    srv = apache(start=False, config="""
PythonPath "sys.path + ['@DOCROOT@']"
PythonTransHandler loc
<Location /app>
  SetHandler mod_python
  PythonHandler loc
  PythonPath "sys.path + ['@DOCROOT@']"
</Location>
Alias /app/static "@DOCROOT@/static"
Alias /app/aliased "@DOCROOT@/static"
<Location /app/static>
  SetHandler None
</Location>
""", files={"loc.py": LOCATION_HANDLER, "static/style.css": "body {}\n"})
    if alias_loaded == "after":
        _load_alias_after_python(srv)
    srv.start()
    # PythonTransHandler runs first (and declines) for every URI
    assert srv.get("/app/anything").text == \
        "from python, filename None, trans ran"
    assert srv.get("/app/aliased/style.css").text == \
        "from python, filename None, trans ran"
    r = srv.get("/app/static/style.css")
    assert (r.status, r.text) == (200, "body {}\n")


def _load_alias_after_python(srv):
    with open(srv.conf_path) as f:
        lines = f.read().splitlines()
    alias = [l for l in lines if l.startswith("LoadModule alias_module")]
    assert len(alias) == 1
    lines.remove(alias[0])
    python = [i for i, l in enumerate(lines)
              if l.startswith("LoadModule python_module")][0]
    lines.insert(python + 1, alias[0])
    with open(srv.conf_path, "w") as f:
        f.write("\n".join(lines) + "\n")


GRABBER = code("""
    def transhandler(req):
        if req.args == "grab":
            req.filename = req.document_root() + "/grabbed.txt"
            return apache.OK
        return apache.DECLINED
""")


def test_trans_handler_keeps_its_place_outside_locations(apache):
    # Outside a Python <Location>, PythonTransHandler runs where it always
    # did: with mod_alias loaded first (as on Debian), Alias wins
    srv = apache(config="""
PythonPath "sys.path + ['@DOCROOT@']"
PythonTransHandler grabber
Alias /al "@DOCROOT@/aliased"
""", files={"grabber.py": GRABBER, "grabbed.txt": "GRABBED\n",
            "aliased/a.txt": "ALIASED\n", "plain.txt": "PLAIN\n"})
    assert srv.get("/al/a.txt?grab").text == "ALIASED\n"
    assert srv.get("/plain.txt?grab").text == "GRABBED\n"
    assert srv.get("/plain.txt").text == "PLAIN\n"

"""A PythonAuthenHandler under plain `AuthType Basic` runs before Apache's
mod_auth_basic (which the harness loads first, as Debian does), so no
AuthUserFile or AuthBasicAuthoritative workaround is needed."""

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
    # B-79, B-80 with mod_auth_basic loaded before mod_python
    srv = apache(config=CONFIG, files={"app.py": APP})
    r = srv.get("/app.py", headers={"Authorization": basic_auth("spam", "eggs")})
    assert (r.status, r.text) == (200, "hello spam")
    r = srv.get("/app.py", headers={"Authorization": basic_auth("spam", "bacon")})
    assert r.status == 401
    assert r.header("WWW-Authenticate") == 'Basic realm="private area"'
    assert "AH01616" not in srv.error_log() and "AH01619" not in srv.error_log()

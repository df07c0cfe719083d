"""The examples as a user runs them: `mod_python serve examples/notes`
(what scripts/serve-examples runs) for the notes application
(docs/examples.md), and `mod_python serve examples/hello.py`."""

import os
import re
import shutil
import signal
import urllib.parse

import pytest

from helpers import REPO, ServeCommand, process_gone

NOTES = os.path.join(REPO, "examples", "notes")


@pytest.fixture(scope="module", params=["prefork", "event"])
def site(request):
    served = ServeCommand([NOTES, "--mpm", request.param])
    yield served
    pid = served.pid()
    assert served.stop(signal.SIGINT) == 0
    assert process_gone(pid)


def data_dir(site):
    return os.path.join(site.root, "data", "notes")


def form(**fields):
    return urllib.parse.urlencode(fields)


def multipart(name, filename, data, boundary="notes-test-boundary"):
    body = ("--%s\r\nContent-Disposition: form-data; name=\"%s\"; "
            "filename=\"%s\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            % (boundary, name, filename)).encode() + data
    body += ("\r\n--%s--\r\n" % boundary).encode()
    return body, "multipart/form-data; boundary=" + boundary


def session_cookie(resp):
    for value in resp.header_list("Set-Cookie"):
        if value.startswith("pysid="):
            return value
    return None


def login(site, user="demo", password="demo", page="/login", **extra):
    return site.post(page, form(user=user, password=password, **extra))


def logged_in(site):
    resp = login(site)
    assert resp.status == 302, resp
    cookie = session_cookie(resp)
    return {"Cookie": cookie.split(";", 1)[0]}


def test_hello_example():
    served = ServeCommand([os.path.join(REPO, "examples", "hello.py")])
    try:
        for path in ("/", "/any/path"):
            resp = served.get(path)
            assert resp.status == 200
            assert resp.text == "Hello from mod_python\n"
    finally:
        assert served.stop() == 0


@pytest.mark.parametrize("path", ["/notes_app/__init__.py", "/notes_app/",
                                  "/notes_app/templates/login.psp",
                                  "/.htaccess", "/static/.htaccess",
                                  "/notes_app/__pycache__/"])
def test_code_and_templates_are_not_reachable(site, path):
    assert site.get(path).status in (403, 404)


def test_the_stylesheet_is_public(site):
    css = site.get("/static/style.css")
    assert css.status == 200
    assert css.header("Content-Type").startswith("text/css")
    assert b"font-family" in css.body


@pytest.mark.parametrize("path", ["/", "/index", "/index.py",
                                  "/upload", "/logout"])
def test_unauthenticated_access_redirects_to_login(site, path):
    resp = site.get(path)
    assert resp.status == 302, resp
    location = resp.header("Location")
    assert location.startswith("/login?next=")
    assert session_cookie(resp) is None


def test_login_page_is_public(site):
    resp = site.get("/login?next=/")
    assert resp.status == 200
    assert resp.header("Content-Type").startswith("text/html")
    assert 'name="password"' in resp.text
    assert "/static/style.css" in resp.text
    assert session_cookie(resp) is None


@pytest.mark.parametrize("user,password", [("demo", "wrong"), ("demo", ""),
                                           ("nobody", "demo")])
def test_wrong_password_is_refused(site, user, password):
    resp = login(site, user, password)
    assert resp.status == 403
    assert "Wrong user name or password." in resp.text
    assert session_cookie(resp) is None


def test_demo_logs_in_with_an_httponly_session_cookie(site):
    resp = login(site)
    assert resp.status == 302
    assert resp.header("Location") == "/"
    cookie = session_cookie(resp)
    assert cookie is not None
    attrs = [a.strip().lower() for a in cookie.split(";")]
    assert "httponly" in attrs
    assert "path=/" in attrs
    assert re.match(r"pysid=[0-9a-f]{32}$", cookie.split(";")[0])
    page = site.get("/", headers={"Cookie": cookie.split(";")[0]})
    assert page.status == 200
    assert "Logged in as <strong>demo</strong>" in page.text


def test_login_goes_back_to_local_pages_only(site):
    assert login(site, next="/index").header("Location") == "/index"
    assert login(site, next="http://example.com/").header("Location") == "/"
    assert login(site, next="//example.com/").header("Location") == "/"


def test_login_replaces_an_existing_session(site):
    old = logged_in(site)
    resp = site.post("/login", form(user="demo", password="demo"),
                     headers=old)
    new = session_cookie(resp).split(";")[0]
    assert new != old["Cookie"]
    assert site.get("/", headers=old).status == 302
    assert site.get("/", headers={"Cookie": new}).status == 200


def test_upload_is_listed_with_its_size(site):
    headers = logged_in(site)
    data = bytes(range(256)) * 5 + b"tail"          # 1284 bytes
    body, ctype = multipart("file", "report <1>.bin", data)
    resp = site.post("/upload", body,
                     headers=dict(headers, **{"Content-Type": ctype}))
    assert resp.status == 302, resp
    assert resp.header("Location") == "/"
    page = site.get("/", headers=headers)
    assert page.status == 200
    # the name is made safe for the file system, and escaped in the page
    assert '<td class="name">report _1_.bin</td>' in page.text
    assert '<td class="size">1284 bytes (1.3 KiB)</td>' in page.text
    stored = os.path.join(data_dir(site), "demo",
                          "report _1_.bin")
    with open(stored, "rb") as f:
        assert f.read() == data


def test_upload_without_a_file(site):
    headers = logged_in(site)
    body, ctype = multipart("file", "", b"")
    resp = site.post("/upload", body,
                     headers=dict(headers, **{"Content-Type": ctype}))
    assert resp.status == 200
    assert "Choose a file to upload." in resp.text


def test_logout_ends_the_session(site):
    headers = logged_in(site)
    assert site.get("/", headers=headers).status == 200
    assert site.get("/logout", headers=headers).status == 405
    resp = site.post("/logout", "", headers=headers)
    assert resp.status == 302
    assert resp.header("Location") == "/login"
    expired = session_cookie(resp)
    assert expired is not None and "expires=" in expired.lower()
    again = site.get("/", headers=headers)
    assert again.status == 302
    assert again.header("Location").startswith("/login")


def test_upload_with_a_browser_style_boundary(site):
    # curl and Firefox use boundaries that themselves start with "--"
    headers = logged_in(site)
    body, ctype = multipart("file", "firefox.txt", b"12345",
                            boundary="-" * 27 + "2866201114104817431527")
    resp = site.post("/upload", body,
                     headers=dict(headers, **{"Content-Type": ctype}))
    assert resp.status == 302, resp
    assert resp.header("Location") == "/"       # stored, not sent to log in
    page = site.get("/", headers=headers)
    assert '<td class="name">firefox.txt</td>' in page.text
    assert '<td class="size">5 bytes</td>' in page.text


def test_mounted_under_a_prefix_on_a_system_apache(apache):
    """The configuration docs/examples.md gives for an existing Apache."""
    srv = apache(config='''
Alias /notes "%s"
<Directory "%s">
    AllowOverride All
    Require all granted
    PythonOption notes.base_uri /notes/
    PythonOption notes.data_dir "@ROOT@/notes-data"
    PythonOption mod_python.session.application_path /notes/
</Directory>
''' % (NOTES, NOTES), mpm="event", start=False)
    os.makedirs(srv.path("@ROOT@/notes-data"))
    if os.geteuid() == 0:
        shutil.chown(srv.path("@ROOT@/notes-data"), "www-data", "www-data")
    srv.start()
    first = srv.get("/notes/")
    assert first.status == 302
    assert first.header("Location") == "/notes/login?next=%2Fnotes%2F"
    resp = login(srv, page="/notes/login", next="/notes/")
    assert resp.status == 302 and resp.header("Location") == "/notes/"
    assert "path=/notes/" in session_cookie(resp)
    cookie = {"Cookie": session_cookie(resp).split(";")[0]}
    page = srv.get("/notes/", headers=cookie)
    assert 'href="/notes/static/style.css"' in page.text
    assert srv.get("/notes/static/style.css").status == 200

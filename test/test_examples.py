"""The examples served by scripts/serve-examples (docs/examples.md): the
hello handler and the notes application, on a real Apache running the
configuration lines of examples/serve_config.py."""

import os
import re
import sys
import urllib.parse

import pytest

from helpers import REPO

sys.path.insert(0, os.path.join(REPO, "examples"))
import serve_config  # noqa: E402


@pytest.fixture(scope="module")
def site(module_apache, module_mpm):
    srv = module_apache(start=False, mpm=module_mpm,
                        config=serve_config.site_config("@ROOT@"))
    serve_config.prepare(srv.root)
    srv.start()
    return srv


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


def login(site, user="demo", password="demo", **extra):
    return site.post("/notes/login", form(user=user, password=password,
                                          **extra))


def logged_in(site):
    resp = login(site)
    assert resp.status == 302, resp
    cookie = session_cookie(resp)
    return {"Cookie": cookie.split(";", 1)[0]}


def test_hello_handler_is_still_served(site):
    for path in ("/", "/hello.py"):
        resp = site.get(path)
        assert resp.status == 200
        assert resp.text == "Hello from mod_python\n"


def test_only_pages_and_static_files_are_reachable(site):
    assert site.get("/serve_config.py").status == 403
    assert site.get("/notes/app/notes_app.py").status in (302, 404)
    assert site.get("/notes/static/style.css").status == 200
    css = site.get("/notes/static/style.css")
    assert css.header("Content-Type").startswith("text/css")
    assert b"font-family" in css.body


@pytest.mark.parametrize("path", ["/notes/", "/notes", "/notes/index.py",
                                  "/notes/upload", "/notes/logout"])
def test_unauthenticated_access_redirects_to_login(site, path):
    resp = site.get(path)
    assert resp.status == 302, resp
    location = resp.header("Location")
    assert location.startswith("/notes/login?next=")
    assert session_cookie(resp) is None


def test_login_page_is_public(site):
    resp = site.get("/notes/login?next=/notes/")
    assert resp.status == 200
    assert resp.header("Content-Type").startswith("text/html")
    assert 'name="password"' in resp.text
    assert "/notes/static/style.css" in resp.text
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
    assert resp.header("Location") == "/notes/"
    cookie = session_cookie(resp)
    assert cookie is not None
    attrs = [a.strip().lower() for a in cookie.split(";")]
    assert "httponly" in attrs
    assert "path=/notes/" in attrs
    assert re.match(r"pysid=[0-9a-f]{32}$", cookie.split(";")[0])
    page = site.get("/notes/", headers={"Cookie": cookie.split(";")[0]})
    assert page.status == 200
    assert "Logged in as <strong>demo</strong>" in page.text


def test_login_goes_back_to_local_pages_only(site):
    assert login(site, next="/notes/index").header("Location") == "/notes/index"
    assert login(site, next="http://example.com/").header("Location") == "/notes/"
    assert login(site, next="//example.com/").header("Location") == "/notes/"


def test_login_replaces_an_existing_session(site):
    old = logged_in(site)
    resp = site.post("/notes/login", form(user="demo", password="demo"),
                     headers=old)
    new = session_cookie(resp).split(";")[0]
    assert new != old["Cookie"]
    assert site.get("/notes/", headers=old).status == 302
    assert site.get("/notes/", headers={"Cookie": new}).status == 200


def test_upload_is_listed_with_its_size(site):
    headers = logged_in(site)
    data = bytes(range(256)) * 5 + b"tail"          # 1284 bytes
    body, ctype = multipart("file", "report <1>.bin", data)
    resp = site.post("/notes/upload", body,
                     headers=dict(headers, **{"Content-Type": ctype}))
    assert resp.status == 302, resp
    assert resp.header("Location") == "/notes/"
    page = site.get("/notes/", headers=headers)
    assert page.status == 200
    # the name is made safe for the file system, and escaped in the page
    assert '<td class="name">report _1_.bin</td>' in page.text
    assert '<td class="size">1284 bytes (1.3 KiB)</td>' in page.text
    stored = os.path.join(serve_config.data_dir(site.root), "demo",
                          "report _1_.bin")
    with open(stored, "rb") as f:
        assert f.read() == data


def test_upload_without_a_file(site):
    headers = logged_in(site)
    body, ctype = multipart("file", "", b"")
    resp = site.post("/notes/upload", body,
                     headers=dict(headers, **{"Content-Type": ctype}))
    assert resp.status == 200
    assert "Choose a file to upload." in resp.text


def test_sessions_are_kept_under_the_server_root(site):
    logged_in(site)
    found = [f for _, _, files in os.walk(serve_config.session_dir(site.root))
             for f in files]
    assert found


def test_logout_ends_the_session(site):
    headers = logged_in(site)
    assert site.get("/notes/", headers=headers).status == 200
    assert site.get("/notes/logout", headers=headers).status == 405
    resp = site.post("/notes/logout", "", headers=headers)
    assert resp.status == 302
    assert resp.header("Location") == "/notes/login"
    expired = session_cookie(resp)
    assert expired is not None and "expires=" in expired.lower()
    again = site.get("/notes/", headers=headers)
    assert again.status == 302
    assert again.header("Location").startswith("/notes/login")


def test_upload_with_a_browser_style_boundary(site):
    # curl and Firefox use boundaries that themselves start with "--"
    headers = logged_in(site)
    body, ctype = multipart("file", "firefox.txt", b"12345",
                            boundary="-" * 27 + "2866201114104817431527")
    resp = site.post("/notes/upload", body,
                     headers=dict(headers, **{"Content-Type": ctype}))
    assert resp.status == 302, resp


def test_serve_examples_config_is_accepted_by_apache(tmp_path):
    """The whole httpd.conf scripts/serve-examples writes (modules
    included) passes apache2 -t."""
    from helpers import HTTPD, LIBDIR, MOD_SO, MODULE_DIR
    import subprocess
    root = str(tmp_path)
    for sub in ("conf", "logs", "run"):
        os.makedirs(os.path.join(root, sub))
    conf = os.path.join(root, "conf", "httpd.conf")
    with open(conf, "w") as f:
        f.write(serve_config.server_config(root, 8, HTTPD, MOD_SO,
                                           MODULE_DIR, LIBDIR))
    out = subprocess.run([HTTPD, "-t", "-f", conf], capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr

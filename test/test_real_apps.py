"""Real applications through real Apache requests (issue 13, "real
applications at parity with mod_wsgi"): Trac 1.6 and Django.

Trac is served two ways from one server: through mod_python.wsgi (/trac1)
and through Trac's own mod_python front end, trac.web.modpython_frontend
(/trac2); each has its own environment (sqlite) and its own interpreter.
Its login is Apache's: Basic auth (mod_authn_file) on /tracN/login, where
alice is TRAC_ADMIN.  Django (an admin-only project made at test time,
sqlite) is served through mod_python.wsgi in <Location /dj>, its collected
static files by Apache beside it (Alias /static).

Both sites run under the prefork and the event MPM.  The applications are
in build/test-deps (test/requirements-embedded.txt, installed by
scripts/install-test-deps) and are set up with the Python Apache embeds.
"""

import base64
import datetime
import email.utils
import hashlib
import os
import re
import runpy
import shutil
import subprocess
import threading
import urllib.parse
import uuid

import pytest

from helpers import LIBDIR, REPO, ApacheServer

TEST_DEPS = os.path.join(REPO, "build", "test-deps")
BUILD = runpy.run_path(os.path.join(LIBDIR, "mod_python", "version.py"))
PYTHON = BUILD.get("PYTHON_BIN") or "/usr/bin/python3"

# bytes with every value, a few times over: attachments and their download
BINARY = bytes(range(256)) * 4 + bytes(range(255, -1, -1))
# a bigger one (Trac's default [attachment] max_size is 256 KiB), with
# line breaks and boundary-like lines where a multipart parser could trip
LARGE = b"".join(bytes([i % 256, (i * 7) % 256]) * 97 + b"\r\n--" + bytes(range(256))
                 + b"\n\r" for i in range(400))

USER, PASSWORD = "alice", "wonder land"


def need(package):
    """Fail (not skip) when the application is missing: the suite is meant
    to run them (scripts/install-test-deps installs them)."""
    if not os.path.isdir(os.path.join(TEST_DEPS, package)):
        pytest.fail("%s for Apache's Python is missing from %s: "
                    "run scripts/install-test-deps" % (package, TEST_DEPS),
                    pytrace=False)


def embedded_python(args, env=None, path=()):
    """Run the Python Apache embeds with build/test-deps (and `path`) on
    its sys.path; its output."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    full.update(env or {})
    full["PYTHONPATH"] = os.pathsep.join([TEST_DEPS] + list(path))
    p = subprocess.run([PYTHON] + list(args), env=full, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=120)
    out = p.stdout.decode("utf-8", "replace")
    assert p.returncode == 0, "%s failed:\n%s" % (" ".join(args), out)
    return out


def give_to_children(path):
    """Let Apache's children (www-data when the suite runs as root) write
    everything under path."""
    if os.getuid() != 0:
        return
    for top, dirs, files in os.walk(path):
        for name in [top] + [os.path.join(top, f) for f in files]:
            shutil.chown(name, "www-data", "www-data")


def sha_htpasswd(path, users):
    """An htpasswd file in the {SHA} format mod_authn_file accepts."""
    with open(path, "w") as f:
        for user, password in users.items():
            digest = base64.b64encode(hashlib.sha1(password.encode()).digest())
            f.write("%s:{SHA}%s\n" % (user, digest.decode()))
    os.chmod(path, 0o644)


# --------------------------------------------------------------------------
# a browser: cookies and redirects

def cookie_expired(set_cookie):
    """Whether a Set-Cookie header removes its cookie (Max-Age=0, or an
    Expires in the past: how Trac and Django log out)."""
    attrs = {}
    for part in set_cookie.split(";")[1:]:
        key, _, val = part.partition("=")
        attrs[key.strip().lower()] = val.strip()
    if "max-age" in attrs:
        return int(attrs["max-age"]) <= 0
    if "expires" in attrs:
        when = email.utils.parsedate_to_datetime(attrs["expires"])
        return when <= datetime.datetime.now(datetime.timezone.utc)
    return False


class Browser:
    """Keeps the cookies a site sets (one application: names only, no
    paths or domains) and follows redirects, as a browser would."""

    def __init__(self, server, headers=None):
        self.server = server
        self.cookies = {}
        self.headers = dict(headers or {})
        self.history = []

    def request(self, method, path, body=None, headers=None, follow=True):
        sent = dict(self.headers)
        sent.update(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        r = self.server.request(method, path, body=body, headers=sent)
        self.history.append((method, path, r.status))
        for value in r.header_list("Set-Cookie"):
            name, _, val = value.split(";", 1)[0].partition("=")
            name, val = name.strip(), val.strip()
            if cookie_expired(value):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = val
        if follow and r.status in (301, 302, 303, 307, 308):
            location = r.header("Location")
            assert location, r
            parts = urllib.parse.urlsplit(location)
            if parts.netloc:
                assert parts.netloc == "127.0.0.1:%d" % self.server.port, location
            target = parts.path + ("?" + parts.query if parts.query else "")
            if not target.startswith("/"):     # relative to the request
                target = urllib.parse.urljoin(path, target)
            if r.status in (307, 308):
                return self.request(method, target, body, headers)
            return self.request("GET", target)
        return r

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post_form(self, path, fields, **kw):
        body = urllib.parse.urlencode(fields).encode("ascii")
        return self.request("POST", path, body, {
            "Content-Type": "application/x-www-form-urlencoded"}, **kw)

    def post_multipart(self, path, fields, files, **kw):
        """fields: [(name, text)]; files: [(name, filename, bytes)]."""
        boundary = "----mptest" + uuid.uuid4().hex
        parts = []
        for name, value in fields:
            parts.append(('--%s\r\nContent-Disposition: form-data; name="%s"'
                          '\r\n\r\n' % (boundary, name)).encode()
                         + value.encode("utf-8") + b"\r\n")
        for name, filename, data in files:
            parts.append(('--%s\r\nContent-Disposition: form-data; name="%s"; '
                          'filename="%s"\r\nContent-Type: '
                          'application/octet-stream\r\n\r\n'
                          % (boundary, name, filename)).encode("utf-8")
                         + data + b"\r\n")
        body = b"".join(parts) + ("--%s--\r\n" % boundary).encode()
        return self.request("POST", path, body, {
            "Content-Type": "multipart/form-data; boundary=%s" % boundary}, **kw)


def hidden(html, name):
    """The value of the form's hidden input `name`."""
    m = re.search(r'<input[^>]*name="%s"[^>]*value="([^"]*)"' % re.escape(name), html)
    if not m:
        m = re.search(r'<input[^>]*value="([^"]*)"[^>]*name="%s"' % re.escape(name), html)
    assert m, "no %s in the page:\n%s" % (name, html[:3000])
    return m.group(1)


def ok(r, *texts):
    """r is a 200 whose page holds every one of texts."""
    assert r.status == 200, (r.status, r.headers, r.text[:3000])
    for text in texts:
        assert text in r.text, "%r not in the page:\n%s" % (text, r.text[:5000])
    return r


# --------------------------------------------------------------------------
# Trac

TRAC_WSGI_APP = '''
import trac.web.main

ENV_PATH = %r


def application(environ, start_response):
    environ["trac.env_path"] = ENV_PATH
    return trac.web.main.dispatch_request(environ, start_response)
'''

TRAC_CONFIG = """
PythonPath "sys.path + ['@ROOT@/apps']"
<Location /trac1>
    SetHandler mod_python
    PythonInterpreter trac_wsgi
    PythonHandler mod_python.wsgi
    PythonOption mod_python.wsgi.application trac_wsgi_app
</Location>
<Location /trac2>
    SetHandler mod_python
    PythonInterpreter trac_modpython
    PythonHandler trac.web.modpython_frontend
    PythonOption TracEnv @ROOT@/trac/modpython
    PythonOption TracUriRoot /trac2
</Location>
# the same front end without TracUriRoot (Trac's documentation calls it
# optional): see test_trac_modpython_frontend_without_uri_root
<Location /trac3>
    SetHandler mod_python
    PythonInterpreter trac_modpython_no_root
    PythonHandler trac.web.modpython_frontend
    PythonOption TracEnv @ROOT@/trac/modpython
</Location>
<LocationMatch "^/trac[123]/login$">
    AuthType Basic
    AuthName "Trac"
    AuthBasicProvider file
    AuthUserFile @ROOT@/conf/htpasswd
    Require valid-user
</LocationMatch>
"""

FRONTS = {"wsgi": "/trac1", "modpython": "/trac2"}


def make_trac_env(path):
    # trac-admin, run by the embedded Python
    embedded_python(["-m", "trac.admin.console", path, "initenv",
                     "Real apps", "sqlite:db/trac.db"])
    embedded_python(["-m", "trac.admin.console", path, "permission", "add",
                     USER, "TRAC_ADMIN"])
    give_to_children(path)


@pytest.fixture(scope="module")
def trac_site(module_mpm):
    need("trac")
    srv = ApacheServer(config=TRAC_CONFIG, mpm=module_mpm, modules=["authn_file"],
                       site_dirs="%s:%s" % (LIBDIR, TEST_DEPS))
    try:
        os.makedirs(os.path.join(srv.root, "trac"))
        os.chmod(os.path.join(srv.root, "trac"), 0o755)
        for front in FRONTS:
            make_trac_env(os.path.join(srv.root, "trac", front))
        srv.write("@ROOT@/apps/trac_wsgi_app.py",
                  TRAC_WSGI_APP % os.path.join(srv.root, "trac", "wsgi"))
        sha_htpasswd(os.path.join(srv.root, "conf", "htpasswd"), {USER: PASSWORD})
        srv.start()
        yield srv
    finally:
        srv.cleanup()


@pytest.fixture(params=sorted(FRONTS))
def trac(request, trac_site):
    """(browser, URL prefix) for one of Trac's two front ends."""
    return Browser(trac_site), FRONTS[request.param]


def trac_login(browser, base):
    r = browser.get(base + "/login", headers={
        "Authorization": "Basic " + base64.b64encode(
            ("%s:%s" % (USER, PASSWORD)).encode()).decode()})
    assert "trac_auth" in browser.cookies, (browser.history, r.headers)
    return r


LOGGED_IN = re.compile(r"logged in as\s*(<[^>]*>\s*)*%s" % USER)


def trac_new_ticket(browser, base, summary):
    form = ok(browser.get(base + "/newticket"), 'name="field_summary"')
    token = hidden(form.text, "__FORM_TOKEN")
    assert browser.cookies.get("trac_form_token") == token
    r = browser.post_form(base + "/newticket", {
        "__FORM_TOKEN": token,
        "field_summary": summary,
        "field_description": "Made by test_real_apps through %s." % base,
        "field_type": "defect",
        "field_priority": "major",
        "field_keywords": "",
        "submit": "Create ticket",
    })
    ok(r, summary)
    method, path, status = browser.history[-1]
    m = re.match(r"%s/ticket/(\d+)$" % re.escape(base), path)
    assert m and status == 200, browser.history
    assert browser.history[-2][2] in (302, 303), browser.history
    return int(m.group(1))


def test_trac_front_page(trac):
    browser, base = trac
    r = ok(browser.get(base + "/"), "Welcome to Trac", 'href="%s/login"' % base)
    assert r.header("Content-Type") == "text/html;charset=utf-8"
    # Trac's own error pages keep their status
    r = browser.get(base + "/no/such/thing")
    assert r.status == 404 and "No handler matched request" in r.text
    r = browser.post_form(base + "/newticket", {"field_summary": "no token"})
    assert r.status == 400 and "Missing or invalid form token" in r.text
    # the wiki page itself and Trac's own static resources (chrome)
    ok(browser.get(base + "/wiki/WikiStart"), "Welcome to Trac")
    css = browser.get(base + "/chrome/common/css/trac.css")
    with open(os.path.join(TEST_DEPS, "trac", "htdocs", "css", "trac.css"), "rb") as f:
        assert (css.status, css.body) == (200, f.read())


def test_trac_login_needs_apache_auth(trac, trac_site):
    browser, base = trac
    r = browser.get(base + "/login")
    assert r.status == 401 and "trac_auth" not in browser.cookies
    assert r.header("WWW-Authenticate") == 'Basic realm="Trac"'
    bad = trac_site.get(base + "/login", headers={
        "Authorization": "Basic " + base64.b64encode(b"alice:wrong").decode()})
    assert bad.status == 401


def test_trac_login(trac):
    browser, base = trac
    assert not LOGGED_IN.search(ok(browser.get(base + "/wiki")).text)
    r = trac_login(browser, base)
    ok(r, "Welcome to Trac")
    assert LOGGED_IN.search(r.text), r.text[:3000]
    # later pages know alice by the trac_auth cookie alone
    r = ok(browser.get(base + "/wiki/WikiStart"))
    assert LOGGED_IN.search(r.text), r.text[:3000]
    # TRAC_ADMIN: the admin panels are hers
    ok(browser.get(base + "/admin/general/basics"), "Basic Settings", "Real apps")


def test_trac_ticket_attachment_search(trac):
    browser, base = trac
    trac_login(browser, base)
    word = "zq%s" % uuid.uuid4().hex[:10]
    summary = "Ticket about %s from mod_python" % word
    number = trac_new_ticket(browser, base, summary)
    ticket = ok(browser.get("%s/ticket/%d" % (base, number)), summary,
                "Made by test_real_apps through %s." % base)
    assert LOGGED_IN.search(ticket.text)

    # attachments with names that need quoting, binary content
    contents = {"what?.txt": BINARY, "100% done.txt": LARGE}
    assert 100000 < len(LARGE) < 262144
    for name, data in contents.items():
        form = ok(browser.get("%s/attachment/ticket/%d/?action=new" % (base, number)),
                  'name="attachment"')
        r = browser.post_multipart(
            "%s/attachment/ticket/%d/" % (base, number),
            [("__FORM_TOKEN", hidden(form.text, "__FORM_TOKEN")),
             ("action", "new"), ("realm", "ticket"), ("id", str(number)),
             ("description", "odd name %s" % name)],
            [("attachment", name, data)])
        # redirected to the ticket's list of attachments
        assert browser.history[-2][1:] == (
            "%s/attachment/ticket/%d/" % (base, number), 303), browser.history
        ok(r, "odd name %s" % name)
        assert browser.history[-1][1] == "%s/attachment/ticket/%d/" % (base, number)

    ticket = ok(browser.get("%s/ticket/%d" % (base, number)))
    for name, data in contents.items():
        quoted = urllib.parse.quote(name)
        assert quoted in ticket.text, (quoted, ticket.text[:5000])
        raw = browser.get("%s/raw-attachment/ticket/%d/%s" % (base, number, quoted))
        assert raw.status == 200, raw
        assert raw.body == data, (name, len(raw.body), raw.body[:100])
        assert raw.header("Content-Length") == str(len(data))
        raw = browser.get("%s/attachment/ticket/%d/%s?format=raw" % (base, number, quoted))
        assert (raw.status, raw.body) == (200, data), (name, raw.status, raw.body[:100])
        ok(browser.get("%s/attachment/ticket/%d/%s" % (base, number, quoted)),
           "odd name %s" % name)

    found = ok(browser.get("%s/search?q=%s&ticket=on" % (base, word)), summary)
    assert "%s/ticket/%d" % (base, number) in found.text


def concurrent_gets(server, path, marker, n=8):
    """n simultaneous GETs of path: (status, marker in body) for each."""
    results = []

    def fetch():
        r = server.get(path)
        results.append((r.status, marker in r.text))

    threads = [threading.Thread(target=fetch) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_trac_concurrent_requests(trac):
    browser, base = trac
    assert concurrent_gets(browser.server, base + "/wiki/WikiStart",
                           "Welcome to Trac") == [(200, True)] * 8


def test_trac_modpython_frontend_without_uri_root(trac_site):
    # Trac's front end splits SCRIPT_NAME from PATH_INFO with req.path_info,
    # which in a Python <Location> is what follows the location path
    browser = Browser(trac_site)
    r = ok(browser.get("/trac3/wiki/WikiStart"), "Welcome to Trac")
    # Trac saw SCRIPT_NAME /trac3 (not /trac3/wiki/WikiStart): its links
    # point there
    links = set(re.findall(r'href="(/trac3/chrome/[^"]*)"', r.text))
    assert "/trac3/chrome/common/css/trac.css" in links, links
    ok(browser.get("/trac3/about"), "About Trac")


def trac_save_wiki(browser, base, page, text):
    form = ok(browser.get("%s/wiki/%s?action=edit" % (base, urllib.parse.quote(page))),
              'name="from_editor"')
    r = browser.post_form("%s/wiki/%s" % (base, urllib.parse.quote(page)), {
        "__FORM_TOKEN": hidden(form.text, "__FORM_TOKEN"),
        "from_editor": "1", "action": "edit", "version": "0",
        "text": text, "comment": "made by test_real_apps", "save": "Submit changes"})
    assert browser.history[-2][2] == 303, browser.history
    return r


def test_trac_wiki_edit_and_logout(trac):
    browser, base = trac
    trac_login(browser, base)
    page = "MpTestPage%s" % uuid.uuid4().hex[:8].upper()
    text = "= Gr\xfc\xdfe =\nCaf\xe9 \u2713 \u65e5\u672c\u8a9e, ''%s''.\n" % page
    r = trac_save_wiki(browser, base, page, text)
    ok(r, "Gr\xfc\xdfe", "Caf\xe9 \u2713 \u65e5\u672c\u8a9e")
    assert browser.history[-1][1] == "%s/wiki/%s" % (base, page)
    raw = browser.get("%s/wiki/%s?format=txt" % (base, page))
    assert (raw.status, raw.text) == (200, text)

    # logging out is a POST with the form token; the auth cookie goes
    home = ok(browser.get(base + "/wiki"))
    r = browser.post_form(base + "/logout", {
        "__FORM_TOKEN": hidden(home.text, "__FORM_TOKEN"), "logout": ""})
    assert "trac_auth" not in browser.cookies, browser.history
    assert not LOGGED_IN.search(ok(r).text)


def test_trac_non_ascii_page_name(trac_site):
    # Only through mod_python.wsgi: trac.web.modpython_frontend makes
    # PATH_INFO with urllib.parse.unquote() (text decoded as UTF-8) where
    # Trac expects PEP 3333's Latin-1 bytes, so Trac answers 404 "Invalid
    # URL encoding" for any non-ASCII path there; a Trac bug, not ours.
    browser, base = Browser(trac_site), FRONTS["wsgi"]
    trac_login(browser, base)
    page = "Caf\xe9Page%s" % uuid.uuid4().hex[:6]
    ok(trac_save_wiki(browser, base, page, "Page named %s.\n" % page), page)
    assert browser.history[-1][1] == "%s/wiki/%s" % (base, urllib.parse.quote(page))
    r = browser.get("%s/wiki/%s?format=txt" % (base, urllib.parse.quote(page)))
    assert (r.status, r.text) == (200, "Page named %s.\n" % page)


# --------------------------------------------------------------------------
# Django

DJANGO_SETTINGS = '''
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent

SECRET_KEY = "mod_python-test-real-apps-not-secret-%s"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "djproj.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
WSGI_APPLICATION = "djproj.wsgi.application"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": BASE / "db" / "db.sqlite3"}}
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = BASE / "static"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
'''

DJANGO_URLS = '''
from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
'''

DJANGO_WSGI = '''
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "djproj.settings")

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
'''

DJANGO_CONFIG = """
PythonPath "sys.path + ['@ROOT@/django']"
<Location /dj>
    SetHandler mod_python
    PythonHandler mod_python.wsgi
    PythonOption mod_python.wsgi.application djproj.wsgi
</Location>
Alias /static @ROOT@/django/static
<Directory @ROOT@/django/static>
    SetHandler None
    Require all granted
</Directory>
"""

ADMIN, ADMIN_PASSWORD = "boss", "not-the-default-0"


@pytest.fixture(scope="module")
def django_site(module_mpm):
    need("django")
    srv = ApacheServer(config=DJANGO_CONFIG, mpm=module_mpm,
                       site_dirs="%s:%s" % (LIBDIR, TEST_DEPS))
    try:
        project = os.path.join(srv.root, "django")
        srv.write(project + "/djproj/__init__.py", "")
        srv.write(project + "/djproj/settings.py",
                  DJANGO_SETTINGS % uuid.uuid4().hex)
        srv.write(project + "/djproj/urls.py", DJANGO_URLS)
        srv.write(project + "/djproj/wsgi.py", DJANGO_WSGI)
        srv.mkdir(project + "/db")
        env = {"DJANGO_SETTINGS_MODULE": "djproj.settings",
               "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD}
        admin = ["-m", "django"]        # django-admin
        embedded_python(admin + ["migrate", "--noinput"], env, [project])
        embedded_python(admin + ["createsuperuser", "--noinput", "--username",
                                 ADMIN, "--email", "boss@example.test"],
                        env, [project])
        embedded_python(admin + ["collectstatic", "--noinput"], env, [project])
        give_to_children(project + "/db")
        srv.start()
        yield srv
    finally:
        srv.cleanup()


def django_login(browser):
    page = ok(browser.get("/dj/admin/login/?next=/dj/admin/"), 'name="username"')
    assert 'action="/dj/admin/login/?next=/dj/admin/"' in page.text
    token = hidden(page.text, "csrfmiddlewaretoken")
    assert "csrftoken" in browser.cookies
    r = browser.post_form("/dj/admin/login/?next=/dj/admin/", {
        "csrfmiddlewaretoken": token, "username": ADMIN,
        "password": ADMIN_PASSWORD, "next": "/dj/admin/"})
    assert browser.history[-2][2] == 302, (browser.history, r.text[:3000])
    assert "sessionid" in browser.cookies
    return ok(r, "Site administration")


def test_django_admin_login_page(django_site):
    r = ok(django_site.get("/dj/admin/login/"),
           "Django administration", 'name="csrfmiddlewaretoken"',
           'action="/dj/admin/login/"',
           # stylesheets point to Apache's /static
           'href="/static/admin/css/base.css"')
    assert r.header("X-Frame-Options") == "DENY"
    # the admin redirects to its login page under the mount point
    r = django_site.get("/dj/admin/")
    assert r.status == 302
    assert r.header("Location") == "/dj/admin/login/?next=/dj/admin/"
    assert django_site.get("/dj/no/such/page").status == 404


def test_django_csrf_refused(django_site):
    browser = Browser(django_site)
    browser.get("/dj/admin/login/")
    r = browser.post_form("/dj/admin/login/", {
        "csrfmiddlewaretoken": "x" * 64, "username": ADMIN,
        "password": ADMIN_PASSWORD})
    assert r.status == 403 and "CSRF" in r.text
    assert "sessionid" not in browser.cookies


def test_django_login_and_add_user(django_site):
    browser = Browser(django_site)
    django_login(browser)
    name = "user%s" % uuid.uuid4().hex[:8]
    form = ok(browser.get("/dj/admin/auth/user/add/"), 'name="password1"')
    r = browser.post_form("/dj/admin/auth/user/add/", {
        "csrfmiddlewaretoken": hidden(form.text, "csrfmiddlewaretoken"),
        "username": name, "usable_password": "true",
        "password1": "pw-%s" % name, "password2": "pw-%s" % name,
        "_save": "Save"})
    ok(r, name)
    method, path, status = browser.history[-1]
    assert re.match(r"/dj/admin/auth/user/\d+/change/$", path), browser.history
    ok(browser.get("/dj/admin/auth/user/"), ">%s</a>" % name, ">%s</a>" % ADMIN)
    # and the new user can log in
    other = Browser(django_site)
    page = other.get("/dj/admin/login/")
    r = other.post_form("/dj/admin/login/", {
        "csrfmiddlewaretoken": hidden(page.text, "csrfmiddlewaretoken"),
        "username": name, "password": "pw-%s" % name})
    # not staff: the form says so (but the credentials were checked)
    ok(r, "staff account")


def test_django_unicode_user_and_search(django_site):
    browser = Browser(django_site)
    django_login(browser)
    name = "j\xfcrgen_\u00e9t\u00e9_%s" % uuid.uuid4().hex[:6]
    form = ok(browser.get("/dj/admin/auth/user/add/"))
    r = browser.post_form("/dj/admin/auth/user/add/", {
        "csrfmiddlewaretoken": hidden(form.text, "csrfmiddlewaretoken"),
        "username": name, "usable_password": "false", "_save": "Save"})
    ok(r, name)
    # the change list's search: a non-ASCII query string
    r = ok(browser.get("/dj/admin/auth/user/?q=" + urllib.parse.quote(name)),
           ">%s</a>" % name, "1 result")
    assert ">%s</a>" % ADMIN not in r.text


def test_django_concurrent_requests(django_site):
    assert concurrent_gets(django_site, "/dj/admin/login/",
                           "csrfmiddlewaretoken") == [(200, True)] * 8


def test_django_static_file(django_site):
    r = django_site.get("/static/admin/css/base.css")
    path = os.path.join(TEST_DEPS, "django", "contrib", "admin", "static",
                        "admin", "css", "base.css")
    with open(path, "rb") as f:
        original = f.read()
    with open(os.path.join(django_site.root, "django", "static", "admin", "css",
                           "base.css"), "rb") as f:
        assert f.read() == original
    assert (r.status, r.body) == (200, original)
    assert r.header("Content-Type") == "text/css"

"""The notes example: authentication handler and helpers of the pages.

This package is not published (its .htaccess denies every request into
it); the pages next to it import it.  See docs/examples.md.
"""

import hashlib
import hmac
import html
import os
import re
import secrets
import shutil
from urllib.parse import quote

from mod_python import Cookie, Session, apache, psp, util

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         "templates")

# user -> (salt, PBKDF2-SHA256 of the password).  The demo user is
# demo / demo.
_ROUNDS = 100000
USERS = {
    "demo": ("notes-demo-salt",
             "89b6e77f32f6bf2b5aef81f9bc7d63757aae035933cf95ae5af37e90f8ddee1f"),
}


def _hash(salt, password):
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"),
                               salt.encode("utf-8"), _ROUNDS).hex()


def check_password(user, password):
    entry = USERS.get(user)
    if entry is None or password is None:
        # spend the same time as for a known user
        _hash("x", password or "")
        return False
    salt, digest = entry
    return hmac.compare_digest(_hash(salt, password), digest)


# ---------------------------------------------------------------- URLs

def base(req):
    """URL of the application's main page: PythonOption notes.base_uri,
    "/" by default (the application served at the root of the site)."""
    uri = req.get_options().get("notes.base_uri") or "/"
    return uri if uri.endswith("/") else uri + "/"


def login_page(req):
    return base(req) + "login"


# ------------------------------------------------------------ sessions

def _cookie_name(req):
    return req.get_options().get("mod_python.session.cookie_name", "pysid")


def session(req):
    """The request's session (opened once per request, kept on req)."""
    sess = getattr(req, "session", None)
    if sess is None:
        sess = req.session = Session.Session(req)
    return sess


def fresh_session(req):
    """The session to log in with: never one whose id existed before the
    login (an id planted in the browser is not taken over)."""
    sess = session(req)
    if sess.is_new():
        return sess
    sess.delete()
    sess.unlock()
    # an unknown id: Session starts a new one, with an id of its own
    sess = req.session = Session.Session(req, sid=secrets.token_hex(16))
    return sess


def authenhandler(req):
    """Authentication phase of every private page: the user is the one
    stored in the session at login; without one, go to the login page."""
    if Cookie.get_cookie(req, _cookie_name(req)) is not None:
        user = session(req).get("user")
        if user in USERS:
            req.user = user
            return apache.OK
    target = req.unparsed_uri if req.method == "GET" else base(req)
    util.redirect(req, login_page(req) + "?next=" + quote(target, safe=""))


def safe_next(req, target):
    """Only local pages of the application are followed after login."""
    if (isinstance(target, str) and target.startswith(base(req))
            and "//" not in target and "\\" not in target):
        return target
    return base(req)


# --------------------------------------------------------------- files

def data_dir(req):
    """Upload directory of the logged-in user, under PythonOption
    notes.data_dir (default: data/notes in the server root, which
    `mod_python serve` makes writable for Apache's children)."""
    top = req.get_options().get("notes.data_dir") or os.path.join(
        apache.server_root(), "data", "notes")
    path = os.path.join(top, req.user)
    os.makedirs(path, exist_ok=True)
    return path


_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def safe_filename(name):
    """A plain file name made of the upload's name, or None."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    return name[:200] or None


def list_files(req):
    directory = data_dir(req)
    files = []
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            files.append((name, os.path.getsize(path)))
    return files


def store_upload(req, field):
    """Copy an upload (util.Field) into the user's directory; returns the
    name it got, or None when there was no usable file."""
    if field is None or isinstance(field, (str, list)) or not field.filename:
        return None
    name = safe_filename(field.filename)
    if name is None:
        return None
    path = os.path.join(data_dir(req), name)
    tmp = path + ".part"
    with open(tmp, "wb") as out:
        shutil.copyfileobj(field.file, out)
    os.replace(tmp, path)
    return name


def human_size(n):
    if n < 1024:
        return "%d bytes" % n
    return "%d bytes (%.1f %s)" % (n, n / 1024.0 ** (2 if n >= 1024 ** 2 else 1),
                                  "MiB" if n >= 1024 ** 2 else "KiB")


# ----------------------------------------------------------- templates

def render(req, template, **values):
    """Run templates/<template> with `values` (and `esc`, `base`)."""
    req.content_type = "text/html; charset=utf-8"
    values.setdefault("message", None)
    values.update(esc=html.escape, base=base(req), human_size=human_size)
    psp.PSP(req, filename=os.path.join(TEMPLATES, template),
            vars=values).run()

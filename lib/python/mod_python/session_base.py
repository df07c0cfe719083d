"""BaseSession, the part of a session every store shares: the session id,
its cookie, the stored record's format, and locking.

Stores subclass BaseSession and implement do_load(), do_save(record),
do_delete() and do_cleanup(); the stored record is the dict
{"_data", "_created", "_accessed", "_timeout"}.
"""

import random
import re
import secrets
import tempfile
import time

from mod_python import Cookie, apache, options
from mod_python.session_locks import GlobalMutex

COOKIE_NAME = "pysid"
DFT_TIMEOUT = 30 * 60
DFT_LOCK = True
CLEANUP_CHANCE = 1000
PICKLE_PROTOCOL = 4           # readable by every Python 3 the fleet may run

tempdir = tempfile.gettempdir()

# exactly 32 lower-case hex digits, nothing before or after (no newline)
validate_sid_re = re.compile(r"\A[0-9a-f]{32}\Z")


# --------------------------------------------------------------------------
# helpers shared by the stores

def true_or_false(item):
    """yes/true/1/True -> True, no/false/0/None/False -> False; strings
    case-insensitive; anything else raises."""
    if item is None or item is False:
        return False
    if item is True:
        return True
    if isinstance(item, int):
        if item in (0, 1):
            return bool(item)
    elif isinstance(item, str):
        word = item.strip().lower()
        if word in ("yes", "true", "1"):
            return True
        if word in ("no", "false", "0"):
            return False
    raise Exception("Value %r is not a boolean word (yes/no, true/false, 1/0)"
                    % (item,))


def _new_sid():
    """128 random bits as 32 lower-case hex digits."""
    return secrets.token_hex(16)


def valid_sid(sid):
    """Whether sid is a session id this module could have made."""
    return isinstance(sid, str) and validate_sid_re.match(sid) is not None


def record_expired(record, now, grace=0):
    """Whether a stored session record is past its timeout (or malformed)."""
    try:
        return now - record["_accessed"] > record["_timeout"] + grace
    except (KeyError, TypeError):
        return True


def server_log(server, message, level=apache.APLOG_NOTICE):
    """Log to the server's error log (no request at hand)."""
    apache.log_error(message, level, server)


def unlock_session_cleanup(sess):
    """Request cleanup: give back the session's lock."""
    sess.unlock()


# --------------------------------------------------------------------------
# BaseSession

class BaseSession(dict):
    """A session: a dict saved on the server, found again by its id."""

    def __init__(self, req, sid=None, secret=None, lock=1, timeout=0):
        dict.__init__(self)
        self._req = req
        self._server = req.server
        self._secret = secret
        self._lock = lock
        self._locked = 0
        self._sid_lock = None
        self._cleanup_registered = False
        self._invalid = 0
        self._new = 1
        self._created = self._accessed = time.time()
        self._timeout = timeout or DFT_TIMEOUT
        self._cookie_name = (options.text(req, "mod_python.session.cookie_name",
                                          "session_cookie_name") or COOKIE_NAME)
        self._sid = self._requested_sid(sid)
        self.init_lock()
        if self._sid:
            self.lock()
            if self.load():
                self._new = 0
        if self._new:
            self._start_new(timeout)
        self._accessed = time.time()
        # one chance in CLEANUP_CHANCE (random() is one C call, randint four)
        if random.random() * CLEANUP_CHANCE < 1:
            self.cleanup()

    # ---- construction

    def _requested_sid(self, sid):
        """The id asked for: the argument (which must be valid) or the
        session cookie (ignored unless valid)."""
        if sid:
            if not valid_sid(sid):
                raise ValueError("Invalid Session ID: sid=%s" % (sid,))
            return sid
        if self._secret:
            cookie = self._signed_cookie()
            value = cookie.value if cookie is not None else None
        else:
            value = Cookie._request_value(self._req, self._cookie_name)
        return value if valid_sid(value) else None

    def _signed_cookie(self):
        """The cookie the client sent; None if absent or badly signed."""
        name = self._cookie_name
        try:
            cookie = Cookie.get_cookie(self._req, name, Class=Cookie.SignedCookie,
                                       secret=self._secret,
                                       mismatch=Cookie.Cookie.IGNORE)
        except Cookie.CookieError:
            return None
        return cookie if type(cookie) is Cookie.SignedCookie else None

    def _start_new(self, timeout):
        if self._sid:
            self.unlock()
        self._sid = _new_sid()
        self.lock()
        Cookie.add_cookie(self._req, self.make_cookie())
        self._created = time.time()
        self._timeout = timeout or DFT_TIMEOUT

    # ---- the cookie

    def make_cookie(self):
        """The session cookie (signed when there is a secret)."""
        if self._secret:
            cookie = Cookie.SignedCookie(self._cookie_name, self._sid,
                                         secret=self._secret)
        else:
            cookie = Cookie.Cookie(self._cookie_name, self._sid)
        domain = options.text(self._req, "mod_python.session.application_domain")
        if domain:
            cookie.domain = domain
        cookie.path = self._cookie_path()
        self._cookie_flags(cookie)
        return cookie

    def _cookie_path(self):
        path = options.text(self._req, "mod_python.session.application_path",
                            "ApplicationPath")
        return path or _derived_cookie_path(self._req)

    def _cookie_flags(self, cookie):
        req = self._req
        if options.flag(req, True, "mod_python.session.cookie_httponly"):
            cookie.httponly = True
        samesite = options.text(req, "mod_python.session.cookie_samesite") or "Lax"
        if samesite.strip().lower() != "off":
            cookie.samesite = samesite.strip()
        secure = options.flag(req, None, "mod_python.session.cookie_secure")
        if secure is None:
            secure = bool(req.is_https())
        if secure:
            cookie.secure = True

    # ---- accessors

    def is_new(self):
        """True if the id was made in this request."""
        return bool(self._new)

    def id(self):
        """The session id."""
        return self._sid

    def created(self):
        """Creation time (seconds since the epoch)."""
        return self._created

    def last_accessed(self):
        """Time of this access (seconds since the epoch)."""
        return self._accessed

    def timeout(self):
        """Seconds without access after which the session expires."""
        return self._timeout

    def set_timeout(self, secs):
        """Change the timeout (stored by the next save())."""
        self._timeout = secs

    # ---- persistence

    def load(self):
        """Fill the dict from the store; 0 if missing or expired."""
        record = self.do_load()
        if record is None or record_expired(record, time.time()):
            return 0
        self._created = record["_created"]
        self._accessed = record["_accessed"]
        self._timeout = record["_timeout"]
        self.update(record["_data"])
        return 1

    def save(self):
        """Store the dict (unless the session was invalidated)."""
        if not self._invalid:
            self.do_save({"_data": self.copy(), "_created": self._created,
                          "_accessed": self._accessed,
                          "_timeout": self._timeout})

    def delete(self):
        """Remove the stored session and empty the dict."""
        self.do_delete()
        self.clear()

    def invalidate(self):
        """Expire the cookie, delete the stored session, and make later
        save() calls do nothing."""
        cookie = self.make_cookie()
        cookie.expires = 0
        Cookie.add_cookie(self._req, cookie)
        self.delete()
        self._invalid = 1

    # the store: subclasses override these
    def do_load(self):
        """The stored record, or None."""
        return None

    def do_save(self, record):
        """Store the record."""

    def do_delete(self):
        """Remove the stored record."""

    def do_cleanup(self):
        """Remove expired records (usually in a request cleanup)."""

    def cleanup(self):
        """Run the store's cleanup of expired sessions."""
        self.do_cleanup()

    # ---- locking

    def init_lock(self):
        """Hook for subclasses, called before the first lock()."""

    def _make_sid_lock(self):
        return GlobalMutex(self._req, self._sid)

    def lock(self):
        """Take this session's lock (waiting for another request holding
        it); it is given back by unlock() or at the end of the request."""
        if not self._lock or self._locked:
            return
        if not self._cleanup_registered:
            self._req.register_cleanup(unlock_session_cleanup, self)
            self._cleanup_registered = True
        sid_lock = self._make_sid_lock()
        sid_lock.acquire()
        self._sid_lock = sid_lock
        self._locked = 1

    def unlock(self):
        """Give the lock back, if held."""
        if self._lock and self._locked:
            self._locked = 0
            self._sid_lock.release()

    def __del__(self):
        try:
            self.unlock()
        except Exception:
            pass


def _derived_cookie_path(req):
    """The handler's directory relative to the document root ("/app/"),
    or "/" when that does not make a prefix of the URI."""
    hlist = getattr(req, "hlist", None)
    directory = getattr(hlist, "directory", None) if hlist is not None else None
    if not directory:
        return "/"
    docroot = (req.document_root() or "").rstrip("/")
    if docroot and (directory == docroot or directory.startswith(docroot + "/")):
        directory = directory[len(docroot):]
    if not directory.startswith("/"):
        directory = "/" + directory
    if not req.uri.startswith(directory):
        return "/"
    return directory

"""mod_python.Session: BaseSession, ids, cookies, locks and the Session()
factory (library.md section 5), with MemorySession as the store."""

import inspect
import re
import threading
import time

import pytest

from mod_python import Cookie, Session, apache, session_base

from .test_session_support import (  # noqa: F401 (fixtures)
    SessionRequest, cookie_of, fnv1a, install_mutexes, memory, mutexes,
    no_random_cleanup)

pytestmark = pytest.mark.usefixtures("mutexes", "memory", "no_random_cleanup")

SID = "0123456789abcdef0123456789abcdef"


def new_session(cls=Session.MemorySession, **kw):
    req_kw = {k: kw.pop(k) for k in list(kw) if k in
              ("options", "cookie", "https", "uri", "directory", "docroot")}
    req = SessionRequest(**req_kw)
    return req, cls(req, **kw)


def again(req, cls=Session.MemorySession, name="pysid", **kw):
    """A second request sending back the cookie the first one set."""
    req2 = SessionRequest(cookie=cookie_of(req, name), options=kw.pop("options", None))
    return req2, cls(req2, **kw)


# ---- module contents

def test_constants():
    assert Session.COOKIE_NAME == "pysid"
    assert Session.DFT_TIMEOUT == 1800
    assert Session.DFT_LOCK is True
    assert Session.CLEANUP_CHANCE == 1000
    assert (Session.DFT_FAST_CLEANUP, Session.DFT_VERIFY_CLEANUP) == (True, True)
    assert (Session.DFT_GRACE_PERIOD, Session.DFT_CLEANUP_TIME_LIMIT) == (240, 2)
    assert Session.FS_STAT_VERSION == "MPFS_3.2"
    assert isinstance(Session.tempdir, str)


@pytest.mark.parametrize("text, ok", [
    (SID, True), ("f" * 32, True), (SID.upper(), False), (SID[:-1], False),
    (SID + "0", False), (SID + "\n", False), ("../" + SID[3:], False),
    ("/path/traversal/attack/bad", False), ("", False), ("0" * 384, False)])
def test_validate_sid_re(text, ok):
    assert bool(Session.validate_sid_re.match(text)) is ok


@pytest.mark.parametrize("word, value", [
    ("yes", True), ("TRUE", True), ("1", True), (1, True), (True, True),
    ("No", False), ("false", False), ("0", False), (0, False), (None, False),
    (False, False)])
def test_true_or_false(word, value):
    assert Session.true_or_false(word) is value


@pytest.mark.parametrize("word", ["maybe", "", 2, "on"])
def test_true_or_false_refuses(word):
    with pytest.raises(Exception, match="not a boolean word"):
        Session.true_or_false(word)


def test_signatures_follow_ambiguity_17():
    # BaseSession keeps the 3.5 code order (lock before timeout); the others
    # the documented order (timeout before lock)
    params = lambda f: list(inspect.signature(f).parameters)
    assert params(Session.BaseSession)[:5] == ["req", "sid", "secret", "lock", "timeout"]
    for f in (Session.Session, Session.MemorySession):
        assert params(f) == ["req", "sid", "secret", "timeout", "lock"]
    assert params(Session.FileSession)[:5] == ["req", "sid", "secret", "timeout", "lock"]
    assert params(Session.DbmSession)[:7] == ["req", "dbm", "sid", "secret", "dbmtype",
                                              "timeout", "lock"]


# ---- a new session and its cookie

def test_new_session_and_cookie():
    req, s = new_session()
    assert s.is_new() and Session.validate_sid_re.match(s.id())
    assert req.set_cookies() == ["pysid=%s; path=/app/; samesite=Lax; httponly" % s.id()]
    assert req.headers_out["Cache-Control"] == 'no-cache="set-cookie"'
    assert s.timeout() == 1800
    assert isinstance(s.created(), float) and s.created() <= s.last_accessed()


def test_ids_are_random():
    ids = set()
    for _ in range(50):
        req, s = new_session()
        ids.add(s.id())
        req.end()
    assert len(ids) == 50


def test_secure_cookie_over_https():
    req, s = new_session(https=True)
    assert req.set_cookies()[0].endswith("; secure; samesite=Lax; httponly")


@pytest.mark.parametrize("options, tail", [
    ({"mod_python.session.cookie_httponly": "Off"}, "; samesite=Lax"),
    ({"mod_python.session.cookie_samesite": "Strict"}, "; samesite=Strict; httponly"),
    ({"mod_python.session.cookie_samesite": "off"}, "; httponly"),
    ({"mod_python.session.cookie_secure": "On"}, "; secure; samesite=Lax; httponly")])
def test_cookie_options(options, tail):
    req, s = new_session(options=options)
    assert req.set_cookies() == ["pysid=%s; path=/app/%s" % (s.id(), tail)]


@pytest.mark.parametrize("https", [True, False])
def test_cookie_option_not_a_word_is_logged_and_the_default_kept(https):
    req, s = new_session(https=https,
                         options={"mod_python.session.cookie_secure": "perhaps",
                                  "mod_python.session.cookie_httponly": "nah"})
    assert req.set_cookies()[0].endswith(
        ("; secure" if https else "") + "; samesite=Lax; httponly")
    assert [m for m, _ in req.logged if "is not On or Off" in m] == [
        "mod_python: PythonOption mod_python.session.cookie_httponly 'nah' "
        "is not On or Off; ignored",
        "mod_python: PythonOption mod_python.session.cookie_secure 'perhaps' "
        "is not On or Off; ignored"]


@pytest.mark.parametrize("options, attrs", [
    ({"mod_python.session.application_path": "/path",
      "mod_python.session.application_domain": "d"}, "path=/path; domain=d"),
    ({"ApplicationPath": "/legacy"}, "path=/legacy"),
    ({"ApplicationPath": "/legacy", "mod_python.session.application_path": "/new"},
     "path=/new")])
def test_cookie_path_and_domain_options(options, attrs):
    req, s = new_session(options=options)
    for attr in attrs.split("; "):
        assert "; %s;" % attr in req.set_cookies()[0]


@pytest.mark.parametrize("directory, docroot, uri, path", [
    ("/www/app/", "/www", "/app/page.py", "/app/"),
    ("/www/app/", "/www/", "/app/page.py", "/app/"),
    ("/www/", "/www", "/page.py", "/"),
    ("/www/app/", "/www", "/other/page.py", "/"),
    (None, "/www", "/app/page.py", "/"),
    ("/loc", "/www", "/loc/x", "/loc")])
def test_derived_cookie_path(directory, docroot, uri, path):
    req, s = new_session(directory=directory, docroot=docroot, uri=uri)
    assert "; path=%s;" % path in req.set_cookies()[0]


def test_cookie_name_options():
    req, s = new_session(options={"mod_python.session.cookie_name": "mysid"})
    assert cookie_of(req, "mysid") == "mysid=" + s.id()
    req.end()
    req, s = new_session(options={"session_cookie_name": "oldsid"})
    assert cookie_of(req, "oldsid") == "oldsid=" + s.id()
    s.save()
    req.end()
    req2, s2 = again(req, name="oldsid", options={"session_cookie_name": "oldsid"})
    assert not s2.is_new()


# ---- finding the session again

def test_saved_session_is_found_again():
    req, s = new_session(timeout=60)
    s["hits"] = 1
    s.save()
    req.end()
    req2, s2 = again(req, timeout=99)
    assert (s2.id(), s2.is_new(), dict(s2)) == (s.id(), False, {"hits": 1})
    assert s2.created() == s.created() and s2.timeout() == 60
    assert req2.set_cookies() == []


def test_unsaved_session_is_new_again():
    req, s = new_session()
    req.end()
    req2, s2 = again(req)
    assert s2.is_new() and s2.id() != s.id()


@pytest.mark.parametrize("value", ["/path/traversal/attack/bad", "0" * 384,
                                   SID.upper(), "..%2F..%2Fetc", '"%s"' % SID])
def test_bad_cookie_values_give_a_new_session(value):
    req, s = new_session(cookie="pysid=" + value)
    assert s.is_new() and s.id() != value and Session.validate_sid_re.match(s.id())


@pytest.mark.parametrize("sid", ["bad", SID.upper(), "../" * 11, SID + "\n", "x" * 32])
def test_bad_sid_argument_raises(sid):
    with pytest.raises(ValueError, match="Invalid Session ID"):
        new_session(sid=sid)


def test_sid_argument():
    req, s = new_session()
    s["a"] = 1
    s.save()
    req.end()
    req2, s2 = new_session(sid=s.id())
    assert not s2.is_new() and s2["a"] == 1


def test_unknown_sid_argument_makes_a_new_session():
    req, s = new_session(sid=SID)
    assert s.is_new() and s.id() != SID


def test_signed_session_cookie():
    req, s = new_session(secret="k")
    s.save()
    req.end()
    value = cookie_of(req).split("=", 1)[1]
    assert len(value) == 64 + 32 and value.endswith(s.id())
    req2, s2 = again(req, secret="k")
    assert not s2.is_new() and s2.id() == s.id()
    req2.end()
    req3, s3 = again(req, secret="other")
    assert s3.is_new()
    req3.end()
    req4, s4 = new_session(cookie="pysid=" + s.id(), secret="k")   # unsigned
    assert s4.is_new()


def test_expired_session_is_new():
    req, s = new_session(timeout=1)
    s.save()
    req.end()
    record = Session.MemorySession.sdict[s.id()]
    record["_accessed"] -= 2
    req2, s2 = again(req)
    assert s2.is_new() and s2.timeout() == 1800


def test_set_timeout_is_saved():
    req, s = new_session()
    s.set_timeout(10)
    s.save()
    req.end()
    assert Session.MemorySession.sdict[s.id()]["_timeout"] == 10
    req2, s2 = again(req)
    assert s2.timeout() == 10


def test_saving_refreshes_the_expiry_clock():
    req, s = new_session(timeout=5)
    s.save()
    req.end()
    Session.MemorySession.sdict[s.id()]["_accessed"] -= 4
    req2, s2 = again(req)
    assert not s2.is_new()
    s2.save()
    req2.end()
    assert time.time() - Session.MemorySession.sdict[s.id()]["_accessed"] < 1


def test_invalidate():
    req, s = new_session()
    s.save()
    req.end()
    req2, s2 = again(req)
    s2["x"] = 1
    s2.invalidate()
    assert len(s2) == 0 and s.id() not in Session.MemorySession.sdict
    assert req2.set_cookies() == ["pysid=%s; path=/app/; expires=Thu, 01-Jan-1970 "
                                  "00:00:00 GMT; samesite=Lax; httponly" % s.id()]
    s2.save()
    assert s.id() not in Session.MemorySession.sdict
    req2.end()
    req3, s3 = again(req)
    assert s3.is_new()


def test_delete():
    req, s = new_session()
    s["a"] = 1
    s.save()
    s.delete()
    assert len(s) == 0 and s.id() not in Session.MemorySession.sdict


def test_base_session_is_a_dict():
    req = SessionRequest()
    s = Session.BaseSession(req)
    s["hits"] = 1
    assert "hits" in s and s == {"hits": 1} and isinstance(s, dict)
    s.save()   # the base class stores nothing
    assert s.load() == 0


def test_malformed_record_is_no_session():
    req, s = new_session(sid=None)
    Session.MemorySession.sdict[SID] = {"_data": {}}
    req.end()
    req2, s2 = new_session(cookie="pysid=" + SID)
    assert s2.is_new()


@pytest.mark.parametrize("drawn, cleaned", [
    (0.0, True), (0.000999, True),        # below 1 / CLEANUP_CHANCE
    (0.001, False), (0.5, False)])        # from 1 / CLEANUP_CHANCE up
def test_cleanup_chance(monkeypatch, drawn, cleaned):
    calls = []
    monkeypatch.setattr(Session.MemorySession, "do_cleanup", lambda self: calls.append(1))
    monkeypatch.setattr(session_base.random, "random", lambda: drawn)
    monkeypatch.setattr(session_base, "CLEANUP_CHANCE", 1000)
    new_session()
    assert calls == ([1] if cleaned else [])


def test_mem_cleanup():
    req, s = new_session()
    s.save()
    req.end()
    req, old = new_session()
    old.save()
    req.end()
    Session.MemorySession.sdict[old.id()]["_accessed"] -= 3600
    req, t = new_session()
    t.cleanup()
    req.end()
    assert set(Session.MemorySession.sdict) == {s.id()}


# ---- locks

def test_lock_held_until_the_request_ends(mutexes):
    req, s = new_session()
    index = Session.mutex_index(req.server, s.id())
    assert 1 <= index < 8 and index == fnv1a(s.id()) % 7 + 1
    assert mutexes.held() == [index]
    s.save()
    assert mutexes.held() == [index]
    req.end()
    assert mutexes.held() == []
    assert mutexes.session_calls() == [("lock", s.id(), index), ("unlock", s.id(), index)]


def test_explicit_unlock_and_relock(mutexes):
    req, s = new_session()
    s.unlock()
    assert mutexes.held() == []
    s.lock()
    s.lock()
    assert len(mutexes.held()) == 1
    req.end()
    req.end()   # unlocking twice does nothing
    assert mutexes.held() == []


def test_garbage_collection_unlocks(mutexes):
    req, s = new_session()
    req.cleanups.clear()
    del s
    assert mutexes.held() == []


def test_no_lock(mutexes):
    req, s = new_session(lock=0)
    assert mutexes.session_calls() == [] and req.cleanups == []


def test_loaded_session_relocks_its_id(mutexes):
    req, s = new_session()
    s.save()
    req.end()
    req2, s2 = again(req)
    assert mutexes.session_calls()[-1] == ("lock", s.id(), mutexes.index(s.id(), -1))


def test_two_sessions_in_one_request_do_not_deadlock(mutexes):
    req, s = new_session()
    s.save()
    s2 = Session.MemorySession(req, sid=s.id())
    assert not s2.is_new()
    s.unlock()
    assert len(mutexes.held()) == 1     # s2 still holds it
    req.end()
    assert mutexes.held() == []


def test_colliding_ids_in_one_request(monkeypatch):
    # two mutexes: every session id maps to mutex 1
    mutexes = install_mutexes(monkeypatch, count=2)
    req, s = new_session()
    t = Session.MemorySession(req)
    assert t.id() != s.id() and mutexes.held() == [1]
    req.end()
    assert mutexes.held() == []


def test_single_mutex_is_shared_with_dbm(monkeypatch, tmp_path):
    mutexes = install_mutexes(monkeypatch, count=1)
    req = SessionRequest(options={"mod_python.session.database_directory": str(tmp_path)})
    s = Session.DbmSession(req)
    s.save()
    assert mutexes.held() == [0]
    req.end()
    assert mutexes.held() == []


def test_mutex_index_matches_the_c_hash(monkeypatch):
    install_mutexes(monkeypatch, 8)
    for key in ("a", SID, "dbm", "\u00e9t\u00e9"):
        assert Session.mutex_index(None, key) == fnv1a(key) % 7 + 1
    install_mutexes(monkeypatch, 1)
    assert Session.mutex_index(None, SID) == 0


def test_concurrent_requests_are_serialised(mutexes):
    req, s = new_session()
    s["n"] = 0
    s.save()
    req.end()
    cookie = cookie_of(req)
    errors = []

    def worker():
        try:
            for _ in range(50):
                r = SessionRequest(cookie=cookie)
                t = Session.MemorySession(r)
                assert not t.is_new()
                n = t["n"]
                time.sleep(0)
                t["n"] = n + 1
                t.save()
                r.end()
        except Exception as e:   # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Session.MemorySession.sdict[s.id()]["_data"]["n"] == 1000


def test_second_request_waits_for_the_first(mutexes):
    req, s = new_session()
    s.save()
    events = []

    def second():
        r = SessionRequest(cookie=cookie_of(req))
        Session.MemorySession(r)
        events.append("second got it")
        r.end()

    t = threading.Thread(target=second)
    t.start()
    time.sleep(0.3)
    events.append("first ends")
    req.end()
    t.join(5)
    assert events == ["first ends", "second got it"]


def test_cleanup_registered_before_the_lock_is_taken(monkeypatch, mutexes):
    def failing(server, key, index=-1):
        raise ValueError("Failed to acquire global mutex lock (22)")
    monkeypatch.setattr(apache, "_global_lock", failing)
    req = SessionRequest()
    with pytest.raises(ValueError):
        Session.MemorySession(req)
    assert [f for f, d in req.cleanups] == [Session.unlock_session_cleanup]
    req.end()   # nothing to give back, and no error


# ---- the factory

@pytest.mark.parametrize("options, name", [
    ({"mod_python.session.session_type": "MemorySession"}, "MemorySession"),
    ({"mod_python.session.session_type": "FileSession"}, "FileSession"),
    ({"mod_python.session.session_type": "DbmSession"}, "DbmSession"),
    ({"session": "FileSession"}, "FileSession"),
    ({"session": "FileSession", "mod_python.session.session_type": "DbmSession"},
     "DbmSession")])
def test_factory_types(options, name, tmp_path):
    options = dict(options, **{"mod_python.session.database_directory": str(tmp_path)})
    req = SessionRequest(options=options)
    assert type(Session.Session(req)).__name__ == name


def test_factory_unknown_type():
    req = SessionRequest(options={"mod_python.session.session_type": "Bogus"})
    with pytest.raises(Exception, match="Unknown session type Bogus"):
        Session.Session(req)


@pytest.mark.parametrize("threaded, forked, daemons, name", [
    (0, 2, 10, "DbmSession"),        # prefork
    (1, 2, 2, "DbmSession"),         # event, two processes
    (1, 2, 1, "MemorySession"),      # event, one process
    (1, 0, 4, "MemorySession")])     # threaded, not forked
def test_factory_default_from_mpm(monkeypatch, tmp_path, threaded, forked, daemons,
                                  name):
    answers = {apache.AP_MPMQ_IS_THREADED: threaded, apache.AP_MPMQ_IS_FORKED: forked,
               apache.AP_MPMQ_MAX_DAEMONS: daemons}
    monkeypatch.setattr(apache, "mpm_query", answers.__getitem__)
    req = SessionRequest(options={"mod_python.session.database_directory": str(tmp_path)})
    assert type(Session.Session(req)).__name__ == name


def test_factory_keywords(monkeypatch):
    seen = {}

    class Spy(Session.MemorySession):
        def __init__(self, req, **kw):
            seen.update(kw)
            Session.MemorySession.__init__(self, req, **kw)

    monkeypatch.setitem(Session._SESSION_TYPES, "MemorySession", Spy)
    req = SessionRequest(options={"mod_python.session.session_type": "MemorySession"})
    s = Session.Session(req, secret="k", timeout=77, lock=0)
    assert seen == {"sid": 0, "secret": "k", "timeout": 77, "lock": 0}
    assert s.timeout() == 77


def test_cookie_module_is_used():
    req, s = new_session()
    cookie = s.make_cookie()
    assert isinstance(cookie, Cookie.Cookie) and not isinstance(cookie, Cookie.SignedCookie)
    req.end()
    req, s = new_session(secret="k")
    assert isinstance(s.make_cookie(), Cookie.SignedCookie)
    assert re.fullmatch(r"pysid=[0-9a-f]{64}%s" % s.id(), str(s.make_cookie()).split(";")[0])


def test_constants_set_through_the_session_module_reach_the_stores(monkeypatch):
    # 3.5 applications tune Session.CLEANUP_CHANCE, Session.tempdir... by
    # assignment; the code that reads them lives in other modules now
    from mod_python import session_base, session_dbm, session_file
    monkeypatch.setattr(Session, "tempdir", "/var/lib/sessions")
    monkeypatch.setattr(Session, "CLEANUP_CHANCE", 1)
    monkeypatch.setattr(Session, "DFT_GRACE_PERIOD", 7)
    assert session_base.tempdir == "/var/lib/sessions"
    assert session_base.CLEANUP_CHANCE == 1
    assert session_file.DFT_GRACE_PERIOD == 7
    assert session_dbm._dbm_path(SessionRequest(), None) == "/var/lib/sessions/mp_sess.dbm"

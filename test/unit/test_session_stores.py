"""mod_python.Session stores: MemorySession, DbmSession and FileSession
(library.md section 5.3), including FileSession's cleanup."""

import dbm.dumb
import os
import pickle
import sys
import threading
import time

import pytest

from mod_python import (Session, privatefiles, session_base, session_dbm, session_locks,
                         session_memory)
from mod_python import session_file as file_store

from .conftest import FakeServerReturn

from .test_session_support import (  # noqa: F401 (fixtures)
    SessionRequest, cookie_of, memory, mutexes, no_random_cleanup)

pytestmark = pytest.mark.usefixtures("mutexes", "memory", "no_random_cleanup")

SID = "0123456789abcdef0123456789abcdef"


def file_request(tmp_path, cookie=None, **options):
    opts = {"mod_python.session.database_directory": str(tmp_path)}
    opts.update(options)
    return SessionRequest(options=opts, cookie=cookie)


def saved(cls, tmp_path, data=None, **kw):
    """A finished request that saved a session; (request, session)."""
    req = file_request(tmp_path)
    s = cls(req, **kw)
    s.update(data or {"n": 1})
    s.save()
    req.end()
    return req, s


def reopen(cls, tmp_path, req, **kw):
    req2 = file_request(tmp_path, cookie=cookie_of(req))
    return req2, cls(req2, **kw)


def counter_threads(make, threads=10, each=20):
    """threads x each increments of "n", each in its own request."""
    errors = []

    def work():
        try:
            for _ in range(each):
                req, s = make()
                assert not s.is_new()
                s["n"] += 1
                s.save()
                req.end()
        except Exception as e:   # pragma: no cover - reported below
            errors.append(repr(e))

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []


# ---- MemorySession

def test_no_random_cleanup_stops_the_random_cleanup(monkeypatch):
    # the fixture every test here uses must patch what BaseSession draws
    # from, or a cleanup runs in one test of CLEANUP_CHANCE sessions
    draws = [session_base.random.random() for _ in range(10000)]
    assert min(draws) * session_base.CLEANUP_CHANCE >= 1
    runs = []
    monkeypatch.setattr(Session.MemorySession, "cleanup", lambda self: runs.append(1))
    for _ in range(3):
        Session.MemorySession(SessionRequest(), lock=0)
    assert runs == []
    monkeypatch.setattr(session_base.random, "random", lambda: 0.0)
    Session.MemorySession(SessionRequest(), lock=0)
    assert runs == [1]


def test_memory_session_keeps_copies(memory):
    req = SessionRequest()
    s = Session.MemorySession(req)
    s["list"] = [1]
    s["n"] = 1
    s.save()
    s["n"] = 2          # not saved
    req.end()
    req2 = SessionRequest(cookie=cookie_of(req))
    s2 = Session.MemorySession(req2)
    assert s2["n"] == 1 and s2["list"] == [1]
    assert set(memory) == {s.id()}


def test_memory_session_keeps_unpicklable_values():
    req = SessionRequest()
    s = Session.MemorySession(req)
    s["lock"] = lock = threading.Lock()
    s.save()
    req.end()
    s2 = Session.MemorySession(SessionRequest(cookie=cookie_of(req)))
    assert s2["lock"] is lock


def test_memory_cleanup_keeps_a_record_saved_after_it_looked(monkeypatch):
    # B-319: a session saved is there for the next request
    # a request saves the session between the cleanup's look at the old
    # record and its removal: the new record stays
    sdict = {"sid": {"_accessed": 0, "_timeout": 1, "_data": {}}}
    saved = {"_accessed": time.time(), "_timeout": 100, "_data": {"n": 1}}

    def expired_while_saved(record, now):
        sdict["sid"] = saved
        return True
    monkeypatch.setattr(session_memory, "record_expired", expired_while_saved)
    session_memory.mem_cleanup(sdict)
    assert sdict == {"sid": saved}


# ---- DbmSession

@pytest.mark.parametrize("options, expected", [
    ({"mod_python.dbm_session.database_filename": "@/a.dbm", "session_dbm": "@/b.dbm"},
     "@/a.dbm"),
    ({"session_dbm": "@/b.dbm", "mod_python.dbm_session.database_directory": "@/d"},
     "@/b.dbm"),
    ({"mod_python.dbm_session.database_directory": "@/d",
      "mod_python.session.database_directory": "@/e"}, "@/d/mp_sess.dbm"),
    ({"mod_python.session.database_directory": "@/e", "session_directory": "@/f"},
     "@/e/mp_sess.dbm"),
    ({"session_directory": "@/f"}, "@/f/mp_sess.dbm")])
def test_dbm_path_options(tmp_path, options, expected):
    at = str(tmp_path)
    for d in "def":
        os.mkdir(os.path.join(at, d))
    req = SessionRequest(options={k: v.replace("@", at) for k, v in options.items()})
    s = Session.DbmSession(req)
    assert s._dbmfile == expected.replace("@", at)


def test_dbm_default_path():
    req = SessionRequest()
    s = Session.DbmSession.__new__(Session.DbmSession)
    assert session_dbm._dbm_path(req, None) == os.path.join(Session.tempdir, "mp_sess.dbm")
    assert session_dbm._dbm_path(req, "/x/given") == "/x/given"
    del s


def test_dbm_session_round_trip(tmp_path, mutexes):
    req, s = saved(Session.DbmSession, tmp_path, {"n": 5})
    assert any(name.startswith("mp_sess.dbm") for name in os.listdir(str(tmp_path)))
    req2, s2 = reopen(Session.DbmSession, tmp_path, req)
    assert not s2.is_new() and s2["n"] == 5
    s2.delete()
    req2.end()
    req3, s3 = reopen(Session.DbmSession, tmp_path, req)
    assert s3.is_new()
    assert ("lock", "dbm", 0) in mutexes.session_calls()


def test_dbm_reads_before_the_file_exists(tmp_path):
    # a session id from a cookie, and no dbm file yet: a new session
    req = file_request(tmp_path, cookie="pysid=" + SID)
    s = Session.DbmSession(req)
    assert s.is_new() and s.id() != SID


def test_dbm_file_kind_found_once(tmp_path, monkeypatch):
    # dbm.open() would ask whichdb at every access (opening the file once
    # more); the kind of the file is remembered instead
    req, s = saved(Session.DbmSession, tmp_path)
    reopen(Session.DbmSession, tmp_path, req)[0].end()
    assert session_dbm._dbm_kinds[s._dbmfile].__name__.startswith("dbm.")
    asked = []
    monkeypatch.setattr(session_dbm._dbm, "whichdb",
                        lambda path: asked.append(path) or None)
    req2, s2 = reopen(Session.DbmSession, tmp_path, req)
    s2.save()
    assert not s2.is_new() and asked == []


def test_dbm_argument_and_dbmtype(tmp_path):
    path = str(tmp_path / "own.db")
    req = SessionRequest()
    s = Session.DbmSession(req, dbm=path, dbmtype=dbm.dumb)
    s["a"] = 1
    s.save()
    req.end()
    assert os.path.exists(path + ".dat")
    db = dbm.dumb.open(path, "r")
    assert pickle.loads(db[s.id().encode()])["_data"] == {"a": 1}
    db.close()


def test_dbm_cleanup(tmp_path):
    req, keep = saved(Session.DbmSession, tmp_path)
    req, old = saved(Session.DbmSession, tmp_path)
    req = file_request(tmp_path)
    s = Session.DbmSession(req)
    with s._dbm_open() as db:
        record = pickle.loads(db[old.id().encode()])
        record["_accessed"] -= 3600
        db[old.id().encode()] = pickle.dumps(record)
        db[SID.encode()] = b"not a pickle"
    s.cleanup()
    assert ("DbmSession: registered database cleanup.", 5) in req.logged
    req.end()
    with s._dbm_open() as db:
        assert sorted(db.keys()) == [keep.id().encode()]


def test_dbm_refuses_files_of_another_user(tmp_path, monkeypatch):
    req, s = saved(Session.DbmSession, tmp_path)
    monkeypatch.setattr(os, "geteuid", lambda: os.getuid() + 1)
    with pytest.raises(PermissionError):
        reopen(Session.DbmSession, tmp_path, req)


def test_dbm_counter_threads(tmp_path):
    req, s = saved(Session.DbmSession, tmp_path, {"n": 0})
    counter_threads(lambda: reopen(Session.DbmSession, tmp_path, req))
    req2, s2 = reopen(Session.DbmSession, tmp_path, req)
    assert s2["n"] == 200


# ---- FileSession: storage

def session_file(tmp_path, sid):
    return tmp_path / "mp_sess" / sid[:2] / sid


def test_file_session_path(tmp_path):
    req, s = saved(Session.FileSession, tmp_path, {"n": 3})
    path = session_file(tmp_path, s.id())
    assert path.is_file()
    assert pickle.loads(path.read_bytes())["_data"] == {"n": 3}
    assert os.listdir(str(path.parent)) == [s.id()]     # no temporary file left
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)


@pytest.mark.parametrize("key", ["mod_python.file_session.database_directory",
                                 "mod_python.session.database_directory",
                                 "session_directory"])
def test_file_session_directory_options(tmp_path, key):
    req = SessionRequest(options={key: str(tmp_path)})
    s = Session.FileSession(req)
    s.save()
    assert session_file(tmp_path, s.id()).exists()


def test_file_session_option_order(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    req = SessionRequest(options={
        "mod_python.file_session.database_directory": str(tmp_path / "a"),
        "mod_python.session.database_directory": str(tmp_path / "b")})
    s = Session.FileSession(req)
    assert s._sessdir == str(tmp_path / "a" / "mp_sess")


def test_file_session_base_directory_must_exist(tmp_path):
    req = SessionRequest(options={
        "mod_python.session.database_directory": str(tmp_path / "missing")})
    with pytest.raises(FileNotFoundError):
        Session.FileSession(req)


def test_file_session_round_trip_touches_the_file(tmp_path):
    req, s = saved(Session.FileSession, tmp_path)
    path = session_file(tmp_path, s.id())
    os.utime(str(path), (1000, 1000))
    req2, s2 = reopen(Session.FileSession, tmp_path, req)
    assert not s2.is_new() and s2["n"] == 1
    assert time.time() - path.stat().st_mtime < 60


def test_file_session_unreadable_file_is_logged(tmp_path):
    req, s = saved(Session.FileSession, tmp_path)
    session_file(tmp_path, s.id()).write_bytes(b"garbage")
    req2, s2 = reopen(Session.FileSession, tmp_path, req)
    assert s2.is_new()
    assert any(m.startswith("Error while loading a session : ") for m, _ in req2.logged)


def test_file_session_refuses_files_of_another_user(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root")
    req, s = saved(Session.FileSession, tmp_path)
    os.chown(session_file(tmp_path, s.id()), 65534, 65534)
    req2, s2 = reopen(Session.FileSession, tmp_path, req)
    assert s2.is_new()
    assert any("not a file owned by" in m for m, _ in req2.logged)


def test_file_session_refuses_a_directory_of_another_user(tmp_path,
                                                          monkeypatch):
    req, s = saved(Session.FileSession, tmp_path)
    monkeypatch.setattr(os, "geteuid", lambda: os.getuid() + 1)
    with pytest.raises(FakeServerReturn):
        reopen(Session.FileSession, tmp_path, req)


def test_a_session_directory_writable_by_others_is_refused(tmp_path):
    (tmp_path / "mp_sess").mkdir()
    os.chmod(tmp_path / "mp_sess", 0o777)
    with pytest.raises(privatefiles.UnsafePath) as caught:
        privatefiles.private_directory(str(tmp_path / "mp_sess"), "session directory")
    assert "writable by group or others (mode 777)" in str(caught.value)
    os.chmod(tmp_path / "mp_sess", 0o750)
    assert privatefiles.private_directory(str(tmp_path / "mp_sess"), "d")
    made = privatefiles.private_directory(str(tmp_path / "new"), "d")
    assert os.stat(made).st_mode & 0o777 == 0o700 & ~_umask()


def _umask():
    umask = os.umask(0)
    os.umask(umask)
    return umask


def test_file_session_refuses_symlinks(tmp_path):
    req, s = saved(Session.FileSession, tmp_path)
    req, other = saved(Session.FileSession, tmp_path, {"n": 99})
    path = session_file(tmp_path, s.id())
    path.unlink()
    path.symlink_to(session_file(tmp_path, other.id()))
    req2 = file_request(tmp_path, cookie="pysid=" + s.id())
    s2 = Session.FileSession(req2)
    assert s2.is_new()


def test_file_session_delete(tmp_path):
    req, s = saved(Session.FileSession, tmp_path)
    req2, s2 = reopen(Session.FileSession, tmp_path, req)
    s2.invalidate()
    assert not session_file(tmp_path, s.id()).exists()
    s2.delete()     # already gone: no error


def test_file_session_save_error_is_logged(tmp_path):
    req = file_request(tmp_path)
    s = Session.FileSession(req)
    # the session's subdirectory is a plain file: no user can write into
    # it, root included
    session_file(tmp_path, s.id()).parent.write_text("in the way")
    s.save()
    assert any(m.startswith("Error while saving a session : ") for m, _ in req.logged)


def test_file_session_without_lock_takes_the_mutex_per_operation(tmp_path, mutexes):
    req = file_request(tmp_path)
    s = Session.FileSession(req, lock=0)
    s.save()
    calls = [c for c in mutexes.session_calls() if c[1] == s.id()]
    assert [c[0] for c in calls] == ["lock", "unlock"]
    assert mutexes.held() == []


def test_file_session_counter_threads(tmp_path):
    req, s = saved(Session.FileSession, tmp_path, {"n": 0})
    counter_threads(lambda: reopen(Session.FileSession, tmp_path, req))
    req2, s2 = reopen(Session.FileSession, tmp_path, req)
    assert s2["n"] == 200


def test_make_filesession_dirs(tmp_path):
    Session.make_filesession_dirs(str(tmp_path))
    names = sorted(os.listdir(str(tmp_path)))
    assert names == ["%02x" % i for i in range(256)]
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(str(tmp_path / "a7")).st_mode & 0o777 == 0o700 & ~umask


# ---- FileSession: options

@pytest.mark.parametrize("options, fast, verify", [
    ({}, True, True),
    ({"mod_python.file_session.enable_fast_cleanup": "No"}, False, True),
    ({"mod_python.file_session.verify_session_timeout": "FALSE"}, True, False),
    ({"session_fast_cleanup": "0", "session_verify_cleanup": "yes"}, False, True),
    ({"session_fast_cleanup": "0",
      "mod_python.file_session.enable_fast_cleanup": "true"}, True, True),
    # PythonOption words, as for the cookie options
    ({"mod_python.file_session.enable_fast_cleanup": "Off",
      "mod_python.file_session.verify_session_timeout": "on"}, False, True)])
def test_file_session_cleanup_flags(tmp_path, options, fast, verify):
    s = Session.FileSession(file_request(tmp_path, **options))
    assert (s._fast_cleanup, s._verify_cleanup) == (fast, verify)


def test_file_session_flag_arguments(tmp_path):
    s = Session.FileSession(file_request(tmp_path), fast_cleanup=0, verify_cleanup=1)
    assert (s._fast_cleanup, s._verify_cleanup) == (False, True)


@pytest.mark.parametrize("key", ["mod_python.file_session.enable_fast_cleanup",
                                 "mod_python.file_session.verify_session_timeout",
                                 "session_fast_cleanup"])
def test_file_session_bad_flag_raises(tmp_path, key):
    with pytest.raises(Exception, match="not a boolean word"):
        Session.FileSession(file_request(tmp_path, **{key: "maybe"}))


@pytest.mark.parametrize("options, numbers", [
    ({}, (240, 2)),
    ({"mod_python.file_session.cleanup_grace_period": "10",
      "session_cleanup_time_limit": "0"}, (10, 0)),
    ({"session_grace_period": "7", "mod_python.file_session.cleanup_time_limit": "5"},
     (7, 5))])
def test_file_session_numbers(tmp_path, options, numbers):
    s = Session.FileSession(file_request(tmp_path, **options))
    assert (s._grace_period, s._cleanup_time_limit) == numbers


# ---- FileSession: cleanup

def age_session(tmp_path, sid, seconds, record_too=True):
    path = session_file(tmp_path, sid)
    if record_too:
        record = pickle.loads(path.read_bytes())
        record["_accessed"] -= seconds
        path.write_bytes(pickle.dumps(record))
    then = time.time() - seconds
    os.utime(str(path), (then, then))


def run_cleanup(tmp_path, **options):
    req = file_request(tmp_path, **options)
    s = Session.FileSession(req, timeout=100)
    s.cleanup()
    req.end()
    return req, s


def notices(req):
    """Lines the cleanup logged for req's server (through apache.log_error)."""
    logged = sys.modules["_apache"].logged
    return [m for m, level, server in logged if server is req.server]


@pytest.fixture
def sessions(tmp_path, fake_apache):
    """Three saved sessions (timeout 100 s): fresh, stale on disk only
    (old mtime, recent _accessed), and expired."""
    made = {}
    for name in ("fresh", "old_mtime", "expired"):
        req, s = saved(Session.FileSession, tmp_path, timeout=100)
        made[name] = s.id()
    age_session(tmp_path, made["old_mtime"], 1000, record_too=False)
    age_session(tmp_path, made["expired"], 1000)
    return made


def remaining(tmp_path, sessions):
    return {name for name, sid in sessions.items() if session_file(tmp_path, sid).exists()}


def test_cleanup_fast_and_verify(tmp_path, sessions):
    req, s = run_cleanup(tmp_path)
    assert remaining(tmp_path, sessions) == {"fresh", "old_mtime"}
    assert ("FileSession: registered filesession cleanup.", 5) in req.logged
    assert any(m.startswith("FileSession cleanup: deleted 1 of 3 in ")
               for m in notices(req))
    status = (tmp_path / "mp_sess" / "fs_status.txt").read_text().split()
    assert status[:4] == ["MPFS_3.2", "0", "1", "3"]
    assert not (tmp_path / "mp_sess" / ".mp_sess.lck").exists()


def test_cleanup_fast_without_verify(tmp_path, sessions):
    run_cleanup(tmp_path, **{"mod_python.file_session.verify_session_timeout": "no"})
    assert remaining(tmp_path, sessions) == {"fresh"}


def test_cleanup_without_fast(tmp_path, sessions):
    os.utime(str(session_file(tmp_path, sessions["expired"])))   # recent mtime
    run_cleanup(tmp_path, **{"mod_python.file_session.enable_fast_cleanup": "no"})
    assert remaining(tmp_path, sessions) == {"fresh", "old_mtime"}


def test_cleanup_grace_period(tmp_path, sessions):
    run_cleanup(tmp_path, **{"mod_python.file_session.cleanup_grace_period": "5000"})
    assert remaining(tmp_path, sessions) == {"fresh", "old_mtime", "expired"}


def test_cleanup_skips_locked_sessions(tmp_path, sessions):
    req = file_request(tmp_path)
    s = Session.FileSession(req, timeout=100)
    req.end()
    holder = SessionRequest()
    mutex = session_locks.GlobalMutex(holder, sessions["expired"])
    mutex.acquire()              # a request is using the expired session
    file_store._FileSessionCleanup(s).run()
    assert remaining(tmp_path, sessions) == {"fresh", "old_mtime", "expired"}
    mutex.release()
    file_store._FileSessionCleanup(s).run()
    assert remaining(tmp_path, sessions) == {"fresh", "old_mtime"}


def test_cleanup_time_limit(tmp_path, sessions, monkeypatch):
    clock = [time.time()]

    def fake_time():
        clock[0] += 0.02      # every call takes 20 ms
        return clock[0]

    req = file_request(tmp_path, **{"mod_python.file_session.cleanup_time_limit": "1"})
    s = Session.FileSession(req, timeout=100)
    monkeypatch.setattr(file_store.time, "time", fake_time)
    s.cleanup()
    req.end()
    monkeypatch.undo()
    status = (tmp_path / "mp_sess" / "fs_status.txt").read_text().split()
    next_index = int(status[1])
    assert 0 < next_index < 256
    assert ("FileSession cleanup incomplete: next cleanup will start at index %d (%02x)"
            % (next_index, next_index)) in notices(req)


def test_cleanup_resumes_at_the_saved_index(tmp_path, sessions):
    # only directory ff is walked, then the next run starts at 00
    (tmp_path / "mp_sess" / "fs_status.txt").write_text("MPFS_3.2 255 0 0 0\n")
    req, s = run_cleanup(tmp_path)
    expired_dir = int(sessions["expired"][:2], 16)
    expected = {"fresh", "old_mtime"} if expired_dir == 255 else set(sessions)
    assert remaining(tmp_path, sessions) == expected
    assert (tmp_path / "mp_sess" / "fs_status.txt").read_text().split()[1] == "0"


def test_cleanup_lock_file(tmp_path, sessions):
    lock = tmp_path / "mp_sess" / ".mp_sess.lck"
    lock.write_text("")
    run_cleanup(tmp_path)
    assert remaining(tmp_path, sessions) == set(sessions) and lock.exists()
    os.utime(str(lock), (time.time() - 7200,) * 2)
    run_cleanup(tmp_path)            # stale: removed, this run skipped
    assert remaining(tmp_path, sessions) == set(sessions) and not lock.exists()
    run_cleanup(tmp_path)
    assert remaining(tmp_path, sessions) == {"fresh", "old_mtime"}


def test_cleanup_ignores_foreign_names(tmp_path, sessions):
    stray = tmp_path / "mp_sess" / "00" / "not-a-session"
    stray.parent.mkdir(exist_ok=True)
    stray.write_text("x")
    os.utime(str(stray), (0, 0))
    run_cleanup(tmp_path)
    assert stray.exists()


def test_cleanup_deletes_unreadable_old_files(tmp_path, sessions):
    path = session_file(tmp_path, sessions["old_mtime"])
    path.write_bytes(b"garbage")
    os.utime(str(path), (0, 0))
    run_cleanup(tmp_path)
    assert remaining(tmp_path, sessions) == {"fresh"}


"""DbmSession: sessions in one dbm file shared by all processes of the
server, each access under global mutex DBM_LOCK_INDEX."""

import contextlib
import dbm as _dbm      # DbmSession has an argument named dbm
import importlib
import os
import pickle
import time

from mod_python import apache, options, privatefiles, session_base
from mod_python.lookup import lookup
from mod_python.session_base import BaseSession, record_expired
from mod_python.session_locks import GlobalMutex

DBM_LOCK_INDEX = 0            # global mutex 0 guards the dbm files

# dbm file -> the dbm module that made it
_dbm_kinds = {}


def _concrete_dbm(dbmtype, path):
    """For the generic `dbm`, the module that made the file: dbm.open()
    finds it out (whichdb opens the file once more) at every call, which
    doubles the cost of each session access."""
    if dbmtype is not _dbm:
        return dbmtype
    module = lookup(_dbm_kinds, path)
    if module is None:
        kind = _dbm.whichdb(path)
        if not kind:        # no file yet, or not a dbm file: dbm.open decides
            return dbmtype
        module = _dbm_kinds[path] = importlib.import_module(kind)
    return module


def dbm_cleanup(sess):
    """Request cleanup registered by DbmSession: delete expired sessions."""
    now = time.time()
    with sess._dbm_open() as db:
        doomed = [key for key in db.keys()
                  if record_expired(_unpickle(db[key]), now)]
        for key in doomed:
            del db[key]


def _unpickle(blob):
    """The record, or None when it cannot be read (so it counts as expired)."""
    try:
        return pickle.loads(blob)
    except Exception:
        return None


class DbmSession(BaseSession):
    """Sessions in one dbm file, shared by all processes of the server (and
    kept across restarts); each access opens it under global mutex 0."""

    def __init__(self, req, dbm=None, sid=0, secret=None, dbmtype=_dbm,
                 timeout=0, lock=1):
        self._dbmfile = _dbm_path(req, dbm)
        self._dbmtype = dbmtype
        BaseSession.__init__(self, req, sid=sid, secret=secret, lock=lock,
                             timeout=timeout)

    @contextlib.contextmanager
    def _dbm_open(self, flag="c"):
        """The dbm file, opened under global mutex 0; with flag "r", None
        when it does not exist yet."""
        with GlobalMutex(self._req, "dbm", DBM_LOCK_INDEX):
            privatefiles.check_owned_files(privatefiles.dbm_files(self._dbmfile))
            dbmtype = _concrete_dbm(self._dbmtype, self._dbmfile)
            try:
                db = dbmtype.open(self._dbmfile, flag, 0o640)
            except _dbm.error:
                if flag != "r" or _dbm.whichdb(self._dbmfile) is not None:
                    raise
                db = None       # nothing saved yet
            try:
                # again once open: in a shared directory such as /tmp a
                # file created between the first check and the open is
                # someone else's (once ours, no one else can swap it there)
                privatefiles.check_owned_files(privatefiles.dbm_files(self._dbmfile))
                yield db
            finally:
                if db is not None:
                    db.close()

    def _key(self):
        return self._sid.encode("ascii")

    def do_cleanup(self):
        """Register dbm_cleanup as a request cleanup."""
        self._req.register_cleanup(dbm_cleanup, self)
        self._req.log_error("DbmSession: registered database cleanup.",
                            apache.APLOG_NOTICE)

    def do_load(self):
        """The stored record, or None."""
        # read-only: closing it then costs no write-back
        with self._dbm_open("r") as db:
            blob = None if db is None else db.get(self._key())
        return None if blob is None else pickle.loads(blob)

    def do_save(self, record):
        """Store the pickled record under the session id."""
        blob = pickle.dumps(record, session_base.PICKLE_PROTOCOL)
        with self._dbm_open() as db:
            db[self._key()] = blob

    def do_delete(self):
        """Remove the record, if stored."""
        with self._dbm_open() as db:
            with contextlib.suppress(KeyError):
                del db[self._key()]


def _dbm_path(req, given):
    """The dbm file: the argument, else the options, else the temp dir."""
    if given:
        return given
    path = options.text(req, "mod_python.dbm_session.database_filename", "session_dbm")
    if path:
        return path
    directory = options.text(req, "mod_python.dbm_session.database_directory",
                             "mod_python.session.database_directory",
                             "session_directory")
    return os.path.join(directory or session_base.tempdir, "mp_sess.dbm")

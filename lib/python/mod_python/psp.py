"""mod_python.psp: Python Server Pages.

A page mixes text with <% statements %>, <%= expressions %>,
<%@ include file="..." %> and <%-- comments --%> (see pspparser and
docs/psp.md).  Pages are compiled once and kept while the file (and the
files it includes) stay unchanged: in memory, and optionally in a dbm file
shared by all processes (PythonOption mod_python.psp.cache_database_filename).

    AddHandler mod_python .psp .psp_
    PythonHandler mod_python.psp
    PythonDebug On      # page.psp_ then shows page.psp's generated code

Templates from other handlers: psp.PSP(req, "page.html", vars={...}).run().
"""

import dis
import html
import importlib.util
import marshal
import os
import stat
import sys
import tempfile
import threading
import types

from mod_python import apache, options, privatefiles, pspparser, util
from mod_python.lookup import lookup
from mod_python.session_locks import GlobalMutex

__all__ = ["PSP", "PSPInterface", "handler", "parse", "parsestring"]

_DBM_OPTIONS = ("mod_python.psp.cache_database_filename", "PSPDbmCache")


def parse(filename, dir=None):
    """Python source of the page `dir + filename` (or `filename`);
    relative includes are found in `dir` when it is given."""
    path = dir + filename if dir else filename
    generated, _ = pspparser.parse_file(path, dir or None)
    return generated.source


def parsestring(string):
    """Python source of the page text `string` (str or bytes)."""
    if isinstance(string, (bytes, bytearray)):
        return pspparser.parse_bytes(bytes(string)).source
    return pspparser.generate(string).source


def handler(req):
    """Run the page req.filename (PythonHandler mod_python.psp); with
    PythonDebug On, page.psp_ shows page.psp's source beside its code."""
    req.content_type = "text/html"
    filename = req.filename
    if not filename:
        raise apache.SERVER_RETURN(apache.HTTP_NOT_FOUND)
    if filename.endswith("_") and options.debug(req):
        # shown even when the page does not compile
        req.write(_code_view_of_file(req, filename[:-1]), 0)
    else:
        PSP(req).run()
    return apache.OK


# ---------------------------------------------------------------------------
# Compiled pages
# ---------------------------------------------------------------------------

# Names whose mere use makes run() create a value (a session takes a lock
# and sets a cookie; a form reads the request body).
_LAZY_NAMES = frozenset(("session", "form"))
_LOADS = frozenset(("LOAD_NAME", "LOAD_GLOBAL", "LOAD_FROM_DICT_OR_GLOBALS"))


def _stamp(st):
    return (st.st_mtime_ns, st.st_size)


def _stamp_of(path):
    try:
        return _stamp(os.stat(path))
    except OSError:
        return None


class _Page:
    """A compiled page: its code, the lazy names it reads, where the
    generated lines that are not the page's own line come from
    ({line: (file index, line)}), and the stamps of the files it was
    made from (the page first, then its includes)."""

    __slots__ = ("code", "names", "files", "moved", "stamps", "hits",
                 "request_stamp")

    def __init__(self, code, files, moved, stamps):
        self.code = code
        self.names = _names_read(code)
        self.files = files
        self.moved = moved
        self.stamps = stamps
        self.hits = 0
        # req._file_stamp() of a request for the page that found it current
        self.request_stamp = None

    def current_for(self, stamp):
        """True when the page, with no includes, was found current for a
        request whose file had this req._file_stamp(): unchanged since."""
        return (stamp is not None and stamp == self.request_stamp
                and len(self.stamps) == 1)

    def current(self, st):
        """True while the page (stat `st`) and its includes are as they
        were when it was compiled."""
        if _stamp(st) != self.stamps[0][1]:
            return False
        return all(_stamp_of(path) == stamp for path, stamp in self.stamps[1:])

    def origin(self, lineno):
        """(file, line) of the page text behind generated line `lineno`."""
        index, line = self.moved.get(lineno, (0, lineno))
        return self.files[index], line


def _names_read(code):
    """The lazy names that the code, or code nested in it, reads as
    globals (attribute names such as req.form do not count)."""
    found, todo = set(), [code]
    while todo:
        current = todo.pop()
        found.update(ins.argval for ins in dis.get_instructions(current)
                     if ins.opname in _LOADS and ins.argval in _LAZY_NAMES)
        todo.extend(c for c in current.co_consts if isinstance(c, types.CodeType))
    return frozenset(found)


def _compile(generated, texts):
    """Compile generated code; a SyntaxError is reported against the page
    (or included file) line it comes from.  `texts` maps file names to
    their text, for the line shown in the error."""
    name = generated.files[0]
    try:
        return compile(generated.source, name, "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise _page_error(exc, generated, texts) from None


def _page_error(exc, generated, texts):
    filename, line = generated.origin(exc.lineno or 1)
    text = _line_of(texts.get(filename), filename, line)
    offset = None
    code_line = (exc.text or "").rstrip("\r\n")
    if text is not None and code_line.strip() and exc.offset:
        # code lines are copied as written, except for the tag before
        # the first one
        shift = text.find(code_line)
        if shift >= 0:
            offset = exc.offset + shift
    return type(exc)(exc.msg, (filename, line, offset, text))


def _line_of(text, filename, line):
    if text is None:
        try:
            with open(filename, "rb") as f:
                text = pspparser.decode(f.read())
        except (OSError, TypeError):
            return None
    lines = pspparser.split_lines(text)
    return lines[line - 1] if 0 < line <= len(lines) else None


def _compile_file(path, include_dir):
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        text = pspparser.decode(f.read())
    generated = pspparser.generate(text, path, include_dir)
    code = _compile(generated, {path: text})
    stamps = [(path, _stamp(st))]
    stamps += [(dep, _stamp(dep_st)) for dep, dep_st in generated.deps]
    return _Page(code, generated.files, _moved(generated), stamps)


def _compile_string(text):
    if isinstance(text, (bytes, bytearray)):
        text = pspparser.decode(bytes(text))
    generated = pspparser.generate(text)
    code = _compile(generated, {generated.files[0]: text})
    return _Page(code, generated.files, _moved(generated), [(None, None)])


def _moved(generated):
    """The line map, without the lines that are where they should be
    (usually all but a few)."""
    return {n: where for n, where in enumerate(generated.lines, 1)
            if where != (0, n)}


class _MemoryCache:
    """Compiled pages of this interpreter.  Beyond `size` entries the
    least used ones go, down to three quarters of it; the page just put is
    kept (it has had no chance to be used yet)."""

    def __init__(self, size=512):
        self.size = size
        self.pages = {}
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            page = lookup(self.pages, key)
            if page is not None:
                page.hits += 1
            return page

    def put(self, key, page):
        with self.lock:
            self.pages[key] = page
            if len(self.pages) > self.size:
                others = sorted((kv for kv in self.pages.items() if kv[0] != key),
                                key=lambda kv: kv[1].hits, reverse=True)
                self.pages = dict(others[:self.size * 3 // 4 - 1])
                self.pages[key] = page

    def clear(self):
        with self.lock:
            self.pages.clear()


_memory = _MemoryCache()


def _load_file(req, path):
    """The compiled page at `path` (404 if there is no such file)."""
    # Apache's stat of req.filename, made for this request, spares ours.
    request_stamp = req._file_stamp() if path == req.filename else None
    page = _memory.get(path)
    if page is not None and page.current_for(request_stamp):
        return page
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        raise apache.SERVER_RETURN(apache.HTTP_NOT_FOUND)
    if not stat.S_ISREG(st.st_mode):
        raise apache.SERVER_RETURN(apache.HTTP_NOT_FOUND)
    if page is not None and page.current(st):
        # made before our stat: a change in between shows next time
        page.request_stamp = request_stamp
        return page
    dbm_file = _dbm_filename(req)
    page = _dbm_get(req, dbm_file, path, st) if dbm_file else None
    if page is None:
        page = _compile_file(path, os.path.dirname(path) + os.sep)
        if dbm_file:
            _dbm_put(req, dbm_file, path, page)
    _memory.put(path, page)
    return page


def _load_string(text):
    key = ("string", bytes(text) if isinstance(text, bytearray) else text)
    page = _memory.get(key)
    if page is None:
        page = _compile_string(text)
        _memory.put(key, page)
    return page


# ---------------------------------------------------------------------------
# The dbm cache: compiled code shared by processes and kept across restarts
# ---------------------------------------------------------------------------

# Marshalled code only loads into the Python version that made it.
_MAGIC = importlib.util.MAGIC_NUMBER


def _dbm_filename(req):
    return options.text(req, *_DBM_OPTIONS)


def _dbm_access(req, dbm_file, action):
    """Run action(db) with the dbm file open, under global mutex 0 (the
    one reserved for dbm files); errors are logged and give None."""
    import dbm
    try:
        # re-entrant: the request may hold mutex 0 already (a DbmSession)
        with GlobalMutex(req, None, 0):
            _check_dbm_files(req, dbm_file)
            with dbm.open(dbm_file, "c", 0o640) as db:
                # again once open: a file planted between the check and
                # the open (in a sticky /tmp) must not be read
                _check_dbm_files(req, dbm_file)
                return action(db)
    except apache.SERVER_RETURN:
        raise
    except Exception as exc:
        req.log_error("mod_python.psp: cache database %s: %s"
                      % (dbm_file, exc), apache.APLOG_WARNING)
        return None


def _check_dbm_files(req, dbm_file):
    """Refuse the request rather than load code from a cache another local
    user could have written or could replace."""
    try:
        privatefiles.check_private_files(privatefiles.dbm_files(dbm_file),
                                         "PSP cache database")
    except privatefiles.UnsafePath as exc:
        req.log_error("mod_python.psp: %s" % exc, apache.APLOG_ERR)
        raise apache.SERVER_RETURN(apache.HTTP_INTERNAL_SERVER_ERROR)


def _dbm_get(req, dbm_file, path, st):
    raw = _dbm_access(req, dbm_file, lambda db: db.get(path.encode()))
    if raw is None:
        return None
    try:
        magic, stamps, files, moved, code = marshal.loads(raw)
    except Exception:
        return None     # written by another Python, or damaged: rebuild
    if magic != _MAGIC:
        return None
    page = _Page(code, files, moved, [tuple(s) for s in stamps])
    return page if page.current(st) else None


def _dbm_put(req, dbm_file, path, page):
    raw = marshal.dumps((_MAGIC, page.stamps, page.files, page.moved,
                         page.code))

    def store(db):
        db[path.encode()] = raw
    _dbm_access(req, dbm_file, store)


# ---------------------------------------------------------------------------
# Pages at run time
# ---------------------------------------------------------------------------

class PSP:
    """A page from a file (default: req.filename; relative names are
    relative to req.filename's directory) or from a string."""

    def __init__(self, req, filename=None, string=None, vars={}):
        if filename is not None and string is not None:
            raise ValueError("Must specify either filename or string")
        self.req = req
        self.vars = vars
        self.string = string
        if string is not None:
            self.filename = None
            self.page = _load_string(string)
            return
        if filename is None:
            filename = req.filename
        elif not os.path.isabs(filename):
            filename = os.path.join(os.path.dirname(req.filename), filename)
        self.filename = filename
        self.page = _load_file(req, filename)

    def __str__(self):
        self.req.content_type = "text/html"
        self.run()
        return ""

    def run(self, vars={}, flush=0):
        """Run the page with the page variables (req, psp, form, session,
        the constructor's vars, then `vars`)."""
        req = self.req
        names = self.page.names   # usually empty: no form, no session
        wanted = names.difference(self.vars, vars) if names else names
        # The body first: a slow client must not hold the session lock
        # (and with it every session sharing its mutex) while it uploads.
        form = util.request_form(req) if "form" in wanted else None
        made = None
        if "session" in wanted and getattr(req, "session", None) is None:
            from mod_python import Session
            req.session = made = Session.Session(req)
        try:
            self._execute(vars, flush, form)
        finally:
            if made is not None:
                made.unlock()
                if getattr(req, "session", None) is made:
                    _forget_session(req)

    def _execute(self, vars, flush, form):
        interface = PSPInterface(self.req, self.filename or self.req.filename)
        scope = self._scope(vars, interface, form)
        try:
            exec(self.page.code, scope)
            if flush:
                self.req.flush()
            _save_session(self.req)
        except apache.SERVER_RETURN:
            # e.g. psp.redirect() after a login: keep what the page stored
            _save_session(self.req)
            raise
        except Exception as exc:
            error_page = interface.error_page
            if error_page is None:
                self._annotate(exc)
                raise
            error_page.run({"exception": sys.exc_info()}, flush)

    def _scope(self, vars, interface, form):
        req = self.req
        scope = dict(_COMPAT_GLOBALS, req=req, __file__=req.filename,
                     psp=interface, session=getattr(req, "session", None),
                     form=form)
        if self.vars:
            scope.update(self.vars)
        if vars:
            scope.update(vars)
        return scope

    def _annotate(self, exc):
        """Add a note naming the page line behind each traceback line of
        this page that is not its own (includes, moved lines)."""
        code_file = self.page.code.co_filename
        tb = exc.__traceback__
        while tb is not None:
            lineno = tb.tb_lineno
            if tb.tb_frame.f_code.co_filename == code_file:
                origin = self.page.origin(lineno)
                if origin != (code_file, lineno) and hasattr(exc, "add_note"):
                    exc.add_note("(PSP: line %d of %s is line %d of %s)"
                                 % (lineno, code_file, origin[1], origin[0]))
            tb = tb.tb_next

    def display_code(self):
        """Write an HTML table: the page's lines next to the generated
        Python lines (which match line for line, as far as possible)."""
        if self.string is None:
            view = _code_view_of_file(self.req, self.filename)
        else:
            text = self.string
            if isinstance(text, (bytes, bytearray)):
                text = pspparser.decode(bytes(text))
            view = _code_view(text, pspparser.generate(text).source)
        self.req.write(view, 0)


def escape(s, quote=False):
    """Python 2's cgi.escape, which 3.5 pages had among their globals and
    used in <%= escape(x) %>: '&', '<' and '>' as entities, and '"' too
    when quote is true."""
    s = str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace('"', "&quot;") if quote else s


def _forget_session(req):
    try:
        del req.session
    except AttributeError:
        # httpd's request object refuses `del` (even of attributes set
        # from Python): None stands for "no session" here
        req.session = None


def _save_session(req):
    session = getattr(req, "session", None)
    if session is not None:
        session.save()


def _code_view_of_file(req, path):
    try:
        with open(path, "rb") as f:
            text = pspparser.decode(f.read())
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        raise apache.SERVER_RETURN(apache.HTTP_NOT_FOUND)
    generated = pspparser.generate(text, path, os.path.dirname(path) + os.sep)
    return _code_view(text, generated.source)


def _code_view(text, code):
    source_lines = pspparser.split_lines(text)
    code_lines = code.split("\n")
    if code_lines and code_lines[-1] == "":
        code_lines.pop()
    rows = ["<table border=\"1\" cellspacing=\"0\" cellpadding=\"2\">\n",
            "<tr><th>line</th><th>PSP source</th><th>Python code</th></tr>\n"]
    for n in range(max(len(source_lines), len(code_lines))):
        rows.append("<tr><td>%d</td><td><code>%s</code></td>"
                    "<td><code>%s</code></td></tr>\n"
                    % (n + 1, _cell(source_lines, n), _cell(code_lines, n)))
    rows.append("</table>\n")
    return "".join(rows)


def _cell(lines, n):
    line = lines[n] if n < len(lines) else ""
    return html.escape(line.expandtabs(), quote=False).replace(" ", "&nbsp;")


class PSPInterface:
    """The `psp` variable of a page."""

    def __init__(self, req, filename, error_page=None):
        self.req = req
        self.filename = filename
        self.error_page = error_page

    def set_error_page(self, filename):
        """Run `filename` (from the document root if it starts with '/',
        else from this page's directory) if this page raises."""
        if filename.startswith("/"):
            path = os.path.join(self.req.document_root(), filename.lstrip("/"))
        else:
            path = os.path.join(os.path.dirname(self.filename), filename)
        self.error_page = PSP(self.req, filename=path)

    def apply_data(self, object):
        """Call `object` with the form fields it takes (and req)."""
        return util.apply_fs_data(object, util.request_form(self.req), req=self.req)

    def redirect(self, location, permanent=0):
        """Redirect (before any output) and end the request."""
        util.redirect(self.req, location, permanent)


# Names 3.5 pages found in their globals (3.5 ran them with a copy of its
# psp module's namespace), besides req, psp, form and session.
_COMPAT_GLOBALS = {"__name__": "__psp__", "apache": apache, "util": util,
                   "os": os, "sys": sys, "marshal": marshal,
                   "tempfile": tempfile, "_apache": apache._apache,
                   "escape": escape, "PSP": PSP,
                   "PSPInterface": PSPInterface}

"""mod_python.apache: the core Python API and the request dispatcher.

Only importable inside httpd: the C module provides the built-in ``_apache``
module this one builds on.  The C side calls ``init()`` once per
interpreter and then the methods of the returned ``CallBack`` object; see
docs/internals.md for that boundary.

The module importer (mod_python.importer) and the CGI emulation
(mod_python.cgi_emulation) live in modules of their own; their public
names are re-exported here, where mod_python 3.5 had them.
"""

import html
import os  # noqa: F401  (PythonPath expressions, eval'd here, may use it)
import sys
import threading
import traceback

import _apache
from mod_python import options
from mod_python.importer import import_module, module_mtime  # noqa: F401
from mod_python.lookup import lookup
from mod_python.cgi_emulation import (  # noqa: F401
    build_cgi_env, NullIO, CGIStdout, CGIStdin, setup_cgi, restore_nocgi)
from _apache import (SERVER_RETURN, config_tree, exists_config_define,
                     log_error, mpm_query, server_root, stat, table)
from _apache import MODULE_MAGIC_NUMBER_MAJOR, MODULE_MAGIC_NUMBER_MINOR
from _apache import (_global_lock, _global_trylock, _global_unlock,  # noqa: F401
                     _global_lock_index)

# Set by init() when the C module creates this interpreter.
interpreter = None
main_server = None

make_table = table  # obsolete alias kept for old code


# ---------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------

# Handler return codes, with the legacy names.
OK = REQ_PROCEED = 0
DECLINED = REQ_NOACTION = -1
DONE = -2
REQ_ABORTED = 500
REQ_EXIT = "REQ_EXIT"

HTTP_CONTINUE = 100
HTTP_SWITCHING_PROTOCOLS = 101
HTTP_PROCESSING = 102
HTTP_OK = 200
HTTP_CREATED = 201
HTTP_ACCEPTED = 202
HTTP_NON_AUTHORITATIVE = 203
HTTP_NO_CONTENT = 204
HTTP_RESET_CONTENT = 205
HTTP_PARTIAL_CONTENT = 206
HTTP_MULTI_STATUS = 207
HTTP_MULTIPLE_CHOICES = 300
HTTP_MOVED_PERMANENTLY = 301
HTTP_MOVED_TEMPORARILY = 302
HTTP_SEE_OTHER = 303
HTTP_NOT_MODIFIED = 304
HTTP_USE_PROXY = 305
HTTP_TEMPORARY_REDIRECT = 307
HTTP_BAD_REQUEST = 400
HTTP_UNAUTHORIZED = 401
HTTP_PAYMENT_REQUIRED = 402
HTTP_FORBIDDEN = 403
HTTP_NOT_FOUND = 404
HTTP_METHOD_NOT_ALLOWED = 405
HTTP_NOT_ACCEPTABLE = 406
HTTP_PROXY_AUTHENTICATION_REQUIRED = 407
HTTP_REQUEST_TIME_OUT = 408
HTTP_CONFLICT = 409
HTTP_GONE = 410
HTTP_LENGTH_REQUIRED = 411
HTTP_PRECONDITION_FAILED = 412
HTTP_REQUEST_ENTITY_TOO_LARGE = 413
HTTP_REQUEST_URI_TOO_LARGE = 414
HTTP_UNSUPPORTED_MEDIA_TYPE = 415
HTTP_RANGE_NOT_SATISFIABLE = 416
HTTP_EXPECTATION_FAILED = 417
HTTP_IM_A_TEAPOT = 418
HTTP_UNPROCESSABLE_ENTITY = 422
HTTP_LOCKED = 423
HTTP_FAILED_DEPENDENCY = 424
HTTP_UPGRADE_REQUIRED = 426
HTTP_INTERNAL_SERVER_ERROR = 500
HTTP_NOT_IMPLEMENTED = 501
HTTP_BAD_GATEWAY = 502
HTTP_SERVICE_UNAVAILABLE = 503
HTTP_GATEWAY_TIME_OUT = 504
HTTP_VERSION_NOT_SUPPORTED = 505
HTTP_VARIANT_ALSO_VARIES = 506
HTTP_INSUFFICIENT_STORAGE = 507
HTTP_NOT_EXTENDED = 510

# Log levels (syslog values).  Level 0 means "not given" to every
# log_error, so EMERG ends up logged at ERR.
APLOG_EMERG = 0
APLOG_ALERT = 1
APLOG_CRIT = 2
APLOG_ERR = 3
APLOG_WARNING = 4
APLOG_NOTICE = 5
APLOG_INFO = 6
APLOG_DEBUG = 7
APLOG_NOERRNO = 0  # deprecated, meaningless

# req.get_remote_host() lookup types
REMOTE_HOST = 0
REMOTE_NAME = 1
REMOTE_NOLOOKUP = 2
REMOTE_DOUBLE_REV = 3

# Indices into the legacy finfo tuple
FINFO_MODE = 0
FINFO_INO = 1
FINFO_DEV = 2
FINFO_NLINK = 3
FINFO_UID = 4
FINFO_GID = 5
FINFO_SIZE = 6
FINFO_ATIME = 7
FINFO_MTIME = 8
FINFO_CTIME = 9
FINFO_FNAME = 10
FINFO_NAME = 11
FINFO_FILETYPE = 12

# Indices into req.parsed_uri
URI_SCHEME = 0
URI_HOSTINFO = 1
URI_USER = 2
URI_PASSWORD = 3
URI_HOSTNAME = 4
URI_PORT = 5
URI_PATH = 6
URI_QUERY = 7
URI_FRAGMENT = 8

# req.proxyreq
PROXYREQ_NONE = 0
PROXYREQ_PROXY = 1
PROXYREQ_REVERSE = 2
PROXYREQ_RESPONSE = 3

# Method numbers (req.method_number)
M_GET = 0
M_PUT = 1
M_POST = 2
M_DELETE = 3
M_CONNECT = 4
M_OPTIONS = 5
M_TRACE = 6
M_PATCH = 7
M_PROPFIND = 8
M_PROPPATCH = 9
M_MKCOL = 10
M_COPY = 11
M_MOVE = 12
M_LOCK = 13
M_UNLOCK = 14
M_VERSION_CONTROL = 15
M_CHECKOUT = 16
M_UNCHECKOUT = 17
M_CHECKIN = 18
M_UPDATE = 19
M_LABEL = 20
M_REPORT = 21
M_MKWORKSPACE = 22
M_MKACTIVITY = 23
M_BASELINE_CONTROL = 24
M_MERGE = 25
M_INVALID = 26

# req.used_path_info
AP_REQ_ACCEPT_PATH_INFO = 0
AP_REQ_REJECT_PATH_INFO = 1
AP_REQ_DEFAULT_PATH_INFO = 2

# mpm_query() results and codes
AP_MPMQ_NOT_SUPPORTED = 0
AP_MPMQ_STATIC = 1
AP_MPMQ_DYNAMIC = 2

AP_MPMQ_MAX_DAEMON_USED = 1
AP_MPMQ_IS_THREADED = 2
AP_MPMQ_IS_FORKED = 3
AP_MPMQ_HARD_LIMIT_DAEMONS = 4
AP_MPMQ_HARD_LIMIT_THREADS = 5
AP_MPMQ_MAX_THREADS = 6
AP_MPMQ_MIN_SPARE_DAEMONS = 7
AP_MPMQ_MIN_SPARE_THREADS = 8
AP_MPMQ_MAX_SPARE_DAEMONS = 9
AP_MPMQ_MAX_SPARE_THREADS = 10
AP_MPMQ_MAX_REQUESTS_DAEMON = 11
AP_MPMQ_MAX_DAEMONS = 12

# Magic MIME types
CGI_MAGIC_TYPE = "application/x-httpd-cgi"
INCLUDES_MAGIC_TYPE = "text/x-server-parsed-html"
INCLUDES_MAGIC_TYPE3 = "text/x-server-parsed-html3"
DIR_MAGIC_TYPE = "httpd/unix-directory"

# req.read_body
REQUEST_NO_BODY = 0
REQUEST_CHUNKED_ERROR = 1
REQUEST_CHUNKED_DECHUNK = 2

# stat() `wanted` bits
APR_FINFO_LINK = 0x00000001
APR_FINFO_MTIME = 0x00000010
APR_FINFO_CTIME = 0x00000020
APR_FINFO_ATIME = 0x00000040
APR_FINFO_SIZE = 0x00000100
APR_FINFO_CSIZE = 0x00000200
APR_FINFO_DEV = 0x00001000
APR_FINFO_INODE = 0x00002000
APR_FINFO_NLINK = 0x00004000
APR_FINFO_TYPE = 0x00008000
APR_FINFO_USER = 0x00010000
APR_FINFO_GROUP = 0x00020000
APR_FINFO_UPROT = 0x00100000
APR_FINFO_GPROT = 0x00200000
APR_FINFO_WPROT = 0x00400000
APR_FINFO_ICASE = 0x01000000
APR_FINFO_NAME = 0x02000000
APR_FINFO_MIN = 0x00008170
APR_FINFO_IDENT = 0x00003000
APR_FINFO_OWNER = 0x00030000
APR_FINFO_PROT = 0x00700000
APR_FINFO_NORM = 0x0073b170
APR_FINFO_DIRENT = 0x02000000

# Connection keep-alive states and APR file types are Apache's and APR's
# own values, so they come from the C module.
from _apache import (AP_CONN_UNKNOWN, AP_CONN_CLOSE, AP_CONN_KEEPALIVE,  # noqa: E402
                     APR_NOFILE, APR_REG, APR_DIR, APR_CHR, APR_BLK, APR_PIPE,
                     APR_LNK, APR_SOCK, APR_UNKFILE)


# ---------------------------------------------------------------------------
# Finding a handler: module::object
# ---------------------------------------------------------------------------

_MISSING = object()


def resolve_object(module, obj_str, arg=None, silent=0):
    """Resolve the dotted `obj_str` inside `module`.  Whenever an attribute
    is fetched from a class, the class is first instantiated with `arg`.
    With `silent`, a missing name gives None instead of AttributeError."""
    obj = module
    for depth, name in enumerate(obj_str.split(".")):
        if isinstance(obj, type):
            obj = obj(arg)
        found = getattr(obj, name, _MISSING)
        if found is _MISSING:
            if silent:
                return None
            if depth == 0:
                where = getattr(module, "__file__", None) or module.__name__
                raise AttributeError("module '%s' contains no '%s'"
                                     % (where, name))
            found = getattr(obj, name)  # raises the natural AttributeError
        obj = found
    return obj


# ---------------------------------------------------------------------------
# Dispatching
# ---------------------------------------------------------------------------

# Per phase: the return values after which the next handler still runs.
_CONTINUE_ON = {
    "PythonPostReadRequestHandler": (OK, DECLINED),
    "PythonTransHandler": (DECLINED,),
    "PythonHeaderParserHandler": (OK, DECLINED),
    "PythonInitHandler": (OK, DECLINED),
    "PythonAccessHandler": (OK, DECLINED),
    "PythonAuthenHandler": (DECLINED,),
    "PythonAuthzHandler": (DECLINED,),
    "PythonTypeHandler": (DECLINED,),
    "PythonFixupHandler": (OK, DECLINED),
    "PythonHandler": (OK,),
    "PythonLogHandler": (OK, DECLINED),
    "PythonCleanupHandler": (OK,),
}

_SKIPPED = object()  # a silent handler without the phase's callable

# PythonPath expressions already applied in this interpreter; changes to
# sys.path are made one thread at a time (one would undo another's).
_applied_paths = set()
_path_lock = threading.Lock()


def _rules_for(phase):
    """(default object name, continue-on set) of a phase."""
    default = phase.lower()
    if default.startswith("python"):
        default = default[len("python"):]
    return default, frozenset(lookup(_CONTINUE_ON, phase, (OK,)))


# Made once, keyed by the names above (interned): every thread reads it.
_phase_rules = {phase: _rules_for(phase) for phase in _CONTINUE_ON}


def _apply_python_path(expr, directory, is_location):
    """PythonPath replaces sys.path (each expression evaluated once per
    interpreter); without it the handler's directory is put first."""
    if expr:
        if expr not in _applied_paths:
            with _path_lock:
                if expr not in _applied_paths:
                    sys.path[:] = eval(expr, globals())
                    _applied_paths.add(expr)
    elif directory and not is_location and directory not in sys.path:
        with _path_lock:
            if directory not in sys.path:
                sys.path.insert(0, directory)


def _call(obj, arg, use_pdb):
    if use_pdb:
        import pdb
        return pdb.runcall(obj, arg)
    return obj(arg)


def _server_return_value(exc, req=None):
    """The value carried by SERVER_RETURN; a second argument, if truthy,
    becomes req.status.  A single (value, status) tuple is accepted too."""
    args = exc.args
    if len(args) == 1 and isinstance(args[0], tuple) and len(args[0]) == 2:
        args = args[0]
    if not args:
        raise TypeError("SERVER_RETURN raised without a return value")
    if len(args) > 1 and args[1] and req is not None:
        req.status = args[1]
    return args[0]


def _checked_status(result, handler):
    if isinstance(result, int) and not isinstance(result, bool):
        return int(result)
    raise TypeError("handler %r returned %r; an int status is required"
                    % (handler, result))


def _server_settings(config):
    """What req._dispatch_settings() gives, for a server's get_config():
    (PythonPath, autoreload, debug, pdb)."""
    return (config.get("PythonPath"), options.autoreload_in(config),
            options.debug_in(config),
            config.get("PythonEnablePdb") == "1" and exists_config_define("ONE_PROCESS"))


# (module name, object name) -> (module, callable): what a handler resolved
# to, reused while import_module() gives that module and the name in it
# still holds that callable.  Dotted names are resolved each time (a class
# on the way is instantiated per request).
_resolved = {}


def _load_callable(handler, default_obj, arg, directory, is_location,
                   settings, silent=0):
    """Import the handler's module (after path set-up) and resolve its
    callable; None when `silent` and the callable does not exist."""
    python_path, autoreload, debug, _ = settings
    module_name, _, obj_str = handler.partition("::")
    _apply_python_path(python_path, directory, is_location)
    module = import_module(module_name, autoreload=autoreload, log=debug)
    name = obj_str or default_obj
    known = lookup(_resolved, (module_name, name))
    if (known is not None and known[0] is module
            and module.__dict__.get(name) is known[1]):
        return known[1]
    obj = resolve_object(module, name, arg=arg, silent=silent)
    if obj is None and silent:
        return None
    if not callable(obj):
        raise TypeError("handler %r resolved to %r, which is not callable"
                        % (handler, obj))
    if "." not in name and module.__dict__.get(name) is obj:
        _resolved[(module_name, name)] = (module, obj)
    return obj


def _run_handler(req, hlist, handler, default_obj, settings):
    """Run one request handler; its int status, or _SKIPPED."""
    try:
        obj = _load_callable(handler, default_obj, req, hlist.directory,
                             hlist.is_location, settings, hlist.silent)
        if obj is None:
            return _SKIPPED
        result = _call(obj, req, settings[3])
    except SERVER_RETURN as exc:
        result = _server_return_value(exc, req)
    return _checked_status(result, handler)


def _traceback_lines():
    etype, value, tb = sys.exc_info()
    text = "".join(traceback.format_exception(etype, value, tb))
    return text, text.splitlines()


def _log_failure(prefix, server):
    """Log the current exception, one line at a time; returns the text."""
    text, lines = _traceback_lines()
    for line in lines:
        log_error("%s: %s" % (prefix, line), APLOG_ERR, server)
    return text


def _error_page(prefix, text):
    return '<pre>\nMod_python error: "%s"\n\n%s</pre>' % (
        html.escape(prefix, quote=False), html.escape(text, quote=False))


def _client_gone(exc):
    """True for the OSError req.write/flush raise when the client left:
    writing an error page to it would only fail again."""
    return isinstance(exc, OSError) and "client closed connection" in str(exc)


def _report_handler_error(req, phase, handler, debug):
    """Log the exception being handled; show it to the client when
    PythonDebug is On.  Returns the phase status."""
    prefix = "%s %s" % (phase, handler)
    if _client_gone(sys.exc_info()[1]):
        # Nothing went wrong on our side: no traceback, and the access log
        # keeps the status that was sent (a 500 now would replace it).
        req.log_error("%s: the client closed the connection before the "
                      "response to %s was complete" % (prefix, req.uri),
                      APLOG_INFO)
        return OK
    text = _log_failure(prefix, req.server)
    if not debug or phase == "PythonCleanupHandler":
        return HTTP_INTERNAL_SERVER_ERROR
    try:
        req.status = HTTP_INTERNAL_SERVER_ERROR
        req.content_type = "text/html"
        req.write(_error_page(prefix, text))
    except Exception:
        _log_failure("%s (while sending the error page)" % prefix, req.server)
        return HTTP_INTERNAL_SERVER_ERROR
    return DONE


class CallBack:
    """The object the C module calls into, one per interpreter."""

    def HandlerDispatch(self, req):
        """Run the handler list of the current phase; return its status."""
        phase = req.phase
        default_obj, continue_on = lookup(_phase_rules, phase) or _rules_for(phase)
        settings = req._dispatch_settings()
        hlist = req.hlist
        status = DECLINED
        handler = hlist.handler
        while handler is not None:
            try:
                result = _run_handler(req, hlist, handler, default_obj,
                                      settings)
            except BaseException:
                return _report_handler_error(req, phase, handler,
                                             settings[2])
            if result is not _SKIPPED:
                status = result
                if status not in continue_on:
                    break
            hlist.next()
            handler = hlist.handler
        return status

    def ImportDispatch(self, spec):
        """PythonImport ``module[::callable]``: import at child start-up
        using the main server's configuration, then call the callable."""
        module_name, _, func = spec.partition("::")
        python_path, _, debug, _ = _server_settings(main_server.get_config())
        try:
            _apply_python_path(python_path, None, 1)
            module = import_module(module_name, log=debug)
            if func:
                obj = module
                for name in func.split("."):
                    obj = getattr(obj, name)
                obj()
        except BaseException:
            log_error("directive_PythonImport: error importing %s"
                      % module_name, APLOG_ERR, main_server)
            _log_failure("directive_PythonImport %s" % spec, main_server)

    def FilterDispatch(self, filter):
        """Run a PythonInputFilter/PythonOutputFilter callable once.  On
        error the filter goes pass-through; the traceback is logged and,
        with PythonDebug On, written into the filter output."""
        req = filter.req
        settings = req._dispatch_settings()
        handler = filter.handler
        default_obj = "inputfilter" if filter.is_input else "outputfilter"
        try:
            try:
                obj = _load_callable(handler, default_obj, filter, filter.dir,
                                     0, settings)
                _call(obj, filter, settings[3])
            except SERVER_RETURN as exc:
                value = _server_return_value(exc)
                if not isinstance(value, int):
                    log_error("%s %s: SERVER_RETURN value %r is not an int"
                              % (filter.name, handler, value),
                              APLOG_ERR, req.server)
            if not filter.closed:
                filter.flush()
        except BaseException:
            self._filter_failed(filter, "%s %s" % (filter.name, handler),
                                settings[2])
        return OK

    def ConnectionDispatch(self, conn):
        """Run the PythonConnectionHandler; errors are only logged."""
        hlist = conn.hlist
        handler = hlist.handler
        settings = _server_settings(conn.base_server.get_config())
        try:
            try:
                obj = _load_callable(handler, "connectionhandler", conn,
                                     hlist.directory, hlist.is_location,
                                     settings)
                result = _call(obj, conn, settings[3])
            except SERVER_RETURN as exc:
                result = _server_return_value(exc)
            return _checked_status(result, handler)
        except BaseException:
            _log_failure("PythonConnectionHandler %s" % handler,
                         conn.base_server)
            return HTTP_INTERNAL_SERVER_ERROR

    def IncludeDispatch(self, filter, tag, code):
        """Run the code of an SSI ``<!--#python exec|eval="..." -->``
        element; returns OK, or HTTP_INTERNAL_SERVER_ERROR after reporting
        the error (mod_include then inserts its error message)."""
        req = filter.req
        code = code.replace("\r\n", "\n").rstrip()
        namespace = getattr(req, "ssi_globals", None)
        if not isinstance(namespace, dict):
            namespace = req.ssi_globals = {}
        namespace["filter"] = filter
        namespace["__file__"] = req.filename
        # Named apart from the page, whose own lines are not the code's.
        where = "<#python %s in %s>" % (tag, req.filename)
        try:
            if tag == "eval":
                value = eval(compile(code, where, "eval"), namespace)
                if value is not None:
                    filter.write(str(value))
            else:
                exec(compile(code, where, "exec"), namespace)
            filter.flush()
        except BaseException:
            self._filter_failed(filter, "%s %s" % (filter.name, req.filename),
                                options.debug(req))
            return HTTP_INTERNAL_SERVER_ERROR
        namespace["filter"] = None
        return OK

    @staticmethod
    def _filter_failed(filter, prefix, debug):
        text = _log_failure(prefix, filter.req.server)
        try:
            if debug and not filter.closed:    # nothing may follow close()
                filter.write(_error_page(prefix, text))
                filter.flush()
        except Exception:
            _log_failure("%s (while sending the error page)" % prefix,
                         filter.req.server)
        filter.disable()


# ---------------------------------------------------------------------------
# Interpreter-level functions
# ---------------------------------------------------------------------------

def register_cleanup(callable, data=None):
    """Run ``callable(data)`` when this child process shuts down."""
    if not hasattr(callable, "__call__"):
        raise ValueError("first argument must be a callable object")
    _apache.register_cleanup(interpreter, main_server, callable, data)


def init(name, server):
    """Called by the C module once per interpreter; returns its CallBack."""
    global interpreter, main_server
    interpreter = name
    main_server = server
    sys.argv = ["mod_python"]
    if getattr(_apache, "_own_gil", 0):
        from mod_python import own_gil
        own_gil.report_refused_extensions(
            name, lambda message: log_error(message, APLOG_ERR, server))
    return CallBack()

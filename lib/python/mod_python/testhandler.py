"""mod_python.testhandler: a diagnostic page about the server, the
request and the embedded Python.

    <Location /mpinfo>
        SetHandler mod_python
        PythonHandler mod_python.testhandler
        Require ip 127.0.0.1
    </Location>

The page shows the server's configuration and, with ?view_log=1, the end
of its error log: never leave it reachable from the outside.
"""

import html
import os
import sys

from mod_python import apache, util, version

LOG_LINES = 100


def handler(req):
    """A page about this request, interpreter and server (or the end of
    the error log, with ?view_log=1)."""
    if util.request_form(req).getfirst("view_log"):
        return _show_error_log(req)
    req.add_common_vars()
    req.content_type = "text/html; charset=utf-8"
    req.write(_page(req))
    return apache.OK


# ------------------------------------------------------------- the error log

def _error_log_path(req):
    return os.path.join(apache.server_root(), req.server.error_fname or "")


def _tail(path, lines):
    """The last `lines` lines of a file, read from its end."""
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        end = f.tell()
        block, data = 8192, b""
        while end > 0 and data.count(b"\n") <= lines:
            start = max(0, end - block)
            f.seek(start)
            data = f.read(end - start) + data
            end = start
    return b"\n".join(data.splitlines()[-lines:]) + b"\n"


def _show_error_log(req):
    req.content_type = "text/plain; charset=utf-8"
    path = _error_log_path(req)
    if not os.path.isfile(path):
        req.write("The error log %s is not a file this page can read.\n" % path)
        return apache.OK
    try:
        req.write(_tail(path, LOG_LINES))
    except OSError as exc:
        req.write("Cannot read %s: %s\n" % (path, exc.strerror))
    return apache.OK


# ------------------------------------------------------------------ the page

def _importable(name):
    try:
        __import__(name)
        return "yes"
    except Exception as exc:        # any failure is worth showing here
        return "no (%s: %s)" % (type(exc).__name__, exc)


def _mpm_line(query, limit):
    if not apache.mpm_query(query):
        return "no"
    return "yes, at most %d" % apache.mpm_query(limit)


class _Html(str):
    """A table value that is already HTML."""


def _general(req):
    env = req.subprocess_env
    log = _Html('%s (<a href="?view_log=1">last %d lines</a>)'
                % (html.escape(_error_log_path(req)), LOG_LINES))
    return [
        ("Apache version", env.get("SERVER_SOFTWARE", "")),
        ("Threaded MPM (threads)", _mpm_line(apache.AP_MPMQ_IS_THREADED,
                                             apache.AP_MPMQ_MAX_THREADS)),
        ("Forked MPM (processes)", _mpm_line(apache.AP_MPMQ_IS_FORKED,
                                             apache.AP_MPMQ_MAX_DAEMONS)),
        ("Server root", apache.server_root()),
        ("Document root", req.document_root()),
        ("Error log", log),
        ("Python version", sys.version),
        ("Python path", "\n".join(sys.path)),
        ("Python interpreter name", req.interpreter),
        ("mod_python.publisher available", _importable("mod_python.publisher")),
        ("mod_python.psp available", _importable("mod_python.psp")),
    ]


def _table(title, rows):
    out = ['<h2>%s</h2>' % html.escape(title), "<table>"]
    for key, value in rows:
        shown = value if isinstance(value, _Html) else html.escape(str(value))
        out.append("<tr><th>%s</th><td><pre>%s</pre></td></tr>"
                   % (html.escape(str(key)), shown))
    out.append("</table>")
    return "\n".join(out)


def _rows(mapping):
    return sorted(mapping.items(), key=lambda item: str(item[0]).lower())


def _config_tree_text(tree, depth=0):
    """apache.config_tree() as indented configuration text."""
    lines = []
    for item in tree:
        if isinstance(item, list):
            lines.append(_config_tree_text(item, depth + 1))
        else:
            lines.append("%s%s %s" % ("  " * depth, item[0], item[1]))
    return "\n".join(line for line in lines if line)


def _page(req):
    sections = [
        _table("General information", _general(req)),
        _table("Request input headers", _rows(req.headers_in)),
        _table("Request environment", _rows(req.subprocess_env)),
        _table("Request configuration", _rows(req.get_config())),
        _table("Request options", _rows(req.get_options())),
        _table("Request notes", _rows(req.notes)),
        _table("Server configuration", _rows(req.server.get_config())),
        _table("Server options", _rows(req.server.get_options())),
        "<h2>Server configuration tree</h2>\n<pre>%s</pre>"
        % html.escape(_config_tree_text(apache.config_tree())),
    ]
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            "<title>mod_python test page</title>\n<style>"
            "th{text-align:left;vertical-align:top;padding-right:1em}"
            "pre{margin:0;white-space:pre-wrap}</style></head>\n<body>\n"
            "<h1>mod_python %s</h1>\n%s\n</body></html>\n"
            % (html.escape(version.version), "\n".join(sections)))

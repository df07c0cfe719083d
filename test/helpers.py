"""Shared helpers for the Apache-level tests.

A Site collects handler modules and configuration so that many behaviour
items can share one running server: each handler module `<name>.py` lives in
the DocumentRoot and gets its own `<Files "<name>.py">` section inside
`<Directory @DOCROOT@>` (module names are global per interpreter, so every
test uses a unique module name).
"""

import textwrap

# Prepended to every handler module written through a Site.
PRELUDE = '''\
from mod_python import apache
import json, os, sys, time


def reply(req, obj):
    """Write obj as JSON (non-JSON values as their repr) and return OK."""
    req.write(json.dumps(obj, default=repr))
    return apache.OK


def capture(fn):
    """Call fn(); on an exception return 'EXC:<type>:<message>'."""
    try:
        return fn()
    except Exception as e:
        return "EXC:%s:%s" % (type(e).__name__, e)

'''


def code(text, prelude=True):
    text = textwrap.dedent(text).lstrip("\n")
    return (PRELUDE + text) if prelude else text


class Site:
    def __init__(self, dir_directives="SetHandler mod_python\nPythonDebug On"):
        self.files = {}
        self.sections = []      # inside <Directory @DOCROOT@>
        self.server_conf = []   # server level, after the docroot Directory
        self.dir_directives = dir_directives

    def handler(self, name, text, directives="", handler=None, prelude=True,
                pattern=None):
        """DOCROOT/<name>.py served by `PythonHandler <handler or name>` for
        requests whose file name matches `pattern` (default "<name>.py")."""
        self.files["%s.py" % name] = code(text, prelude)
        self.files_section(pattern or "%s.py" % name,
                           "PythonHandler %s\n%s" % (handler or name, directives))

    def files_section(self, pattern, directives):
        self.sections.append('<Files "%s">\n%s\n</Files>' % (pattern, directives.strip()))

    def module(self, rel, text, prelude=True):
        """Any Python file (relative to the docroot, or '@ROOT@/...')."""
        self.files[rel] = code(text, prelude)

    def file(self, rel, text):
        self.files[rel] = text if isinstance(text, bytes) else textwrap.dedent(text)

    def config(self, text):
        self.server_conf.append(textwrap.dedent(text))

    def render(self):
        return "<Directory @DOCROOT@>\n%s\n%s\n</Directory>\n%s\n" % (
            self.dir_directives, "\n".join(self.sections), "\n".join(self.server_conf))

    def start(self, factory, **kw):
        config = self.render() + kw.pop("config", "")
        files = dict(self.files)
        files.update(kw.pop("files", {}))
        return factory(config=config, files=files, **kw)

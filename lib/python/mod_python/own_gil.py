"""Imports in an interpreter with a GIL of its own (PythonInterpreterGIL
own, Python 3.12+).

There, CPython refuses an extension module that has not declared that it
supports such interpreters ("module X does not support loading in
subinterpreters").  The refusal is an ImportError like any other, which
application code may catch and hide; report_refused_extensions() makes
each one also write a line to the error log that names the module, the
interpreter and what to do about it.
"""

import sys
from importlib.machinery import BuiltinImporter, ExtensionFileLoader

_REFUSAL = "does not support loading in subinterpreters"


def report_refused_extensions(interpreter, log):
    """Put the reporting finder first on sys.meta_path; log(message) is
    called once per refused import."""
    if not any(isinstance(f, _ReportingFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _ReportingFinder(interpreter, log))


def refusal_message(module, interpreter):
    return ("mod_python: extension module %s cannot be imported in interpreter "
            "'%s', which has a GIL of its own (PythonInterpreterGIL own): the "
            "module does not support that.  Use PythonInterpreterGIL shared "
            "for this interpreter, or run the code that imports it in the main "
            "interpreter (PythonInterpreter main_interpreter)"
            % (module, interpreter))


class _ReportingFinder:
    """Asks the finders after it; a spec for an extension module gets a
    loader that reports a refusal, then steps aside."""

    def __init__(self, interpreter, log):
        self._interpreter = interpreter
        self._log = log

    def find_spec(self, name, path=None, target=None):
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if isinstance(loader, ExtensionFileLoader) or loader is BuiltinImporter:
            spec.loader = _ReportingLoader(loader, self)
        return spec

    def refused(self, module):
        self._log(refusal_message(module, self._interpreter))


class _ReportingLoader:
    """Stands in for an extension module's loader until create_module(),
    which puts the real loader back first, so that the module, its
    __loader__ and exec_module() are the real loader's.  Anything else
    (a spec from importlib.util.find_spec) goes to the real loader."""

    def __init__(self, loader, finder):
        self._loader = loader
        self._finder = finder

    def create_module(self, spec):
        spec.loader = self._loader
        try:
            return self._loader.create_module(spec)
        except ImportError as exc:
            if _REFUSAL in str(exc):
                self._finder.refused(spec.name)
            raise

    def __getattr__(self, name):
        return getattr(self._loader, name)

"""mod_python: embeds Python in Apache httpd.

The package is importable outside httpd (for ``mod_python.version`` and
``mod_python.httpdconf``); ``mod_python.apache`` only exists inside httpd,
where the C module provides the built-in ``_apache`` module.
"""

__all__ = ["apache", "cgihandler", "psp", "publisher", "util", "python22",
           "version"]


def _version_from_source_tree():
    """Version from the VERSION file of a source checkout (no build yet)."""
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    for up in (3, 2):
        candidate = os.path.join(here, *([os.pardir] * up + ["VERSION"]))
        try:
            with open(candidate) as f:
                return f.readline().strip()
        except OSError:
            continue
    return "unknown"


try:
    from .version import version as mp_version
except ImportError:
    mp_version = _version_from_source_tree()

try:
    from . import apache
except ImportError:
    # Outside httpd there is no _apache module; that is expected.
    pass

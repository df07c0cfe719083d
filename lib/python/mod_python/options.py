"""Reading mod_python's settings: PythonDebug, PythonAutoReload and the
values of PythonOption.

Every library module reads its options through here, so that one word means
the same everywhere and a word that means nothing gets one rule: a warning
in the error log naming the option, then the documented default.

A key may be given with older names after it (``text(req, "new", "old")``):
the first one set to a non-empty value wins.
"""

import re

TRUE_WORDS = ("on", "yes", "true", "1")
FALSE_WORDS = ("off", "no", "false", "0")

_SIZE = re.compile(r"^\s*(\d+)\s*([kmg]?)i?b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}

# apache.APLOG_WARNING, not imported: Cookie uses this module and stays
# importable outside Apache.
_APLOG_WARNING = 4


# ---------------------------------------------------------------------------
# The two directives every handler module consults

def debug(holder):
    """True when PythonDebug is On for `holder` (a request or a server)."""
    return debug_in(holder.get_config())


def autoreload(holder):
    """True unless PythonAutoReload is Off for `holder`."""
    return autoreload_in(holder.get_config())


def debug_in(config):
    """debug() for a get_config() table already at hand."""
    return config.get("PythonDebug") == "1"


def autoreload_in(config):
    """autoreload() for a get_config() table already at hand."""
    return config.get("PythonAutoReload") != "0"


# ---------------------------------------------------------------------------
# Words, without a request

def parse_flag(text):
    """True or False for a boolean word (any case), None for anything else."""
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def parse_size(text):
    """Bytes for '123', '64K', '8M', '1G' (or 64KB, 64KiB); raises
    ValueError for anything else."""
    match = _SIZE.match(text)
    if not match:
        raise ValueError("%r is not a size" % (text,))
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def parse_integer(text):
    """An int for a decimal integer (surrounding spaces allowed); raises
    ValueError for anything else."""
    return int(text.strip(), 10)


def parse_number(text):
    """A float for a decimal number; raises ValueError otherwise."""
    return float(text.strip())


# ---------------------------------------------------------------------------
# Options of a request

def text(req, *keys):
    """The value of the first of keys set to a non-empty value, or None."""
    options = _options(req)
    for key in keys:
        value = options.get(key)
        if value:
            return value
    return None


def any_with_prefix(req, prefix):
    """Whether any option whose key starts with prefix is set, in one look
    at the options (a module reading many of its options can skip them all
    when none is set)."""
    prefix = prefix.lower()
    return any(key.lower().startswith(prefix) for key in _options(req))


def flag(req, default, *keys):
    """A boolean option (On/Off, yes/no, true/false, 1/0)."""
    return _typed(req, default, keys, parse_flag, "On or Off")


def size(req, default, *keys):
    """A size option in bytes (123, 64K, 8M, 1G)."""
    return _typed(req, default, keys, _or_none(parse_size), "a size")


def integer(req, default, *keys):
    """An integer option."""
    return _typed(req, default, keys, _or_none(parse_integer), "an integer")


def number(req, default, *keys):
    """A positive, finite number option (an int or a decimal fraction):
    durations and timeouts, where 0 or inf would mean nothing sensible."""
    return _typed(req, default, keys, _or_none(_positive_number),
                  "a positive number")


def _positive_number(text):
    value = parse_number(text)
    if not 0 < value < float("inf"):
        raise ValueError("%r is not a positive number" % (text,))
    return value


def _options(req):
    try:
        return req.get_options() or {}
    except AttributeError:   # a stand-in for a request, without options
        return {}


def _or_none(parse):
    def parse_or_none(value):
        try:
            return parse(value)
        except ValueError:
            return None
    return parse_or_none


def _typed(req, default, keys, parse, expected):
    value = text(req, *keys)
    if value is None:
        return default
    parsed = parse(value)
    if parsed is None:
        key = next(k for k in keys if _options(req).get(k))
        req.log_error("mod_python: PythonOption %s %r is not %s; ignored"
                      % (key, value, expected), _APLOG_WARNING)
        return default
    return parsed

"""Python errors from Apache's error log, for a terminal.

`mod_python serve` keeps Apache's error log in its server root, where a
user would not look.  While it serves, a LogFollower copies the Python
errors (and any module's lines above error level, such as a broken
.htaccess) that appear there to the terminal: each traceback once, without
Apache's timestamp and pid prefix, and without the frames of mod_python
itself and of importlib, which say nothing about the user's code (the log
file keeps them all).
"""

import os
import re
import threading

# [date] [module:level] [pid N:tid T] [client A:P] message
_LINE_RE = re.compile(r"^\[[^\]]*\] \[(?P<module>[^:\]]*):(?P<level>\w+)\] "
                      r"\[pid (?P<pid>\d+)(?::tid (?P<tid>\d+))?\] "
                      r"(?:\[client [^\]]*\] )?(?P<message>.*)$")
_SHOWN_LEVELS = ("error", "crit", "alert", "emerg")
_FRAME_RE = re.compile(r'^  File "(?P<file>[^"]+)", line \d+, in ')


# Levels worse than error are shown whatever the module: a broken
# .htaccess ("core:alert ... Invalid command") answers 500 with no other
# trace.
_ANY_MODULE_LEVELS = ("crit", "alert", "emerg")


def python_error(line):
    """(source, text) for an error-log line to show: a Python error, or
    any module's line above error level; source tells the lines of one
    traceback apart.  None for other lines."""
    match = _LINE_RE.match(line)
    if not match or match["level"] not in _SHOWN_LEVELS:
        return None
    if match["module"] != "python" and match["level"] not in _ANY_MODULE_LEVELS:
        return None
    return (match["pid"], match["tid"]), match["message"]


class TracebackTrimmer:
    """Drops the frames of the files under `hidden_dirs` (and importlib's)
    from traceback lines fed one at a time: a frame is its `File` line and
    the indented source lines under it."""

    def __init__(self, hidden_dirs):
        self.hidden_dirs = tuple(os.path.join(os.path.realpath(d), "")
                                 for d in hidden_dirs)
        self.hiding = False
        self.hidden = 0

    def _is_hidden(self, file):
        if file.startswith("<frozen importlib"):
            return True
        real = os.path.realpath(file)
        return real.startswith(self.hidden_dirs) or "/importlib/" in real

    def feed(self, text):
        """The lines to show for one traceback line (none, it, or it and
        a note on what was hidden)."""
        frame = _FRAME_RE.match(text)
        if frame:
            self.hiding = self._is_hidden(frame["file"])
            self.hidden += self.hiding
            return [] if self.hiding else [text]
        if text.startswith("    ") and self.hiding:
            return []
        self.hiding = False
        if text.startswith(" ") or not self.hidden:
            return [text]
        shown = [text, "  (%d frame%s of mod_python and importlib not "
                       "shown; the error log has them all)"
                 % (self.hidden, "s"[:self.hidden > 1])]
        self.hidden = 0
        return shown


class ErrorCopier:
    """Turns error-log lines into terminal lines: one header per message
    prefix ("PythonHandler app::handler:"), then the trimmed traceback."""

    def __init__(self, hidden_dirs):
        self.hidden_dirs = hidden_dirs
        self.current = {}           # source -> (prefix, trimmer)

    def feed(self, line):
        """The terminal lines for one error-log line (often none)."""
        found = python_error(line.rstrip("\n"))
        if not found:
            return []
        source, message = found
        prefix, sep, text = message.partition(": ")
        if not sep or not prefix:
            return [message]
        if text.startswith("Traceback (most recent call last)"):
            self.current[source] = (prefix, TracebackTrimmer(self.hidden_dirs))
            return ["%s: %s" % (prefix, text)]
        known = self.current.get(source)
        if known and known[0] == prefix:
            return known[1].feed(text)
        self.current.pop(source, None)
        return [message]


class LogFollower(threading.Thread):
    """Copies what `copier` makes of the lines appended to `path` to
    `write`, until stop() is called."""

    def __init__(self, path, copier, write, interval=0.2):
        super().__init__(daemon=True)
        self.path, self.copier, self.write = path, copier, write
        self.interval = interval
        self.stopping = threading.Event()
        try:
            self.offset = os.path.getsize(path)
        except OSError:
            self.offset = 0

    def run(self):
        """Copy new lines every `interval` seconds until stopped, then once
        more."""
        while not self.stopping.wait(self.interval):
            self.copy_new_lines()
        self.copy_new_lines()

    def copy_new_lines(self):
        """Copy the complete lines appended since the last call."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except OSError:
            return
        complete = data[:data.rfind(b"\n") + 1]   # a half-written line waits
        self.offset += len(complete)
        for line in complete.decode("utf-8", "replace").splitlines():
            for out in self.copier.feed(line):
                self.write(out)

    def stop(self):
        """Copy what is left and end the thread (waiting up to 5 s)."""
        self.stopping.set()
        self.join(5)

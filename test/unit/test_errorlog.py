"""mod_python.errorlog: Python errors of Apache's error log, trimmed for
the terminal of `mod_python serve`."""

import os

from mod_python import errorlog

PKG = "/opt/lib/mod_python"
PREFIX = "[Sat Dec 05 23:28:07.908172 2026] [python:error] [pid 7:tid 9] "


def log(*messages, prefix=PREFIX):
    return [prefix + m for m in messages]


def copy(lines, hidden=(PKG,)):
    copier = errorlog.ErrorCopier(list(hidden))
    return [out for line in lines for out in copier.feed(line)]


TRACEBACK = log(
    "PythonHandler app: Traceback (most recent call last):",
    'PythonHandler app:   File "%s/apache.py", line 661, in Dispatch' % PKG,
    "PythonHandler app:     result = run(req)",
    "PythonHandler app:              ^^^^^^^^",
    'PythonHandler app:   File "<frozen importlib._bootstrap>", line 1, in x',
    'PythonHandler app:   File "/srv/app.py", line 3, in handler',
    "PythonHandler app:     return 1/0",
    "PythonHandler app:            ~^~",
    "PythonHandler app: ZeroDivisionError: division by zero")


def test_frames_of_mod_python_and_importlib_are_left_out():
    assert copy(TRACEBACK) == [
        "PythonHandler app: Traceback (most recent call last):",
        '  File "/srv/app.py", line 3, in handler',
        "    return 1/0",
        "           ~^~",
        "ZeroDivisionError: division by zero",
        "  (2 frames of mod_python and importlib not shown; the error log "
        "has them all)"]


def test_nothing_hidden_means_no_note():
    no_importlib = [l for l in TRACEBACK if "frozen" not in l]
    out = copy(no_importlib, hidden=("/elsewhere",))
    assert out[-1] == "ZeroDivisionError: division by zero"
    assert len(out) == 8


def test_other_modules_and_levels_are_not_copied():
    lines = ["[Sat Dec 05 2026] [core:error] [pid 1] AH00037: whatever",
             "[Sat Dec 05 2026] [python:notice] [pid 1:tid 2] mod_python: "
             "Creating 8 session mutexes",
             "a line that is no error-log line at all"]
    assert copy(lines) == []


def test_other_modules_above_error_level_are_copied():
    line = ("[Sat Dec 05 2026] [core:alert] [pid 3:tid 4] [client "
            "127.0.0.1:5000] /srv/site/.htaccess: Invalid command "
            "'PythonHandlr', perhaps misspelled")
    assert copy([line]) == ["/srv/site/.htaccess: Invalid command "
                            "'PythonHandlr', perhaps misspelled"]


def test_client_field_and_other_python_errors():
    line = ("[Sat Dec 05 2026] [python:error] [pid 3:tid 4] [client "
            "127.0.0.1:5000] mod_python: cannot import mod_python.apache")
    assert copy([line]) == ["mod_python: cannot import mod_python.apache"]


def test_interleaved_threads_keep_their_own_tracebacks():
    one = log("H a: Traceback (most recent call last):",
              'H a:   File "/srv/a.py", line 1, in f', "H a: ValueError: a")
    two = log("H b: Traceback (most recent call last):",
              'H b:   File "%s/apache.py", line 1, in g' % PKG,
              "H b: KeyError: b",
              prefix=PREFIX.replace("tid 9", "tid 10"))
    mixed = [one[0], two[0], one[1], two[1], one[2], two[2]]
    assert copy(mixed) == [
        "H a: Traceback (most recent call last):",
        "H b: Traceback (most recent call last):",
        '  File "/srv/a.py", line 1, in f',
        "ValueError: a",
        "KeyError: b",
        "  (1 frame of mod_python and importlib not shown; the error log "
        "has them all)"]


def test_follower_copies_only_what_is_appended_and_whole_lines(tmp_path):
    path = tmp_path / "error_log"
    path.write_text(TRACEBACK[0] + "\n")        # before serve started
    seen = []
    follower = errorlog.LogFollower(str(path), errorlog.ErrorCopier([PKG]),
                                    seen.append)
    with open(path, "a") as f:
        f.write(TRACEBACK[0] + "\n" + TRACEBACK[-1][:30])
    follower.copy_new_lines()
    assert seen == ["PythonHandler app: Traceback (most recent call last):"]
    with open(path, "a") as f:
        f.write(TRACEBACK[-1][30:] + "\n")
    follower.copy_new_lines()
    assert seen[1:] == ["ZeroDivisionError: division by zero"]
    assert follower.offset == os.path.getsize(path)

"""Reading docs/*.md the way test/test_docs.py checks them (the contract is
docs/writing-docs.md): pages into fenced blocks and examples, console blocks
into commands, curl command lines into HTTP requests, responses into the
output curl would print, compared with the output the page shows; and the
analysis that decides whether a python block can run on its own.

Everything here is pure (no server, no subprocess) so that test/unit can
test it; the only input/output is reading the files `curl -F name=@file`
uploads.
"""

import ast
import base64
import builtins
import difflib
import email.utils
import functools
import os
import re
import symtable
import sys
import time
import urllib.parse
from dataclasses import dataclass, field


class DocsError(Exception):
    """A page does not follow the contract at page line `line`."""

    def __init__(self, line, message):
        super().__init__("%d: %s" % (line, message))
        self.line = line
        self.message = message


# --------------------------------------------------------------------------
# Markdown: fenced blocks, marker comments, examples

DEFAULT_ROOT = "/var/www/html"

_FENCE = re.compile(r"^( *)(`{3,}|~{3,})(.*)$")
_EXAMPLE_NAME = re.compile(r"^[\w.-]+$")
_FILE_MARKERS = (re.compile(r"^#\s*file:\s*(\S+)\s*$"),
                 re.compile(r"^<%--\s*file:\s*(\S+)\s*--%>\s*$"))


@dataclass
class Example:
    name: str
    root: str
    line: int
    blocks: list = field(default_factory=list)


@dataclass
class Block:
    lang: str               # first word of the info string ('' if none)
    text: str               # the content, fence indentation removed
    line: int               # line of the opening fence (1-based)
    not_run: str = None     # REASON of a <!-- not run: REASON --> before it
    example: Example = None

    @property
    def file(self):
        """Path named by a file marker on the first line, or None."""
        first = self.text.split("\n", 1)[0]
        for marker in _FILE_MARKERS:
            found = marker.match(first)
            if found:
                return found.group(1)
        return None


@dataclass
class Page:
    name: str
    blocks: list = field(default_factory=list)
    examples: list = field(default_factory=list)
    errors: list = field(default_factory=list)   # [DocsError]


def parse_page(name, text):
    """The blocks and examples of a Markdown page.  Broken markup does not
    raise: it is listed in page.errors, so that collecting tests never
    fails."""
    return _PageReader(name, text).read()


def fence_opening(line):
    """(indent, fence) when `line` opens a fenced block, else None.  As in
    CommonMark, the info string of a backtick fence has no backtick: a
    paragraph line starting with inline code is not a fence."""
    found = _FENCE.match(line)
    if not found:
        return None
    indent, fence, info = found.groups()
    if fence[0] == "`" and "`" in info:
        return None
    return len(indent), fence, info.strip()


def _closes(line, fence):
    stripped = line.strip()
    return (len(stripped) >= len(fence)
            and stripped == fence[0] * len(stripped))


def _unindent(line, indent):
    spaces = len(line) - len(line.lstrip(" "))
    return line[min(spaces, indent):]


class _PageReader:
    def __init__(self, name, text):
        self.lines = text.splitlines()
        self.page = Page(name)
        self.pos = 0
        self.pending = None       # (line, reason) of a not-run comment
        self.example = None       # the example being read

    def read(self):
        while self.pos < len(self.lines):
            line = self.lines[self.pos]
            if fence_opening(line):
                self._read_block()
            elif line.lstrip().startswith("<!--"):
                self._read_comment()
            else:
                if line.strip():
                    self._drop_pending()
                self.pos += 1
        self._drop_pending()
        if self.example:
            self._error(self.example.line, "example %r has no <!-- end example -->"
                        % self.example.name)
        return self.page

    def _error(self, line, message):
        self.page.errors.append(DocsError(line, message))

    def _drop_pending(self):
        if self.pending:
            self._error(self.pending[0], "<!-- not run --> is not followed by a "
                        "fenced block (only blank lines may come between)")
            self.pending = None

    def _read_block(self):
        start = self.pos
        indent, fence, info = fence_opening(self.lines[start])
        end = start + 1
        while end < len(self.lines) and not _closes(self.lines[end], fence):
            end += 1
        if end == len(self.lines):
            self._error(start + 1, "fenced block is not closed")
        content = [_unindent(line, indent) for line in self.lines[start + 1:end]]
        block = Block(lang=info.split()[0] if info else "",
                      text="".join(line + "\n" for line in content),
                      line=start + 1, example=self.example,
                      not_run=self.pending and self.pending[1])
        self.pending = None
        self.page.blocks.append(block)
        if self.example:
            self.example.blocks.append(block)
        self.pos = end + 1

    def _read_comment(self):
        start = self.pos
        text = self.lines[start].split("<!--", 1)[1]
        while "-->" not in text and self.pos + 1 < len(self.lines):
            self.pos += 1
            text += "\n" + self.lines[self.pos]
        self.pos += 1
        if "-->" not in text:
            self._error(start + 1, "HTML comment is not closed")
            return
        self._comment(start + 1, " ".join(text.split("-->", 1)[0].split()))

    def _comment(self, line, body):
        if body.startswith("not run"):
            self._not_run(line, body)
            return
        self._drop_pending()
        if body.startswith("example:"):
            self._start_example(line, body[len("example:"):].split())
        elif body == "end example":
            self._end_example(line)

    def _not_run(self, line, body):
        self._drop_pending()
        reason = body[len("not run"):].lstrip()
        if not reason.startswith(":") or not reason[1:].strip():
            self._error(line, "write <!-- not run: REASON --> with a reason")
            return
        self.pending = (line, reason[1:].strip())

    def _start_example(self, line, words):
        if self.example:
            self._error(line, "an example starts inside example %r"
                        % self.example.name)
            return
        if not words or not _EXAMPLE_NAME.match(words[0]):
            self._error(line, "write <!-- example: NAME root=PATH --> "
                        "(NAME: letters, digits, '.', '-', '_')")
            return
        root = DEFAULT_ROOT
        for word in words[1:]:
            if not word.startswith("root=/"):
                self._error(line, "unknown example setting %r" % word)
                return
            root = word[len("root="):].rstrip("/") or "/"
        if any(e.name == words[0] for e in self.page.examples):
            self._error(line, "a second example named %r" % words[0])
        self.example = Example(words[0], root, line)
        self.page.examples.append(self.example)

    def _end_example(self, line):
        if not self.example:
            self._error(line, "<!-- end example --> without an example")
        self.example = None


# --------------------------------------------------------------------------
# what a block is for

def example_role(block):
    """What its example does with a block: 'skip' (not run), 'file',
    'config', 'requests', or 'alone' (checked like blocks outside
    examples)."""
    if block.not_run:
        return "skip"
    if block.file:
        return "file"
    if block.lang == "apache":
        return "config"
    if block.lang == "console":
        return "requests"
    return "alone"


def blocks_alone(page, lang=None):
    """The blocks checked by the rules for blocks outside examples."""
    return [b for b in page.blocks
            if (b.example is None or example_role(b) == "alone")
            and (lang is None or b.lang == lang)]


def map_root(text, root, target):
    """`text` with the path `root` replaced by `target` (a longer name such
    as /var/www/html2 is left alone)."""
    pattern = re.escape(root.rstrip("/")) + r"(?![\w.-])"
    return re.sub(pattern, lambda found: target, text)


_OWN_DIRECTIVES = re.compile(r"^\s*(Listen|LoadModule\s+python_module)\s", re.I)


def normalise_config(text):
    """Apache configuration without the lines the test server provides
    itself: Listen, LoadModule python_module."""
    return "".join(line for line in text.splitlines(True)
                   if not _OWN_DIRECTIVES.match(line))


# --------------------------------------------------------------------------
# console blocks

@dataclass
class Command:
    line: int          # page line of the `$ ` line
    text: str          # the command, continuation lines joined
    expected: list = field(default_factory=list)   # the output shown


def parse_console(block):
    """The `$ ` commands of a console block, each with the output lines that
    follow it; a command ending in a backslash continues on the next
    line."""
    commands = []
    lines = block.text.splitlines()
    index = 0
    while index < len(lines):
        line, number = lines[index], block.line + 1 + index
        index += 1
        if line == "$" or line.startswith("$ "):
            text = line[1:].strip()
            while text.endswith("\\") and index < len(lines):
                text = text[:-1] + " " + lines[index].strip()
                index += 1
            commands.append(Command(number, text))
        elif commands:
            commands[-1].expected.append(line)
        elif line.strip():
            raise DocsError(number, "output before any `$ ` command")
    return commands


# --------------------------------------------------------------------------
# curl command lines

CURL_VERSION = "7.88.1"    # Debian 12's curl: the requests mimic it
BOUNDARY = "------------------------d0c5d0c5d0c5d0c5"

_FLAGS = {"-s": "silent", "--silent": "silent",
          "-i": "include", "--include": "include"}
_VALUED = {"-d": "data", "--data": "data", "-F": "form", "--form": "form",
           "-u": "user", "--user": "user", "-H": "header", "--header": "header",
           "-b": "cookie", "--cookie": "cookie", "-c": "cookie_jar",
           "--cookie-jar": "cookie_jar", "-X": "method", "--request": "method"}
_REFUSED = {
    "-L": "following redirects is not supported: show the redirect, then "
          "request its Location with another command",
}
_REFUSED["--location"] = _REFUSED["-L"]

# curl's guesses for the Content-Type of an uploaded file (lib/mime.c)
_UPLOAD_TYPES = {".gif": "image/gif", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
                 ".png": "image/png", ".svg": "image/svg+xml",
                 ".txt": "text/plain", ".htm": "text/html", ".html": "text/html",
                 ".pdf": "application/pdf", ".xml": "application/xml"}


class CurlError(Exception):
    """A curl command line the test cannot run."""


@dataclass
class Request:
    method: str
    target: str                # path and query string
    headers: list              # [(name, value)] in the order sent
    body: bytes = None
    include: bool = False      # -i: the output starts with the headers
    cookie_jar: str = None     # -c FILE: where the response's cookies go


def parse_curl(argv, root, jars=None):
    """The request `curl` would send for argv (argv[0] is 'curl'); files
    named by -F name=@file are read relative to the directory `root`, and
    `jars` holds the cookie files of -c/-b ({file: {name: value}})."""
    options, urls = _curl_options(argv[1:])
    if len(urls) != 1:
        raise CurlError("one URL expected, got %s" % (urls or "none"))
    host, target = _split_url(urls[0])
    values = _values_by_option(options)
    request = Request("GET", target, _curl_headers(host, values, jars or {}),
                      include="include" in values,
                      cookie_jar=values.get("cookie_jar", [None])[-1])
    _add_body(request, values, root)
    for header in values.get("header", []):
        _set_header(request, header)
    if "method" in values:
        request.method = values["method"][-1]
    return request


def _curl_options(args):
    """([(option, value)], [positional arguments])."""
    options, positional = [], []
    args = list(args)
    while args:
        arg = args.pop(0)
        if arg.startswith("--"):
            options.append(_option(arg, "", args))
        elif arg.startswith("-") and len(arg) > 1:
            options.extend(_short_options(arg, args))
        else:
            positional.append(arg)
    return options, positional


def _option(flag, attached, args):
    """(name, value) for one option; `attached` is text glued to a short
    option (-dname=x), else the value is the next argument."""
    if flag in _REFUSED:
        raise CurlError("%s: %s" % (flag, _REFUSED[flag]))
    if flag in _FLAGS:
        return _FLAGS[flag], None
    if flag not in _VALUED:
        raise CurlError("option %s is not supported (see docs/writing-docs.md)"
                        % flag)
    if attached:
        return _VALUED[flag], attached
    if not args:
        raise CurlError("option %s needs a value" % flag)
    return _VALUED[flag], args.pop(0)


def _short_options(arg, args):
    found = []
    for index in range(1, len(arg)):
        flag = "-" + arg[index]
        name, value = _option(flag, arg[index + 1:] if flag in _VALUED else "", args)
        found.append((name, value))
        if flag in _VALUED:
            break
    return found


def _values_by_option(options):
    values = {}
    for name, value in options:
        values.setdefault(name, []).append(value)
    return values


def _split_url(url):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or parts.hostname != "localhost":
        raise CurlError("only http://localhost URLs reach the test server: %r" % url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return parts.netloc, target


def _curl_headers(host, values, jars):
    """The headers curl sends by itself, with those of -u and -b (-b FILE
    sends the cookies an earlier -c FILE kept)."""
    headers = [("Host", host)]
    if "user" in values:
        headers.append(("Authorization", _basic_auth(values["user"][-1])))
    headers += [("User-Agent", "curl/" + CURL_VERSION), ("Accept", "*/*")]
    cookies = []
    for cookie in values.get("cookie", []):
        if "=" in cookie:
            cookies.append(cookie)
        else:
            cookies += ["%s=%s" % item for item in jars.get(cookie, {}).items()]
    if cookies:
        headers.append(("Cookie", "; ".join(cookies)))
    return headers


def keep_cookies(jar, set_cookie_headers):
    """Update a cookie jar ({name: value}) from Set-Cookie header values:
    a cookie that expired, or has an empty value, leaves the jar."""
    for header in set_cookie_headers:
        pair, _, attributes = header.partition(";")
        name, _, value = pair.strip().partition("=")
        if not value or any(_expired(a) for a in attributes.split(";")):
            jar.pop(name, None)
        else:
            jar[name] = value


def _expired(attribute):
    """Whether a Set-Cookie attribute (expires=..., max-age=...) says the
    cookie is already gone."""
    name, _, value = attribute.strip().partition("=")
    if name.lower() == "max-age":
        return value.strip().startswith(("0", "-"))
    if name.lower() != "expires":
        return False
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        return False
    return when.timestamp() < time.time()


def _basic_auth(credentials):
    user, colon, password = credentials.partition(":")
    if not colon:
        raise CurlError("-u needs user:password (curl would prompt)")
    raw = ("%s:%s" % (user, password)).encode("utf-8")
    return "Basic " + base64.b64encode(raw).decode("ascii")


def _add_body(request, values, root):
    if "data" in values and "form" in values:
        raise CurlError("-d and -F cannot be combined")
    if "data" in values:
        if any(data.startswith("@") for data in values["data"]):
            raise CurlError("-d @file is not supported")
        body = "&".join(values["data"]).encode("utf-8")
        content_type = "application/x-www-form-urlencoded"
    elif "form" in values:
        body = multipart_body(values["form"], root)
        content_type = "multipart/form-data; boundary=" + BOUNDARY
    else:
        return
    request.method = "POST"
    request.body = body
    request.headers += [("Content-Length", str(len(body))),
                        ("Content-Type", content_type)]


def multipart_body(fields, root):
    """The multipart/form-data body of `-F` fields (name=value, name=@file)."""
    body = b""
    for spec in fields:
        name, equals, value = spec.partition("=")
        if not equals:
            raise CurlError("-F takes name=value or name=@file: %r" % spec)
        if value.startswith("<"):
            raise CurlError("-F name=<file is not supported")
        disposition = 'Content-Disposition: form-data; name="%s"' % name
        if value.startswith("@"):
            data, disposition = _upload(value[1:], root, disposition)
        else:
            data = value.encode("utf-8")
        body += ("--%s\r\n%s\r\n\r\n" % (BOUNDARY, disposition)).encode("utf-8")
        body += data + b"\r\n"
    return body + ("--%s--\r\n" % BOUNDARY).encode("ascii")


def _upload(path, root, disposition):
    full = os.path.join(root, path)
    try:
        with open(full, "rb") as f:
            data = f.read()
    except OSError as error:
        raise CurlError("-F: cannot read %s: %s" % (path, error.strerror))
    content_type = _UPLOAD_TYPES.get(os.path.splitext(path)[1].lower(),
                                     "application/octet-stream")
    return data, '%s; filename="%s"\r\nContent-Type: %s' % (
        disposition, os.path.basename(path), content_type)


def _set_header(request, header):
    """-H 'Name: value' replaces curl's own header of that name (an empty
    value removes it) or adds one."""
    name, colon, value = header.partition(":")
    if not colon or not name.strip():
        raise CurlError("-H takes 'Name: value': %r" % header)
    name, value = name.strip(), value.strip()
    kept = [(n, v) for n, v in request.headers if n.lower() != name.lower()]
    if value:
        position = next((i for i, (n, _) in enumerate(request.headers)
                         if n.lower() == name.lower()), len(kept))
        kept.insert(position, (name, value))
    request.headers = kept


# --------------------------------------------------------------------------
# comparing a response with the output shown

@dataclass
class Response:
    status_line: str           # "HTTP/1.1 200 OK"
    headers: list              # [(name, value)]
    body: str

    def output(self, include):
        """The lines curl prints for this response (with -i: headers too)."""
        lines = self.body.splitlines()
        if include:
            head = [self.status_line] + ["%s: %s" % h for h in self.headers]
            lines = head + [""] + lines
        return lines


def output_problem(expected, response, include):
    """None when `response` shows as the `expected` lines, else a message
    with a unified diff.  With -i, the status line must match and every
    header listed must be present with that value; a blank line separates
    them from the body."""
    expected = _trimmed(expected)
    problems = []
    body = expected
    if include:
        head, body = _split_head(expected)
        problems = _head_problems(head, response)
    if not lines_match(body, _trimmed(response.body.splitlines())):
        problems.append("the body differs")
    if not problems:
        return None
    diff = difflib.unified_diff(expected, _trimmed(response.output(include)),
                                "expected (page)", "actual (server)", lineterm="")
    return "; ".join(problems) + "\n" + "\n".join(diff)


def _trimmed(lines):
    """Lines without trailing whitespace, trailing blank lines dropped."""
    lines = [line.rstrip() for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _split_head(lines):
    if "" in lines:
        blank = lines.index("")
        return lines[:blank], lines[blank + 1:]
    return lines, []


def _head_problems(head, response):
    if not head:
        return ["-i output must start with the status line"]
    problems = []
    if head[0] != response.status_line:
        problems.append("status line is %r" % response.status_line)
    present = {(n.lower(), v.strip()) for n, v in response.headers}
    for line in head[1:]:
        if line == "...":
            continue
        name, _, value = line.partition(":")
        if (name.strip().lower(), value.strip()) not in present:
            problems.append("header %r not in the response" % line)
    return problems


def lines_match(expected, actual):
    """Whether `actual` equals `expected`, where a line `...` in expected
    stands for any number of lines."""
    @functools.lru_cache(maxsize=None)
    def match(i, j):
        if i == len(expected):
            return j == len(actual)
        if expected[i] == "...":
            return any(match(i + 1, k) for k in range(j, len(actual) + 1))
        return j < len(actual) and expected[i] == actual[j] and match(i + 1, j + 1)
    return match(0, 0)


# --------------------------------------------------------------------------
# python blocks outside examples

_MODULE_GLOBALS = {"__name__", "__file__", "__doc__", "__builtins__", "__spec__",
                   "__loader__", "__package__", "__annotations__"}


def free_names(source):
    """Global names the code uses but neither binds nor imports (builtins
    excepted): a block using `req` cannot run alone."""
    top = symtable.symtable(source, "<block>", "exec")
    bound = {s.get_name() for s in top.get_symbols()
             if s.is_assigned() or s.is_imported() or s.is_namespace()}
    bound |= set(_declared_globals(top))
    used = set(_global_uses(top))
    return used - bound - set(dir(builtins)) - _MODULE_GLOBALS


def _global_uses(table):
    at_module = table.get_type() == "module"
    for symbol in table.get_symbols():
        if symbol.is_referenced() and (at_module or symbol.is_global()):
            yield symbol.get_name()
    for child in table.get_children():
        yield from _global_uses(child)


def _declared_globals(table):
    """Names functions bind with a `global` statement."""
    for child in table.get_children():
        for symbol in child.get_symbols():
            if symbol.is_declared_global() and symbol.is_assigned():
                yield symbol.get_name()
        yield from _declared_globals(child)


def imports(source):
    """[(module, name)] for every import in the code: ('os', None) for
    `import os`, ('mod_python', 'util') for `from mod_python import util`,
    ('.x', ...) for relative imports."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            found += [(module, alias.name) for alias in node.names]
    return found


def runs_alone(source, importable):
    """Whether a python block outside examples is executed, not just
    compiled: it has no free names and imports only the standard library
    and parts of mod_python that `importable(module, name)` says load
    outside httpd.  A star import hides what it binds: compile only."""
    if free_names(source):
        return False
    for module, name in imports(source):
        top = module.split(".")[0]
        if name == "*" or not top:
            return False
        if top in sys.stdlib_module_names:
            continue
        if top != "mod_python" or not importable(module, name):
            return False
    return True

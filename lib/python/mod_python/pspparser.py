"""The PSP parser: turns a Python Server Page into Python source.

Pure Python, importable outside httpd; mod_python.psp compiles and runs
what it makes.  One pass over the page, finding tags with str.find and
simple (non-backtracking) regular expressions, so the time is linear in
the size of the page.

Syntax (library.md 3.1):

    text                      req.write(<the text as a literal>,0)
    <% statements %>          the statements, indentation as written
    <%= expression %>         req.write(str(expression),0)
    <%@ include file="f" %>   f's contents parsed in place
    <%-- comment --%>         nothing

Generated lines match the page's lines: a statement starts on the line of
the tag it comes from, and text literals absorb the difference when one
has to start later (escaped newlines) or earlier (line continuations).
A line map records the page line of every generated line anyway, for
errors the layout could not keep in place (includes, code after text on
the same line).
"""

import os
import re

__all__ = ["Generated", "generate", "parse_file", "parse_bytes",
           "decode", "split_lines"]

# The extra indentation of text that follows a block ending in ':'.
BLOCK_INDENT = "\t"

_BREAK = re.compile(r"\r\n|\r|\n")
# What matters inside code: the end tag, strings, comments, brackets
# (implicit line joining), backslashes (explicit joining) and line ends.
_CODE_STOP = re.compile(r"%>|[\"'#()\[\]{}\\\r\n]")
_COMMENT_STOP = re.compile(r"%>|[\r\n]")
_STRING_STOP = {
    '"': re.compile(r'\\(?:\r\n|[\s\S])|"|[\r\n]'),
    "'": re.compile(r"\\(?:\r\n|[\s\S])|'|[\r\n]"),
    '"""': re.compile(r'\\[\s\S]|"""'),
    "'''": re.compile(r"\\[\s\S]|'''"),
}
_INCLUDE = re.compile(r"\s*include\s+file\s*=\s*(?:\"([^\"\s]+)\"|'([^'\s]+)')\s*\Z")
_LEADING = re.compile(r"[ \t]*")
_MAX_INCLUDE_DEPTH = 32

TEXT, EXPR, CODE = "text", "expr", "code"


def decode(data):
    """Page bytes as text: UTF-8 (what req.write sends back), else
    Latin-1, which maps every byte."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def split_lines(text):
    """The lines of text, whatever its line ends (CRLF, CR or LF)."""
    return _BREAK.split(text)


def _count_breaks(s, start=0, end=None):
    """Line breaks (CRLF, CR or LF) in s[start:end]."""
    if end is None:
        end = len(s)
    cr = s.count("\r", start, end)
    lf = s.count("\n", start, end)
    return lf + cr - (s.count("\r\n", start, end) if cr and lf else 0)


def _error(message, filename, src, pos, cls=SyntaxError):
    """A SyntaxError pointing at the page line of `pos`."""
    line = _count_breaks(src, 0, pos) + 1
    begin = max(src.rfind("\n", 0, pos), src.rfind("\r", 0, pos)) + 1
    stop = _BREAK.search(src, pos)
    text = src[begin:stop.start() if stop else len(src)]
    return cls(message, (filename, line, text, pos - begin + 1))


# ---------------------------------------------------------------------------
# Code scanning: where a <% %> or <%= %> ends, and the shape of its last line
# ---------------------------------------------------------------------------

class _CodeScan:
    """Result of scanning code that starts at `start`: `end` is the index
    of the closing '%>'; `indent` and `colon` describe the last non-blank
    logical line; `in_comment` tells whether the code ends in a comment."""

    __slots__ = ("end", "indent", "colon", "in_comment")


def _skip_string(src, pos, quote):
    """Index just after the string whose body starts at pos, or None when
    a triple-quoted string never ends.  A one-line string also ends at a
    line break (Python will report it)."""
    stop = _STRING_STOP[quote]
    while True:
        m = stop.search(src, pos)
        if m is None:
            return None if len(quote) == 3 else len(src)
        tok = m.group()
        if tok[0] != "\\":
            return m.end() if tok[0] in "\"'" else m.start()
        pos = m.end()


def scan_code(src, start, filename="<string>", tag=None):
    """Scan the code from `start` to its '%>' (strings and comments are
    understood: a '%>' in a string does not end the code, one in a
    comment does); `tag` is where its '<%' is, for errors."""
    tag = start if tag is None else tag
    pos = line_start = start
    depth = 0
    joined = False       # a backslash continues the line
    comment_at = None    # where a comment begins on the current line
    last = None          # (start, code end) of the last non-blank line

    def finish(end):
        nonlocal last
        if src[line_start:end].strip():
            code_end = comment_at if comment_at is not None else end
            last = (line_start, code_end)

    while True:
        m = _CODE_STOP.search(src, pos)
        if m is None:
            raise _error("'<%' without a closing '%>'", filename, src, tag)
        tok, at = m.group(), m.start()
        pos = m.end()
        if tok == "%>":
            finish(at)
            break
        if tok in "\r\n":
            if tok == "\r" and src.startswith("\n", pos):
                pos += 1
            if depth == 0 and not joined:
                finish(at)
                line_start = pos
            joined, comment_at = False, None
        elif tok == "#":
            comment_at = at
            m = _COMMENT_STOP.search(src, at)
            if m is None:
                raise _error("'<%' without a closing '%>'", filename, src, tag)
            pos = m.start()
        elif tok in "\"'":
            quote = tok * 3 if src.startswith(tok * 3, at) else tok
            pos = _skip_string(src, at + len(quote), quote)
            if pos is None:
                raise _error("'<%' without a closing '%>' (a string that opens "
                             "here is never closed)", filename, src, at)
        elif tok == "\\":
            joined = src.startswith(("\n", "\r"), pos)
        elif tok in "([{":
            depth += 1
        elif depth:
            depth -= 1
    scan = _CodeScan()
    scan.end = pos - 2
    scan.in_comment = comment_at is not None
    if last is None:
        scan.indent, scan.colon = "", False
    else:
        scan.indent = _LEADING.match(src, last[0]).group()
        scan.colon = src[last[0]:last[1]].rstrip().endswith(":")
    return scan


# ---------------------------------------------------------------------------
# Lexing: the page as a stream of elements
# ---------------------------------------------------------------------------

class _Element:
    """A piece of a page: kind TEXT (value = the text), EXPR (the
    expression) or CODE (the statements, plus `scan`); `origin` indexes
    the parser's file list; `line` is where the piece starts."""

    __slots__ = ("kind", "value", "origin", "line", "scan")

    def __init__(self, kind, value, origin, line, scan=None):
        self.kind, self.value, self.origin = kind, value, origin
        self.line, self.scan = line, scan


class _Lexer:
    def __init__(self, include_dir):
        self.include_dir = include_dir
        self.files = []        # file names, index = origin
        self.deps = []         # (path, os.stat) of the included files
        self.stack = []        # files being lexed (include loops)

    def elements(self, src, filename):
        origin = len(self.files)
        self.files.append(filename)
        self.stack.append(filename)
        pos, line = 0, 1
        while pos < len(src):
            at = src.find("<%", pos)
            if at < 0:
                at = len(src)
            if at > pos:
                yield _Element(TEXT, src[pos:at], origin, line)
                line += _count_breaks(src, pos, at)
            if at == len(src):
                break
            end = yield from self._tag(src, at, origin, line, filename)
            line += _count_breaks(src, at, end)
            pos = end
        self.stack.pop()

    def _tag(self, src, at, origin, line, filename):
        """Yield the elements of the tag at `at`; return where it ends."""
        if src.startswith("<%--", at):
            end = src.find("--%>", at + 4)
            if end < 0:
                raise _error("'<%--' without a closing '--%>'", filename, src, at)
            return end + 4
        if src.startswith("<%@", at):
            end = src.find("%>", at + 3)
            if end < 0:
                raise _error("'<%@' without a closing '%>'", filename, src, at)
            yield from self._directive(src, at, end, filename)
            return end + 2
        if src.startswith("<%=", at):
            scan = scan_code(src, at + 3, filename, at)
            yield _Element(EXPR, src[at + 3:scan.end], origin, line, scan)
            return scan.end + 2
        start = _LEADING.match(src, at + 2).end()
        scan = scan_code(src, start, filename, at)
        yield _Element(CODE, src[start:scan.end], origin, line, scan)
        return scan.end + 2

    def _directive(self, src, at, end, filename):
        m = _INCLUDE.match(src, at + 3, end)
        if m is None:
            raise _error("unknown PSP directive %r (only <%%@ include "
                         "file=\"...\" %%> exists)" % src[at:end + 2].strip(),
                         filename, src, at)
        name = m.group(1) or m.group(2)
        path = name
        if self.include_dir is not None and not os.path.isabs(name):
            path = self.include_dir + name
        if path in self.stack or len(self.stack) >= _MAX_INCLUDE_DEPTH:
            raise _error("%s includes itself (or includes nest too deep)"
                         % path, filename, src, at)
        try:
            with open(path, "rb") as f:
                st = os.fstat(f.fileno())
                text = decode(f.read())
        except OSError as exc:
            line = _count_breaks(src, 0, at) + 1
            raise type(exc)(exc.errno, "%s (included by %s, line %d)"
                            % (exc.strerror, filename, line), path) from None
        self.deps.append((path, st))
        yield from self.elements(text, path)


# ---------------------------------------------------------------------------
# Code generation
# ---------------------------------------------------------------------------

def _escape(text):
    """Text as the inside of a \"\"\" literal that gives back exactly it
    (so the sequences \\n, \\r and \\t stay two characters)."""
    return (text.replace("\\", "\\\\").replace('"', '\\"')
            .replace("\r", "\\r").replace("\0", "\\x00"))


class Generated:
    """What the parser makes: `source` (Python), `files` (the page, then
    the included files), `lines` (for each generated line, the
    (file index, line) it comes from) and `deps` ((path, stat) of the
    included files)."""

    def __init__(self, source, files, lines, deps):
        self.source = source
        self.files = files
        self.lines = lines
        self.deps = deps

    def origin(self, lineno):
        """(file name, line) that generated line `lineno` comes from."""
        if 1 <= lineno <= len(self.lines):
            origin, line = self.lines[lineno - 1]
            return self.files[origin], line
        return self.files[0], lineno


class _Writer:
    """Builds the generated source line by line, keeping every statement
    on the generated line that equals its page line where it can.
    Consecutive texts (split by comments) become one literal, written
    when the next element shows whether code follows."""

    def __init__(self):
        self.out = []
        self.lines = [(0, 1)]   # origin of each generated line
        self.fresh = True       # nothing on the current line yet
        self.indent = ""        # indentation of text and expressions
        self.texts = []         # text elements not written yet

    @property
    def lineno(self):
        return len(self.lines)

    def add(self, element):
        if element.kind == TEXT:
            self.texts.append(element)
            return
        self.flush_text(element.kind == CODE)
        if element.kind == CODE:
            self.code(element)
        else:
            self.expression(element)

    def finish(self):
        self.flush_text(False)
        if not self.fresh:
            self.out.append("\n")
        return "".join(self.out)

    def newline(self, where):
        self.out.append("\n")
        self.lines.append(where)
        self.fresh = True

    def catch_up(self, element):
        """Blank lines until the next statement is on its page line (only
        for the page itself: included files have their own numbering)."""
        if element.origin == 0:
            while self.lineno < element.line:
                self.newline((0, self.lineno + 1))

    def statement(self, element, text):
        """Start a text/expression statement at the current indentation:
        on the line so far, unless that is above the element's line."""
        if not self.fresh and not element.origin and self.lineno < element.line:
            self.newline((element.origin, element.line))
        if self.fresh:
            self.catch_up(element)
            self.out.append(self.indent + text)
        else:
            self.out.append("; " + text)
        if self.fresh or element.kind == EXPR:
            self.lines[-1] = (element.origin, element.line)
        self.fresh = False

    def flush_text(self, before_code):
        """Write the pending texts as one literal.  Before code, the last
        line break stays in the literal: the code's own line starts the
        next generated line."""
        texts, self.texts = self.texts, []
        if not texts:
            return
        self.statement(texts[0], 'req.write("""')
        for n, element in enumerate(texts):
            if n and not element.origin:
                self._continue(0, element.line, element.line - self.lineno)
            breaks = _BREAK.findall(element.value)
            pieces = _BREAK.split(element.value)
            last = len(breaks) - 1 if n == len(texts) - 1 and before_code else -1
            line = element.line
            for i, (piece, brk) in enumerate(zip(pieces, breaks)):
                self.out.append(_escape(piece))
                line += 1
                self._break(element.origin, brk, line - (i == last))
            self.out.append(_escape(pieces[-1]))
        self.out.append('""",0)')

    def _break(self, origin, brk, line):
        """A line break of the text: a real newline in the literal while
        generated lines are behind the page, else an escaped one."""
        need = (line - self.lineno) if origin == 0 else 1
        if brk.endswith("\n") and need > 0:
            self.out.append(_escape(brk[:-1]) + "\n")
            self.lines.append((origin, line))
            need -= 1
        else:
            self.out.append(_escape(brk).replace("\n", "\\n"))
        self._continue(origin, line, need)

    def _continue(self, origin, line, count):
        """`count` line continuations inside the literal (no output)."""
        for _ in range(count):
            self.out.append("\\\n")
            # catching up, the page line is the generated one
            self.lines.append((0, self.lineno + 1) if origin == 0
                              else (origin, line))

    def expression(self, element):
        code = _BREAK.sub("\n", element.value)
        self.statement(element, "req.write(str(")
        line = self._code_lines(element, code, element.line)
        if element.scan.in_comment:
            # the comment would swallow the closing parenthesis
            self.newline((element.origin, line))
        self.out.append("),0)")
        self.fresh = False

    def code(self, element):
        if not self.fresh:
            self.newline((element.origin, element.line))
        self.catch_up(element)
        self.lines[-1] = (element.origin, element.line)
        # a blank last line (before '%>') leaves the next line fresh
        code = _BREAK.sub("\n", element.value).rstrip(" \t\f")
        line = self._code_lines(element, code, element.line)
        if not self.fresh:
            self.newline((element.origin, line + 1))
        scan = element.scan
        self.indent = scan.indent + (BLOCK_INDENT if scan.colon else "")

    def _code_lines(self, element, code, line):
        """Copy code starting at page line `line`, one generated line per
        page line; returns the page line it ends on."""
        rows = code.split("\n")
        for row in rows[:-1]:
            self.out.append(row)
            line += 1
            self.newline((element.origin, line))
        if rows[-1]:
            self.out.append(rows[-1])
            self.fresh = False
        return line


def generate(src, filename="<string>", include_dir=None):
    """Parse page text `src` (str); `filename` names it in errors and
    `include_dir` (a prefix, as in parse()) locates relative includes."""
    lexer = _Lexer(include_dir)
    writer = _Writer()
    for element in lexer.elements(src, filename):
        writer.add(element)
    source = writer.finish()
    return Generated(source, lexer.files, writer.lines, lexer.deps)


def parse_bytes(data, filename="<string>", include_dir=None):
    """generate() for a page given as bytes, decoded as pages are."""
    return generate(decode(data), filename, include_dir)


def parse_file(filename, include_dir=None):
    """Generate the code of the page in `filename`; also returns its
    os.stat, taken on the file that was read."""
    with open(filename, "rb") as f:
        st = os.fstat(f.fileno())
        data = f.read()
    return parse_bytes(data, filename, include_dir), st

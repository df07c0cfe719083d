"""Every fenced code block of docs/*.md works (docs/writing-docs.md is the
contract; docs_examples.py reads the pages):

- test_example, one per example (`page.md::name`): the example's files are
  written to the DocumentRoot of a fresh Apache, its configuration blocks
  gathered, and each curl command of its console blocks is sent and its
  output compared with the page's;
- test_python_blocks, per page: python blocks outside examples compile, and
  those that stand alone also run;
- test_apache_blocks, per page: apache blocks outside examples pass
  `apache2 -t`;
- test_unrun_blocks_say_why, per page: the page's markup is sound and every
  other block says why it is not run.

MP_DOCS_DIR=<dir> checks the pages of another directory instead of docs/.
"""

import functools
import glob
import http.client
import os
import shlex
import subprocess
import sys
import tempfile
import time

import pytest

import docs_examples as dx
from helpers import LIBDIR, REPO, ApacheServer

DOCS_DIR = os.environ.get("MP_DOCS_DIR") or os.path.join(REPO, "docs")
# the modules writing-docs.md promises that helpers.BASE_MODULES lacks
EXTRA_MODULES = ["authn_file", "authz_host"]
MPM = "event"
# mod_python looks at a module's mtime at most once a second
RELOAD_CHECK_INTERVAL = 1.1
PYTHON_TIMEOUT = 30


def load_pages():
    pages = []
    for path in sorted(glob.glob(os.path.join(DOCS_DIR, "*.md"))):
        with open(path, encoding="utf-8") as f:
            pages.append(dx.parse_page(os.path.basename(path), f.read()))
    return pages


PAGES = load_pages()
EXAMPLES = [(page, example) for page in PAGES for example in page.examples]


def page_path(page):
    path = os.path.join(DOCS_DIR, page.name)
    if path.startswith(REPO + os.sep):
        return os.path.relpath(path, REPO)
    return path


def where(page, line):
    """page:line as an editor understands it."""
    return "%s:%d" % (page_path(page), line)


def report(problems):
    if problems:
        pytest.fail("\n\n".join(problems), pytrace=False)


def page_ids(pages):
    return [page.name for page in pages]


# --------------------------------------------------------------------------
# examples

class ExampleSite:
    """An example's site: a fresh Apache whose DocumentRoot stands for the
    example's root.  The server starts at the first console block and
    restarts at a later one only if configuration was added in between.
    What goes wrong raises dx.DocsError with the page line."""

    def __init__(self, example):
        self.example = example
        self.server = ApacheServer(mpm=MPM, modules=EXTRA_MODULES)
        self.config = []
        self.served_config = None
        self.rewritten = False     # a file changed since the last request
        self.last_request = 0.0
        self.jars = {}             # curl's cookie files: {file: {name: value}}

    def run(self):
        actions = {"file": self.write_file, "config": self.add_config,
                   "requests": self.run_requests}
        for block in self.example.blocks:
            action = actions.get(dx.example_role(block))
            if action:
                action(block)

    def close(self):
        self.server.cleanup()

    def mapped(self, text):
        return dx.map_root(text, self.example.root, self.server.docroot)

    # ---- blocks

    def write_file(self, block):
        docroot = self.server.docroot
        path = os.path.normpath(os.path.join(docroot, self.mapped(block.file)))
        if not path.startswith(docroot + os.sep):
            raise dx.DocsError(block.line, "file %s is outside the example's root %s"
                      % (block.file, self.example.root))
        existed = os.path.exists(path)
        old_mtime = os.stat(path).st_mtime if existed else 0
        self.server.write(path, self.mapped(block.text).encode("utf-8"))
        if existed:
            # a distinct mtime, even in whole seconds (.pyc files): reloaded
            mtime = max(time.time(), old_mtime + 2)
            os.utime(path, (mtime, mtime))
            self.rewritten = True

    def add_config(self, block):
        self.config.append(dx.normalise_config(self.mapped(block.text)))

    def run_requests(self, block):
        for command in dx.parse_console(block):
            self.run_command(command)

    # ---- requests

    def run_command(self, command):
        argv = shlex.split(self.mapped(command.text))
        if not argv or argv[0] != "curl":
            raise dx.DocsError(command.line, "only curl commands run in an example; "
                               "mark a block with others <!-- not run: REASON -->")
        request = self.curl_request(command, argv)
        self.serve()
        response = self.send(request)
        if request.cookie_jar:
            dx.keep_cookies(self.jars.setdefault(request.cookie_jar, {}),
                            [v for n, v in response.headers
                             if n.lower() == "set-cookie"])
        problem = dx.output_problem(command.expected, response, request.include)
        if problem:
            raise dx.DocsError(command.line, "$ %s\n%s\n--- error_log (end):\n%s"
                               % (command.text, problem, self.log_tail()))

    def curl_request(self, command, argv):
        try:
            return dx.parse_curl(argv, self.server.docroot, self.jars)
        except dx.CurlError as error:
            raise dx.DocsError(command.line, "$ %s\ncurl: %s"
                               % (command.text, error)) from None

    def serve(self):
        """Start the server with the configuration so far (restart it if
        that changed) and let changed files be seen."""
        config = "\n".join(self.config)
        if config != self.served_config:
            self.start(config)
        elif self.rewritten:
            pause = self.last_request + RELOAD_CHECK_INTERVAL - time.time()
            time.sleep(max(0, pause))
        self.rewritten = False

    def start(self, config):
        self.server.stop()
        self.server.pid = None
        self.server.set_config(config)
        try:
            self.server.start()
        except AssertionError as error:
            raise dx.DocsError(self.example.line, "Apache does not start with the "
                               "configuration of example %r:\n%s"
                               % (self.example.name, error)) from None
        self.served_config = config

    def send(self, request):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            conn.putrequest(request.method, request.target, skip_host=True,
                            skip_accept_encoding=True)
            for name, value in request.headers:
                conn.putheader(name, value)
            conn.endheaders(request.body)
            reply = conn.getresponse()
            body = reply.read()
        finally:
            conn.close()
            self.last_request = time.time()
        return self.as_shown(reply, body)

    def as_shown(self, reply, body):
        """The response as curl shows it, with the example's root in place
        of the scratch directory."""
        def unmapped(text):
            return dx.map_root(text, self.server.docroot, self.example.root)
        version = "HTTP/1.0" if reply.version == 10 else "HTTP/1.1"
        return dx.Response("%s %d %s" % (version, reply.status, reply.reason),
                           [(n, unmapped(v)) for n, v in reply.getheaders()],
                           unmapped(body.decode("utf-8", "replace")))

    def log_tail(self, lines=30):
        return "\n".join(self.server.error_log().splitlines()[-lines:])


@pytest.mark.parametrize("page,example", EXAMPLES,
                         ids=["%s::%s" % (p.name, e.name) for p, e in EXAMPLES])
def test_example(page, example):
    site = ExampleSite(example)
    try:
        site.run()
        problem = None
    except dx.DocsError as error:
        problem = error
    finally:
        site.close()
    if problem:
        report(["%s: %s" % (where(page, problem.line), problem.message)])


# --------------------------------------------------------------------------
# python blocks outside examples

def python_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = LIBDIR
    return env


@functools.lru_cache(maxsize=None)
def importable(module, name):
    """Whether this import works outside httpd (mod_python.apache needs the
    C module's _apache, and so do the modules that import it)."""
    statement = "from %s import %s" % (module, name) if name else "import " + module
    result = subprocess.run([sys.executable, "-c", statement], env=python_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            timeout=PYTHON_TIMEOUT)
    return result.returncode == 0


def python_problem(page, block):
    # blank lines first, so that line numbers are the page's
    source = "\n" * block.line + block.text
    try:
        compile(source, page_path(page), "exec")
    except SyntaxError as error:
        return "%s: %s" % (where(page, error.lineno), error.msg)
    if not dx.runs_alone(block.text, importable):
        return None
    return run_python(page, block, source)


def run_python(page, block, source):
    with tempfile.TemporaryDirectory(prefix="mpdocs-") as scratch:
        script = os.path.join(scratch, page.name + ".py")
        with open(script, "w") as f:
            f.write(source)
        try:
            result = subprocess.run([sys.executable, script], cwd=scratch,
                                    env=python_env(), stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, timeout=PYTHON_TIMEOUT)
        except subprocess.TimeoutExpired:
            return "%s: still running after %d s" % (where(page, block.line),
                                                     PYTHON_TIMEOUT)
    if result.returncode == 0:
        return None
    output = result.stdout.decode("utf-8", "replace")
    return "%s: the block fails when run:\n%s" % (where(page, block.line),
                                                  output[-3000:])


@pytest.mark.parametrize("page", PAGES, ids=page_ids(PAGES))
def test_python_blocks(page):
    problems = [python_problem(page, block)
                for block in dx.blocks_alone(page, "python") if not block.not_run]
    report([p for p in problems if p])


# --------------------------------------------------------------------------
# apache blocks outside examples

def config_test(config):
    """(returncode, output) of apache2 -t with `config` in the test server's
    configuration; /var/www is a scratch directory."""
    server = ApacheServer(config=config, mpm=MPM, modules=EXTRA_MODULES)
    try:
        server.mkdir("@ROOT@/www/html")
        return server.config_test()
    finally:
        server.cleanup()


def apache_problem(page, block):
    """A block that is not valid at server level may be meant for a
    <Directory> section or an .htaccess file: it is tried inside one."""
    config = dx.normalise_config(dx.map_root(block.text, "/var/www", "@ROOT@/www"))
    status, output = config_test(config)
    if status == 0:
        return None
    in_directory = '<Directory "@ROOT@/www">\n%s</Directory>\n' % config
    if config_test(in_directory)[0] == 0:
        return None
    return "%s: apache2 -t fails:\n%s" % (where(page, block.line), output.strip())


@pytest.mark.parametrize("page", PAGES, ids=page_ids(PAGES))
def test_apache_blocks(page):
    problems = [apache_problem(page, block)
                for block in dx.blocks_alone(page, "apache") if not block.not_run]
    report([p for p in problems if p])


# --------------------------------------------------------------------------
# markup, and blocks that are not run

def unrun_problems(page):
    problems = [(e.line, e.message) for e in page.errors]
    problems += [(b.line, "fenced block without a language")
                 for b in page.blocks if not b.lang]
    problems += [(b.line, "a %s block needs <!-- not run: REASON --> before it" % b.lang)
                 for b in dx.blocks_alone(page)
                 if b.lang and b.lang not in ("python", "apache") and not b.not_run]
    return ["%s: %s" % (where(page, line), message)
            for line, message in sorted(problems)]


@pytest.mark.parametrize("page", PAGES, ids=page_ids(PAGES))
def test_unrun_blocks_say_why(page):
    report(unrun_problems(page))

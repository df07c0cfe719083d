"""The ``mod_python`` command-line tool (``python -m mod_python``).

Commands: create, genconfig, start, stop, restart, version, module-config
and serve.  Usage errors exit with status 2.
"""

import argparse
import os
import platform
import subprocess
import sys

from mod_python import httpdconf
from mod_python import version as mpversion
from mod_python.installation import SITE_DIR, command_output, module_so
from mod_python.lookup import lookup
PROG = "mod_python"


def cmd_serve(args):
    """`mod_python serve`: see mod_python.serve."""
    from mod_python import serve  # its own module: most of this tool
    return serve.cmd_serve(args)


# ---------------------------------------------------------------- helpers

def _parser(command, usage=None):
    return argparse.ArgumentParser(prog="%s %s" % (PROG, command),
                                   usage=usage)


def _positional(parser, args, what):
    """The single positional argument, or a usage error."""
    if len(args) != 1:
        parser.error("Must specify %s" % what)
    return args[0]


def _python_version():
    text = command_output([mpversion.PYTHON_BIN, "-c",
                           "import sys; print(sys.version)"]).strip()
    return " ".join((text or sys.version).split())


# --------------------------------------------------------- simple commands

def cmd_version(args):
    """`mod_python version`: versions and paths of mod_python, its Python,
    httpd and APR."""
    _parser("version").parse_args(args)
    print("mod_python: %s %s" % (mpversion.version, module_so()))
    print("python: %s %s" % (_python_version(), mpversion.PYTHON_BIN))
    print("httpd: %s %s" % (mpversion.HTTPD_VERSION, mpversion.HTTPD))
    print("apr: %s" % mpversion.APR_VERSION)
    print("platform: %s" % platform.platform())
    return 0


def cmd_module_config(args):
    """`mod_python module-config`: the directives that load this
    mod_python."""
    _parser("module-config").parse_args(args)
    sys.stdout.write(str(httpdconf.module_config()))
    return 0


def cmd_create(args):
    """`mod_python create DIR`: a server skeleton and its httpd_conf.py."""
    parser = _parser("create", "%(prog)s <directory> --pythonhandler=NAME "
                     "[--listen [ip:]port] [--pythonpath a:b] "
                     "[--pythonoption 'key value' ...]")
    parser.add_argument("--listen", default="8888")
    parser.add_argument("--pythonpath", default="")
    parser.add_argument("--pythonhandler")
    parser.add_argument("--pythonoption", action="append", default=[])
    opts, rest = parser.parse_known_args(args)
    directory = _positional(parser, rest, "<directory>")
    if not opts.pythonhandler:
        parser.error("Must specify a --pythonhandler")
    comments = []
    if opts.pythonhandler == "mod_python.wsgi":
        comments.append("PythonOption mod_python.wsgi.base_uri /mountpoint"
                        "  (if the application is not at /)")
    path = httpdconf.write_basic_config(
        directory, listen=opts.listen, pythonhandler=opts.pythonhandler,
        pythonpath=[p for p in opts.pythonpath.split(":") if p],
        pythonoptions=opts.pythonoption, mp_comments=comments)
    if not path:
        return 1
    print(path)
    print("Generate the Apache configuration with:\n  %s genconfig %s > %s"
          % (PROG, path, os.path.join(os.path.dirname(path), "httpd.conf")))
    return 0


def cmd_genconfig(args):
    """`mod_python genconfig SRC`: run SRC with the embedded Python, which
    prints the configuration."""
    parser = _parser("genconfig", "%(prog)s <src>")
    opts, rest = parser.parse_known_args(args)
    src = _positional(parser, rest, "<src>")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [SITE_DIR] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep)
                      if p])
    sys.stdout.flush()
    return subprocess.call([mpversion.PYTHON_BIN, src], env=env)


def _apachectl(command, signal_name):
    def run(args):
        parser = _parser(command, "%(prog)s <httpd.conf>")
        opts, rest = parser.parse_known_args(args)
        conf = os.path.abspath(_positional(parser, rest, "<httpd.conf>"))
        sys.stdout.flush()
        os.execv(mpversion.HTTPD,
                 [mpversion.HTTPD, "-f", conf, "-k", signal_name])
    return run


# ------------------------------------------------------------ dispatching

COMMANDS = {
    "create": cmd_create,
    "genconfig": cmd_genconfig,
    "start": _apachectl("start", "start"),
    "stop": _apachectl("stop", "graceful-stop"),
    "restart": _apachectl("restart", "graceful"),
    "version": cmd_version,
    "module-config": cmd_module_config,
    "serve": cmd_serve,
}

USAGE = """usage: %s <command> [options] [args]

commands:
  create DIR --pythonhandler=NAME   write a server skeleton (httpdconf)
  genconfig SRC                     print the Apache config SRC generates
  start|stop|restart HTTPD_CONF     control Apache running HTTPD_CONF
  version                           versions of mod_python and friends
  module-config                     the lines that load this mod_python
  serve TARGET [--port N] ...       serve a handler file, a directory or
                                    --wsgi module:callable in the foreground

'%s <command> --help' describes a command.""" % (PROG, PROG)


def main(argv=None):
    """Run the command named by argv[0]; the exit status."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    command = lookup(COMMANDS, argv[0])
    if command is None:
        print("%s\n\n%s: error: Invalid command: %s" % (USAGE, PROG, argv[0]),
              file=sys.stderr)
        return 2
    return command(argv[1:])

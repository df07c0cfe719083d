#!/usr/bin/env python3
"""Benchmark: a child's memory.  One Apache child (so that every request
lands in it): its RSS idle, after the first request (mod_python's Python
side loaded), after a request in a second interpreter (what one more
interpreter costs), and its growth over a burst of 20-field form posts
after a warm-up.  Run after `make`:  python3 bench/memory.py --mpm event
"""

import time

import form_post
import wrk_bench

CONFIG = """
<Directory @DOCROOT@>
  Require all granted
  SetHandler mod_python
  PythonHandler form
</Directory>
<Directory @DOCROOT@/other>
  PythonInterpreter second
</Directory>
KeepAlive On
MaxKeepAliveRequests 0
"""

ONE_CHILD = {
    "prefork": "StartServers 1\nMinSpareServers 1\nMaxSpareServers 1\n"
               "ServerLimit 1\nMaxRequestWorkers 1\n",
    "event": "ServerLimit 1\nStartServers 1\nThreadsPerChild 25\n"
             "MaxRequestWorkers 25\nMinSpareThreads 1\nMaxSpareThreads 25\n",
    "worker": "ServerLimit 1\nStartServers 1\nThreadsPerChild 25\n"
              "MaxRequestWorkers 25\nMinSpareThreads 1\nMaxSpareThreads 25\n",
}


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for %d" % pid)


def the_child(srv):
    children = wrk_bench.child_pids(srv.pid)
    if len(children) != 1:
        raise SystemExit("expected one child, found %r" % children)
    return children[0]


def main():
    parser = wrk_bench.arg_parser(__doc__)
    args = parser.parse_args()
    files = {"form.py": form_post.FORM, "other/form.py": form_post.FORM}
    config = CONFIG + ONE_CHILD[args.mpm]
    with wrk_bench.apache(config, files, args.mpm) as srv, \
            wrk_bench.lua_script(form_post.POST_SCRIPT) as script:
        time.sleep(1)
        child = the_child(srv)
        idle = rss_kb(child)
        srv.get("/form.py")
        first = rss_kb(child)
        srv.get("/other/form.py")
        second = rss_kb(child)
        url = "http://127.0.0.1:%d/form.py" % srv.port
        wrk_bench.run_wrk(url, wrk_bench.WARMUP_SECONDS, args, script)
        before = rss_kb(child)
        rate, total, errors = wrk_bench.run_wrk(url, args.seconds, args, script)
        after = rss_kb(child)
        if the_child(srv) != child:
            raise SystemExit("the child was replaced during the burst")
    print("MPM: %s, one child" % args.mpm)
    print("idle child RSS:                      %7.1f MB" % (idle / 1024))
    print("after the first request:             %7.1f MB" % (first / 1024))
    print("one more interpreter costs:          %7.1f MB" % ((second - first) / 1024))
    print("%d s of form POSTs, after %d s warm-up: %+7.1f MB (%+.1f MB with the "
          "warm-up; %.0f req/s, %d non-2xx)"
          % (args.seconds, wrk_bench.WARMUP_SECONDS, (after - before) / 1024,
             (after - second) / 1024, rate, errors))


if __name__ == "__main__":
    main()

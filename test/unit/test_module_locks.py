"""mod_python.module_locks: a lock per module name that waits, and does
not wait when waiting would deadlock."""

import threading
import time

from mod_python import importer, module_locks
from mod_python.module_locks import module_lock


def in_thread(func):
    box = {}
    def run():
        box["value"] = func()
    thread = threading.Thread(target=run)
    thread.start()
    def result():
        thread.join(10)
        assert not thread.is_alive()
        return box["value"]
    return result


def wait_until(predicate):
    deadline = time.time() + 5
    while not predicate():
        assert time.time() < deadline
        time.sleep(0.005)


def test_a_second_thread_waits_for_the_holder():
    order = []
    held, release = threading.Event(), threading.Event()
    def hold():
        with module_lock("mpunit_wait") as got:
            held.set()
            release.wait(5)
            order.append("holder done")
        return got
    holder = in_thread(hold)
    held.wait(5)
    def ask():
        with module_lock("mpunit_wait") as got:
            order.append("waiter in")
        return got
    waiter = in_thread(ask)
    wait_until(lambda: "mpunit_wait" in module_locks._waiting.values())
    release.set()
    assert holder() is True and waiter() is True
    assert order == ["holder done", "waiter in"]
    assert not module_locks._owners and not module_locks._waiting


def test_the_lock_is_reentrant():
    with module_lock("mpunit_again") as outer:
        with module_lock("mpunit_again") as inner:
            assert outer and inner
        assert module_locks._owners["mpunit_again"][1] == 1
    assert "mpunit_again" not in module_locks._owners


def test_two_threads_that_would_wait_for_each_other_do_not(fake_apache):
    # A holds X and waits for Y; this thread holds Y and asks for X: it
    # goes on without X at once (and logs it), and A then gets Y
    a_holds_x = threading.Event()
    def a():
        with module_lock("mpunit_x"):
            a_holds_x.set()
            with module_lock("mpunit_y") as got_y:
                return got_y
    with module_lock("mpunit_y"):
        thread_a = in_thread(a)
        a_holds_x.wait(5)
        wait_until(lambda: "mpunit_y" in module_locks._waiting.values())
        started = time.time()
        with importer._module_lock("mpunit_x"):
            assert time.time() - started < 1
        assert module_locks._owners["mpunit_x"][0] != threading.get_ident()
    assert thread_a() is True
    assert "module 'mpunit_x' is being loaded by another thread, which waits " \
        "for this one or took too long" in fake_apache.logged[-1][0]
    assert not module_locks._owners and not module_locks._waiting


def test_a_cycle_through_three_threads_is_found():
    # A holds 1 and waits for 2; B holds 2 and waits for 3; C holds 3 and
    # asks for 1
    got = {}
    steps = {name: threading.Event() for name in "AB"}
    def holder(name, mine, wanted):
        def run():
            with module_lock(mine):
                steps[name].set()
                with module_lock(wanted) as held:
                    got[name] = held
        return run
    with module_lock("mpunit_3"):
        b = in_thread(holder("B", "mpunit_2", "mpunit_3"))
        steps["B"].wait(5)
        a = in_thread(holder("A", "mpunit_1", "mpunit_2"))
        steps["A"].wait(5)
        wait_until(lambda: len(module_locks._waiting) == 2)
        with module_lock("mpunit_1") as held:
            assert held is False
    a(), b()
    assert got == {"A": True, "B": True}


def test_a_wait_the_tables_cannot_explain_ends(monkeypatch):
    # a cycle through importlib's own locks is invisible here: the wait
    # ends after WAIT_LIMIT
    monkeypatch.setattr(module_locks, "WAIT_LIMIT", 0.2)
    held, release = threading.Event(), threading.Event()
    def hold():
        with module_lock("mpunit_long") as got:
            held.set()
            release.wait(5)
        return got
    holder = in_thread(hold)
    held.wait(5)
    started = time.time()
    with module_lock("mpunit_long") as got:
        waited = time.time() - started
    release.set()
    assert holder() is True and got is False
    assert 0.15 < waited < 2
    assert not module_locks._owners and not module_locks._waiting

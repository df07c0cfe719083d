/* The gate between started threads and Apache's records (thread_gate.h).
 *
 * A started thread counts itself inside before it looks at `open`, and
 * the closing thread clears `open` before it looks at the count: with
 * APR's atomics (full barriers) one of them sees the other, so a thread
 * is either refused or waited for. */
#include "thread_gate.h"
#include "interpreters.h"

enum { REFUSED, COUNTED, APACHE_THREAD };

/* Threads that Apache runs our code in have a current interpreter;
 * threads Python code started have none. */
static int started_by_python(void)
{
    return mp_interp_current() == NULL;
}

static void refuse(const char *what)
{
    PyErr_Format(PyExc_RuntimeError,
                 "%s used by a thread after the handler that runs it returned "
                 "(join such threads before returning)", what);
}

void mp_gate_open(mp_gate *gate)
{
    apr_atomic_set32(&gate->open, 1);
}

void mp_gate_close(mp_gate *gate)
{
    apr_interval_time_t pause = 100;
    apr_atomic_xchg32(&gate->open, 0);
    if (!apr_atomic_read32(&gate->inside))
        return;
    MP_BEGIN_ALLOW_THREADS
    while (apr_atomic_read32(&gate->inside)) {
        apr_sleep(pause);
        if (pause < 10000)
            pause *= 2;
    }
    MP_END_ALLOW_THREADS
}

int mp_gate_allows(const mp_gate *gate, const char *what)
{
    if (started_by_python() && !apr_atomic_read32((volatile apr_uint32_t *)&gate->open)) {
        refuse(what);
        return 0;
    }
    return 1;
}

int mp_gate_enter(mp_gate *gate, const char *what)
{
    if (!started_by_python())
        return APACHE_THREAD;
    apr_atomic_inc32(&gate->inside);
    if (apr_atomic_read32(&gate->open))
        return COUNTED;
    apr_atomic_dec32(&gate->inside);
    refuse(what);
    return REFUSED;
}

void mp_gate_leave(mp_gate *gate, int token)
{
    if (token == COUNTED)
        apr_atomic_dec32(&gate->inside);
}

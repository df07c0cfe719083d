/* The gate between other threads and Apache's records (thread_gate.h).
 *
 * A counted thread counts itself inside before it looks at `open`, and
 * the closing thread clears `open` before it looks at the count: with
 * APR's atomics (full barriers) one of them sees the other, so a thread
 * is either refused or waited for. */
#include "thread_gate.h"
#include "interpreters.h"
#include "io_lock.h"

enum { REFUSED, COUNTED, SERVING };

static __thread conn_rec *serving;

conn_rec *mp_serving_swap(conn_rec *c)
{
    conn_rec *before = serving;
    serving = c;
    return before;
}

conn_rec *mp_serving(void)
{
    return serving;
}

int mp_gate_serving(const mp_gate *gate)
{
    return serving && serving == gate->conn;
}

static void refuse(const char *what)
{
    PyErr_Format(PyExc_RuntimeError,
                 "%s used by another thread while its handler is not running "
                 "(threads must be done before their handler returns)", what);
}

void mp_gate_init(mp_gate *gate, conn_rec *c)
{
    gate->open = gate->inside = 0;
    gate->conn = c;
}

void mp_gate_open(mp_gate *gate)
{
    if (!mp_io_held_here(gate->conn))
        apr_atomic_set32(&gate->open, MP_GATE_OPEN);
}

/* Sets the gate to `state`, then waits until no counted thread is inside. */
static void shut(mp_gate *gate, apr_uint32_t state)
{
    apr_interval_time_t pause = 100;
    apr_atomic_xchg32(&gate->open, state);
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

void mp_gate_close(mp_gate *gate)
{
    shut(gate, MP_GATE_CLOSED);
}

void mp_gate_narrow(mp_gate *gate)
{
    if (apr_atomic_read32(&gate->open) == MP_GATE_OPEN)
        shut(gate, MP_GATE_READING);
}

int mp_gate_allows(const mp_gate *gate, const char *what)
{
    if (!mp_gate_serving(gate)
            && apr_atomic_read32((volatile apr_uint32_t *)&gate->open) == MP_GATE_CLOSED) {
        refuse(what);
        return 0;
    }
    return 1;
}

int mp_gate_enter(mp_gate *gate, const char *what)
{
    if (mp_gate_serving(gate))
        return mp_io_enter(gate->conn, -1) ? SERVING : REFUSED;
    apr_atomic_inc32(&gate->inside);
    if (apr_atomic_read32(&gate->open) != MP_GATE_OPEN) {
        apr_atomic_dec32(&gate->inside);
        refuse(what);
        return REFUSED;
    }
    if (!mp_io_enter(gate->conn, gate->conn->base_server->timeout)) {
        apr_atomic_dec32(&gate->inside);
        return REFUSED;
    }
    return COUNTED;
}

void mp_gate_leave(mp_gate *gate, int token)
{
    mp_io_leave(gate->conn);
    if (token == COUNTED)
        apr_atomic_dec32(&gate->inside);
}

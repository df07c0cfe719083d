/* When threads that Python code started may use a request or connection.
 *
 * A handler may start threads that use its req (a connection handler,
 * its conn) while it runs.  Once it returns, Apache goes on with the
 * request in its own thread: it ends the response, then frees the
 * request's pool.  A thread still writing then would run the
 * connection's filters beside Apache, and crash the child.  So each
 * object has a gate, open while Apache runs Python code with it.  Closing
 * it waits for the threads inside Apache through the object to come out;
 * calls from threads after that raise RuntimeError.  The thread Apache
 * runs the handler in is never stopped by a gate. */
#ifndef MP_THREAD_GATE_H
#define MP_THREAD_GATE_H

#include "mod_python.h"
#include "apr_atomic.h"

typedef struct {
    volatile apr_uint32_t open;    /* Apache runs Python code with the object */
    volatile apr_uint32_t inside;  /* started threads now in Apache through it */
} mp_gate;

/* Opened by the Apache thread as a handler starts. */
void mp_gate_open(mp_gate *gate);

/* Closed by the Apache thread as the handler returns: waits, without
 * the GIL, until no started thread is inside Apache through the object. */
void mp_gate_close(mp_gate *gate);

/* Whether the calling thread may use the object now; RuntimeError set
 * when not.  `what` names the object in the message. */
int mp_gate_allows(const mp_gate *gate, const char *what);

/* Around a call into Apache without the GIL: mp_gate_enter returns 0
 * (RuntimeError set) when the caller may not, else a token to hand to
 * mp_gate_leave. */
int mp_gate_enter(mp_gate *gate, const char *what);
void mp_gate_leave(mp_gate *gate, int token);

#endif

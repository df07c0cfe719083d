/* Which threads may use a request or connection object, and when.
 *
 * Apache runs our code for a connection in one thread at a time: that
 * thread serves the connection (mp_serving_swap(), set around each call
 * into Python).  Any other thread, one a handler started or one serving
 * another request, may use the object's request or connection only while
 * a handler runs with it: once it returns, Apache goes on with the
 * request in its own thread (it ends the response, then frees the
 * request's pool), and a thread still writing then would run the
 * connection's filters beside Apache and crash the child.  So each object
 * has a gate, open while a handler runs with it.  Closing it waits for
 * the other threads inside Apache through the object to come out; their
 * calls after that raise RuntimeError.
 *
 * Passing the gate into Apache also takes the connection's I/O lock
 * (io_lock.h), which another thread waits for at most the server's
 * Timeout: a handler that waits for a thread that waits for the lock
 * held around that handler (a filter's, a subrequest's) then gets an
 * error instead of hanging. */
#ifndef MP_THREAD_GATE_H
#define MP_THREAD_GATE_H

#include "mod_python.h"
#include "apr_atomic.h"

enum { MP_GATE_CLOSED, MP_GATE_READING, MP_GATE_OPEN };

typedef struct {
    volatile apr_uint32_t open;    /* MP_GATE_OPEN: a handler runs with it */
    volatile apr_uint32_t inside;  /* other threads now in Apache through it */
    conn_rec *conn;                /* the connection of the object */
} mp_gate;

/* Makes the calling thread the one serving c (NULL: none); returns the
 * connection it served before, to give back after. */
conn_rec *mp_serving_swap(conn_rec *c);

/* The connection the calling thread serves, or NULL. */
conn_rec *mp_serving(void);

/* Whether the calling thread serves the connection of the gate. */
int mp_gate_serving(const mp_gate *gate);

void mp_gate_init(mp_gate *gate, conn_rec *c);

/* Opened by the serving thread as a handler starts (unless that thread
 * holds the connection's lock: a thread could not get it before the
 * handler returns). */
void mp_gate_open(mp_gate *gate);

/* Closed by the serving thread as the handler returns: waits, without
 * the GIL, until no other thread is inside Apache through the object. */
void mp_gate_close(mp_gate *gate);

/* The same, but other threads may still read the object's attributes
 * (not use its tables, nor call its methods), until the handler returns:
 * the serving thread is about to run Apache without the lock for a
 * handler that goes on after (internal_redirect). */
void mp_gate_narrow(mp_gate *gate);

/* Whether the calling thread may use the object now; RuntimeError set
 * when not.  `what` names the object in the message. */
int mp_gate_allows(const mp_gate *gate, const char *what);

/* Around a call into Apache through the object: counts another thread
 * in and takes the connection's lock.  mp_gate_enter returns 0
 * (RuntimeError set) when the caller may not, else a token to hand to
 * mp_gate_leave. */
int mp_gate_enter(mp_gate *gate, const char *what);
void mp_gate_leave(mp_gate *gate, int token);

#endif

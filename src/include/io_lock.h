/* One thread at a time in Apache's records of a connection.
 *
 * Threads that a handler starts may call req.write(), req.read() and the
 * like at the same time.  Those methods let the GIL go (and, in the
 * free-threaded build, the object's critical section) while Apache sends
 * or reads, so without this lock two threads would run the connection's
 * filters and use its bucket allocator together, or one would change the
 * request's headers (and allocate from its pool) while the other's
 * filters read them, which Apache does not allow: the child crashes.  So
 * the methods of requests and connections, and their tables, hold it
 * from start to end (through thread_gate.h).  It is nested, because a
 * Python filter that runs inside a write may write, and it is waited for
 * without the GIL, so a thread holding it can always get the GIL (for a
 * filter). */
#ifndef MP_IO_LOCK_H
#define MP_IO_LOCK_H

#include "interpreters.h"

/* Makes c's lock if it has none: with a request's context (context.c),
 * under the lock that makes contexts one at a time, or before a
 * connection handler runs (nothing else uses c then).  Request and
 * connection objects are made after, so their methods find it made. */
void mp_io_lock_make(conn_rec *c);

/* Holds c's lock, with the GIL: taken at once when free, else waited for
 * without the GIL, at most `limit` (no limit when negative); 0 with
 * RuntimeError set when that ran out.  Pairs with mp_io_leave(). */
int mp_io_enter(conn_rec *c, apr_interval_time_t limit);
void mp_io_leave(conn_rec *c);

/* Whether the calling thread holds c's lock. */
int mp_io_held_here(conn_rec *c);

#endif

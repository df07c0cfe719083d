/* One thread at a time in Apache's input and output of a connection.
 *
 * Threads that a handler starts may call req.write(), req.read() and the
 * like at the same time.  Those methods let the GIL go (and, in the
 * free-threaded build, the object's critical section) while Apache sends
 * or reads, so without this lock two threads would run the connection's
 * filters and use its bucket allocator together, which Apache does not
 * allow: the child crashes.  The lock is nested, because a Python filter
 * that runs inside a write may write, and it is waited for without the
 * GIL, so a thread holding it can always get the GIL (for a filter). */
#ifndef MP_IO_LOCK_H
#define MP_IO_LOCK_H

#include "interpreters.h"

/* Makes c's lock if it has none: with a request's context (context.c),
 * under the lock that makes contexts one at a time, or before a
 * connection handler runs (nothing else uses c then).  Request and
 * connection objects are made after, so their methods find it made. */
void mp_io_lock_make(conn_rec *c);

/* The lock of c (NULL if it could not be made). */
apr_thread_mutex_t *mp_io_lock(conn_rec *c);

/* Holds c's lock over an operation of several steps (a readline that
 * reads several blocks), with the GIL: taken at once when free, else
 * waited for without the GIL.  Pairs with mp_io_leave(). */
void mp_io_enter(conn_rec *c);
void mp_io_leave(conn_rec *c);

/* MP_BEGIN_ALLOW_THREADS / MP_END_ALLOW_THREADS holding c's lock. */
#define MP_BEGIN_IO(c) \
    { apr_thread_mutex_t *mp_io_ = mp_io_lock(c); \
      MP_BEGIN_ALLOW_THREADS \
      if (mp_io_) apr_thread_mutex_lock(mp_io_);
#define MP_END_IO() \
      if (mp_io_) apr_thread_mutex_unlock(mp_io_); \
      MP_END_ALLOW_THREADS }

#endif

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

/* Made in the child, before any request. */
void mp_io_lock_child_init(apr_pool_t *pchild);

/* The lock of c, made on first use (NULL if it could not be). */
apr_thread_mutex_t *mp_io_lock(conn_rec *c);

/* MP_BEGIN_ALLOW_THREADS / MP_END_ALLOW_THREADS holding c's lock. */
#define MP_BEGIN_IO(c) \
    { apr_thread_mutex_t *mp_io_ = mp_io_lock(c); \
      MP_BEGIN_ALLOW_THREADS \
      if (mp_io_) apr_thread_mutex_lock(mp_io_);
#define MP_END_IO() \
      if (mp_io_) apr_thread_mutex_unlock(mp_io_); \
      MP_END_ALLOW_THREADS }

#endif

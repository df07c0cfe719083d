/* The per-connection lock of Apache's records (io_lock.h). */
#include "io_lock.h"
#include "mod_python.h"

typedef struct {
    apr_thread_mutex_t *mutex;      /* nested, timed */
    volatile apr_os_thread_t owner; /* meaningful while depth > 0 */
    volatile int depth;             /* changed by the owner only */
} io_lock;

static io_lock *lock_of(conn_rec *c)
{
    return ap_get_module_config(c->conn_config, &python_module);
}

void mp_io_lock_make(conn_rec *c)
{
    io_lock *lock;
    if (lock_of(c))
        return;
    lock = apr_pcalloc(c->pool, sizeof(*lock));
    if (apr_thread_mutex_create(&lock->mutex,
                                APR_THREAD_MUTEX_NESTED | APR_THREAD_MUTEX_TIMED,
                                c->pool) == APR_SUCCESS)
        ap_set_module_config(c->conn_config, &python_module, lock);
}

static int mine(const io_lock *lock)
{
    return lock->depth > 0 && apr_os_thread_equal(lock->owner, apr_os_thread_current());
}

int mp_io_held_here(conn_rec *c)
{
    io_lock *lock = lock_of(c);
    return lock && mine(lock);
}

/* The owner is written before the depth that makes it meaningful, and
 * read after it (volatile: in that order), so a thread never takes
 * another's first taking for its own. */
static void taken(io_lock *lock)
{
    if (!lock->depth)
        lock->owner = apr_os_thread_current();
    lock->depth++;
}

int mp_io_enter(conn_rec *c, apr_interval_time_t limit)
{
    io_lock *lock = lock_of(c);
    apr_status_t rc;
    if (!lock)
        return 1;
    if (apr_thread_mutex_trylock(lock->mutex) == APR_SUCCESS) {
        taken(lock);
        return 1;
    }
    MP_BEGIN_ALLOW_THREADS
    rc = limit < 0 ? apr_thread_mutex_lock(lock->mutex)
                   : apr_thread_mutex_timedlock(lock->mutex, limit);
    MP_END_ALLOW_THREADS
    if (rc != APR_SUCCESS) {
        PyErr_Format(PyExc_RuntimeError, "waited %" APR_TIME_T_FMT " s for another "
                     "thread using the connection; giving up", apr_time_sec(limit));
        return 0;
    }
    taken(lock);
    return 1;
}

void mp_io_leave(conn_rec *c)
{
    io_lock *lock = lock_of(c);
    if (!lock)
        return;
    --lock->depth;
    apr_thread_mutex_unlock(lock->mutex);
}

/* The per-connection lock of Apache's input and output (io_lock.h). */
#include "io_lock.h"
#include "mod_python.h"

void mp_io_lock_make(conn_rec *c)
{
    apr_thread_mutex_t *lock;
    if (!mp_io_lock(c) && apr_thread_mutex_create(&lock, APR_THREAD_MUTEX_NESTED,
                                                  c->pool) == APR_SUCCESS)
        ap_set_module_config(c->conn_config, &python_module, lock);
}

apr_thread_mutex_t *mp_io_lock(conn_rec *c)
{
    return ap_get_module_config(c->conn_config, &python_module);
}

void mp_io_enter(conn_rec *c)
{
    apr_thread_mutex_t *lock = mp_io_lock(c);
    if (!lock || apr_thread_mutex_trylock(lock) == APR_SUCCESS)
        return;
    MP_BEGIN_ALLOW_THREADS
    apr_thread_mutex_lock(lock);
    MP_END_ALLOW_THREADS
}

void mp_io_leave(conn_rec *c)
{
    apr_thread_mutex_t *lock = mp_io_lock(c);
    if (lock)
        apr_thread_mutex_unlock(lock);
}

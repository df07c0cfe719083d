/* The per-connection lock of Apache's input and output (io_lock.h). */
#include "io_lock.h"
#include "mod_python.h"

/* Guards the making of a connection's lock: two threads may be first. */
static apr_thread_mutex_t *making;

void mp_io_lock_child_init(apr_pool_t *pchild)
{
    apr_thread_mutex_create(&making, APR_THREAD_MUTEX_DEFAULT, pchild);
}

apr_thread_mutex_t *mp_io_lock(conn_rec *c)
{
    apr_thread_mutex_t *lock = ap_get_module_config(c->conn_config, &python_module);
    if (lock || !making)
        return lock;
    apr_thread_mutex_lock(making);
    lock = ap_get_module_config(c->conn_config, &python_module);
    if (!lock && apr_thread_mutex_create(&lock, APR_THREAD_MUTEX_NESTED,
                                         c->pool) == APR_SUCCESS)
        ap_set_module_config(c->conn_config, &python_module, lock);
    apr_thread_mutex_unlock(making);
    return lock;
}

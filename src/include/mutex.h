/* Cross-process, cross-thread locks for sessions and caches. */
#ifndef MP_MUTEX_H
#define MP_MUTEX_H

#include "mod_python.h"

/* Parent, after each configuration load: creates the mutexes. */
int mp_mutexes_create(apr_pool_t *pconf, server_rec *s);

/* Child start: attaches to them. */
void mp_mutexes_child_init(apr_pool_t *pchild);

/* _apache._global_lock / _global_trylock / _global_unlock */
PyObject *mp_global_lock(PyObject *module, PyObject *args);
PyObject *mp_global_trylock(PyObject *module, PyObject *args);
PyObject *mp_global_unlock(PyObject *module, PyObject *args);
PyObject *mp_global_lock_index(PyObject *module, PyObject *key);

#endif

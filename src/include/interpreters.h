/* Python start-up in the child, named sub-interpreters, thread states. */
#ifndef MP_INTERPRETERS_H
#define MP_INTERPRETERS_H

#include "mod_python.h"
#include "config.h"
#include "apr_thread_proc.h"

typedef struct mp_interp {
    const char *name;
    PyInterpreterState *state;
    PyThreadState *first_state;   /* made with the interpreter: never deleted */
    int creating;                 /* being made (interps_lock guards this) */
    int own_gil;                  /* made with a GIL of its own (3.12+) */
    int gil_mismatch_logged;      /* asked for the other kind once (interps_lock) */
    PyObject *apache_module;      /* its _apache, and that module's state: */
    const struct mp_types *types; /* the types of our objects in it */
    PyObject *callback;           /* apache.init() result, NULL if broken */
    PyObject *handler_dispatch;   /* callback.HandlerDispatch, and so on: */
    PyObject *filter_dispatch;    /* bound once, called per request */
    PyObject *include_dispatch;
    PyObject *connection_dispatch;
    apr_hash_t *servers;          /* server_rec * -> mp_server object */
#ifdef Py_GIL_DISABLED
    PyMutex cache_lock;           /* no GIL: the threads take turns on servers */
#endif
    PyObject *child_cleanups;     /* [(callable, data, server)] for child exit */
} mp_interp;

#ifdef Py_GIL_DISABLED
#define MP_INTERP_CACHE_LOCK(in) PyMutex_Lock(&(in)->cache_lock)
#define MP_INTERP_CACHE_UNLOCK(in) PyMutex_Unlock(&(in)->cache_lock)
#else
#define MP_INTERP_CACHE_LOCK(in) ((void)0)
#define MP_INTERP_CACHE_UNLOCK(in) ((void)0)
#endif

/* Starts Python in this child (child_init). */
void mp_python_start(apr_pool_t *pchild, server_rec *s);

/* Makes the named interpreter current on this thread, creating it on
 * first use with the GIL `gil` asks for (MP_GIL_ANY: shared); returns
 * with its GIL held, or NULL (logged) on failure.  Must not be called
 * with a GIL held. */
mp_interp *mp_interp_acquire(const char *name, int gil);

/* Releases the GIL taken by mp_interp_acquire. */
void mp_interp_release(mp_interp *interp);

/* The interpreter whose GIL this thread holds (NULL outside Python). */
mp_interp *mp_interp_current(void);

/* The interpreter of the running Python code (GIL held), also on threads
 * Python code started itself, where mp_interp_current() is NULL. */
mp_interp *mp_interp_running(void);

/* Forgets/restores which interpreter this thread is in, around a
 * stretch without the GIL (see MP_BEGIN_ALLOW_THREADS). */
mp_interp *mp_interp_suspend(void);
void mp_interp_resume(mp_interp *interp);

/* Py_BEGIN/END_ALLOW_THREADS that also keep mp_interp_current() true to
 * "holds the GIL", so a call from Apache back into Python is told apart
 * from one that would deadlock. */
#define MP_BEGIN_ALLOW_THREADS \
    { mp_interp *mp_suspended_ = mp_interp_suspend(); Py_BEGIN_ALLOW_THREADS
#define MP_END_ALLOW_THREADS \
    Py_END_ALLOW_THREADS mp_interp_resume(mp_suspended_); }

#endif

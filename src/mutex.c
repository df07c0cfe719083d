/* Cross-process, cross-thread locks for sessions and caches.
 *
 * A fixed set of APR global mutexes, made in the parent at the first
 * configuration load and kept in the process pool for the life of the
 * server: a graceful restart keeps them, so the children of the old
 * generation that are still serving go on using the very locks the new
 * generation uses (made per load, they were removed under the old
 * children, and two generations did not exclude each other).  Keys are
 * spread over mutexes 1..n-1 by a hash that is the same in every process
 * (Python's str hash is salted per process); mutex 0 is kept for dbm
 * files. */
#include "mutex.h"
#include "apachemodule.h"
#include "interpreters.h"
#include "config.h"
#include "server.h"
#include "ap_mpm.h"
#include "apr_global_mutex.h"
#include "unixd.h"

#define DEFAULT_LOCKS 8
#define DEFAULT_DIRECTORY "/tmp"

/* A session lock taken while handling a request is released when the
 * request's pool goes, which under the event MPM can happen on another
 * thread.  Process-shared pthread mutexes refuse an unlock from a thread
 * that does not own them; System V semaphores have no owner, and their
 * SEM_UNDO still frees the lock of a child that dies holding it. */
#if APR_HAS_SYSVSEM_SERIALIZE
#define LOCK_MECHANISM APR_LOCK_SYSVSEM
#else
#define LOCK_MECHANISM APR_LOCK_DEFAULT
#endif

/* The set of mutexes; it lives in the process pool, found again after a
 * restart (which unloads and reloads this module) under SET_KEY. */
typedef struct {
    int count;
    apr_global_mutex_t **mutexes;
    const char **files;
} mutex_set;

static const char SET_KEY[] = "mod_python.global_mutexes";
static apr_global_mutex_t **mutexes;
static const char **lock_files;
static int nlocks;

/* How many concurrent clients the MPM allows: more mutexes are useless. */
static int max_clients(int *procs, int *threads)
{
    *procs = *threads = 1;
    ap_mpm_query(AP_MPMQ_MAX_DAEMONS, procs);
    ap_mpm_query(AP_MPMQ_MAX_THREADS, threads);
    if (*procs < 1)
        *procs = 1;
    if (*threads < 1)
        *threads = 1;
    return *procs * *threads;
}

/* Started as root with a User, the children run as that user and the
 * mutexes must be theirs; without one (uid -1), they stay the parent's. */
static int children_change_user(void)
{
    return geteuid() == 0 && ap_unixd_config.user_id != (uid_t)-1;
}

static void use_set(const mutex_set *set)
{
    mutexes = set->mutexes;
    lock_files = set->files;
    nlocks = set->count;
}

/* Makes `count` mutexes in pool p; the set, or NULL (logged). */
static mutex_set *make_set(apr_pool_t *p, server_rec *s, int count,
                           const char *dir)
{
    mutex_set *set = apr_pcalloc(p, sizeof(*set));
    int i;

    set->mutexes = apr_pcalloc(p, count * sizeof(*set->mutexes));
    set->files = apr_pcalloc(p, count * sizeof(*set->files));
    for (i = 0; i < count; i++) {
        apr_status_t rc;
        set->files[i] = apr_psprintf(p, "%s/mpmtx%d%d", dir, (int)getpid(), i);
        rc = apr_global_mutex_create(&set->mutexes[i], set->files[i],
                                     LOCK_MECHANISM, p);
        if (rc == APR_SUCCESS && children_change_user())
            rc = ap_unixd_set_global_mutex_perms(set->mutexes[i]);
        if (rc != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rc, s,
                         "mod_python: cannot create global mutex %d (%s); "
                         "check PythonOption mod_python.mutex_directory",
                         i, set->files[i]);
            return NULL;
        }
    }
    set->count = count;
    return set;
}

int mp_mutexes_create(apr_pool_t *pconf, server_rec *s)
{
    const apr_table_t *options = mp_server_config_of(s)->options;
    const char *dir = apr_table_get(options, "mod_python.mutex_directory");
    const char *wanted = apr_table_get(options, "mod_python.mutex_locks");
    int procs, threads, limit = max_clients(&procs, &threads), count;
    void *kept = NULL;

    apr_pool_userdata_get(&kept, SET_KEY, s->process->pool);
    if (kept) {
        use_set(kept);
        return OK;
    }
    count = wanted && *wanted ? atoi(wanted) : DEFAULT_LOCKS;
    if (count > limit)
        count = limit;
    if (count < 1)
        count = 1;
    dir = dir && *dir ? dir : DEFAULT_DIRECTORY;
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                 "mod_python: Creating %d session mutexes based on %d max processes "
                 "and %d max threads.", count, procs, threads);
    if (!(kept = make_set(s->process->pool, s, count, dir)))
        return HTTP_INTERNAL_SERVER_ERROR;
    apr_pool_userdata_set(kept, SET_KEY, apr_pool_cleanup_null, s->process->pool);
    use_set(kept);
    return OK;
}

void mp_mutexes_child_init(apr_pool_t *pchild)
{
    int i;
    for (i = 0; i < nlocks; i++)
        apr_global_mutex_child_init(&mutexes[i], lock_files[i], pchild);
}

/* ---------------------------------------------------------------------
 * The Python side
 */

/* FNV-1a over the UTF-8 of str(key): the same in every process. */
static int index_for_key(PyObject *key)
{
    PyObject *text = PyObject_Str(key);
    const char *s = text ? PyUnicode_AsUTF8(text) : NULL;
    apr_uint32_t h = 2166136261u;
    if (!s) {
        Py_XDECREF(text);
        return -1;
    }
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    Py_DECREF(text);
    return nlocks > 1 ? (int)(h % (apr_uint32_t)(nlocks - 1)) + 1 : 0;
}

/* The mutex _global_*(server, key, index=-1) asks for, or NULL (raised). */
static apr_global_mutex_t *chosen(PyObject *args)
{
    PyObject *server, *key;
    int index = -1;
    if (!PyArg_ParseTuple(args, "OO|i", &server, &key, &index))
        return NULL;
    if (!PyObject_TypeCheck(server, mp_types_running()->server)) {
        PyErr_SetString(PyExc_TypeError, "First argument must be a server object");
        return NULL;
    }
    if (index == -1 && (index = index_for_key(key)) < 0)
        return NULL;
    if (index < 0 || index >= nlocks) {
        PyErr_SetString(PyExc_ValueError,
                        "Lock index is out of range for number of global mutex locks");
        return NULL;
    }
    return mutexes[index];
}

/* _global_lock_index(key): the mutex index=-1 picks for key, so callers
 * can tell which of their keys share a mutex. */
PyObject *mp_global_lock_index(PyObject *module, PyObject *key)
{
    int index = index_for_key(key);
    return index < 0 ? NULL : PyLong_FromLong(index);
}

PyObject *mp_global_lock(PyObject *module, PyObject *args)
{
    apr_global_mutex_t *m = chosen(args);
    apr_status_t rc;
    if (!m)
        return NULL;
    /* A free mutex is taken without giving up the GIL: getting the GIL
     * back from the other threads of a threaded child costs far more than
     * the lock itself.  Only a busy one is waited for without the GIL. */
    rc = apr_global_mutex_trylock(m);
    if (rc != APR_SUCCESS) {            /* busy (or no trylock): wait */
        MP_BEGIN_ALLOW_THREADS
        rc = apr_global_mutex_lock(m);
        MP_END_ALLOW_THREADS
    }
    if (rc != APR_SUCCESS)
        return PyErr_Format(PyExc_ValueError, "Failed to acquire global mutex lock (%d)", rc);
    Py_RETURN_NONE;
}

PyObject *mp_global_trylock(PyObject *module, PyObject *args)
{
    apr_global_mutex_t *m = chosen(args);
    apr_status_t rc;
    if (!m)
        return NULL;
    rc = apr_global_mutex_trylock(m);
    if (rc == APR_SUCCESS)
        Py_RETURN_TRUE;
    if (APR_STATUS_IS_EBUSY(rc))
        Py_RETURN_FALSE;
    return PyErr_Format(PyExc_ValueError, "Failed to acquire global mutex lock (%d)", rc);
}

PyObject *mp_global_unlock(PyObject *module, PyObject *args)
{
    apr_global_mutex_t *m = chosen(args);
    if (!m)
        return NULL;
    if (apr_global_mutex_unlock(m) != APR_SUCCESS)
        return PyErr_Format(PyExc_ValueError, "Failed to release global mutex lock");
    Py_RETURN_NONE;
}

/* Python start-up in the child, named sub-interpreters, thread states.
 *
 * Apache's parent never runs Python: each child starts it in child_init,
 * so graceful restarts never see a half-initialised interpreter.  Every
 * (thread, interpreter) pair gets its own PyThreadState, created on first
 * use and released when the thread ends.
 *
 * Lock order.  Two locks matter: interps_lock (the table of interpreters)
 * and the GIL.  interps_lock is held only to look up or add a record, by
 * threads that do not hold the GIL, and nothing is waited for while it is
 * held but interp_made (which releases it); an interpreter is made with
 * the GIL outside interps_lock.  Code that holds the GIL (Python code, on
 * any thread, including threads Python started itself) finds its
 * interpreter's record through the interpreter's own dict
 * (mp_interp_running), never through the table. */
#include "interpreters.h"
#include "config.h"
#include "server.h"
#include "apachemodule.h"
#include "errors.h"
#include "apr_thread_mutex.h"
#include "apr_thread_cond.h"
#include <pwd.h>
#include <unistd.h>

static apr_pool_t *interp_pool;         /* the child's, used at start and exit */
static apr_pool_t *table_pool;          /* the table and its records */
static apr_thread_cond_t *interp_made;  /* signalled when creating ends */
static apr_hash_t *interps;             /* name -> mp_interp */
static apr_thread_mutex_t *interps_lock;
static mp_interp *main_interp;
static server_rec *main_server;
static apr_threadkey_t *current_key;    /* this thread's current mp_interp */
static apr_threadkey_t *states_key;     /* this thread's thread_states */

/* The thread states one thread has made, by interpreter.  A thread
 * meets few interpreters, so a small array searched in order will do;
 * one pthread key per interpreter would run out of keys. */
typedef struct {
    int count, size;
    struct { mp_interp *interp; PyThreadState *state; } *items;
} thread_states;

static PyStatus configure(PyConfig *config, const mp_server_config *sconf)
{
    static char *argv[] = { "mod_python" };
    PyStatus status;

    PyConfig_InitIsolatedConfig(config);
    config->install_signal_handlers = 0;    /* signals belong to Apache */
    config->parse_argv = 0;
    config->optimization_level = MP_FLAG(sconf->optimize, 0) ? 2 : 0;
    status = PyConfig_SetBytesString(config, &config->home, MP_PYTHON_HOME);
    if (PyStatus_Exception(status))
        return status;
    status = PyConfig_SetBytesString(config, &config->program_name, MP_PYTHON_BIN);
    if (PyStatus_Exception(status))
        return status;
    return PyConfig_SetBytesArgv(config, 1, argv);
}

/* The first directory on the way to path that this process cannot enter,
 * or path itself if it cannot read it; NULL when it can. */
static const char *blocked_on_the_way(apr_pool_t *p, const char *path)
{
    char *prefix = apr_pstrdup(p, path), *slash = prefix;

    while ((slash = strchr(slash + 1, '/'))) {
        *slash = '\0';
        if (access(prefix, X_OK) != 0)
            return prefix;
        *slash = '/';
    }
    return access(path, R_OK) == 0 ? NULL : prefix;
}

/* Python reports an unreadable home as a failure to find its codecs; say
 * which directory this child's user cannot reach, and what to do.  (Runs
 * in child_init, before any thread: getpwuid is safe there.) */
static void explain_start_failure(apr_pool_t *p)
{
    const char *file = MP_PYTHON_STDLIB "/encodings/__init__.py";
    const char *blocked = blocked_on_the_way(p, file);
    const struct passwd *user = getpwuid(getuid());

    if (blocked)
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, main_server,
                     "mod_python: Python cannot start in this child: its user "
                     "%s cannot %s %s, on the way to %s, the standard library "
                     "of %s.  Build mod_python with a Python that user can "
                     "read (./configure --with-python=/usr/bin/python3), or "
                     "make that directory readable by it.  Python requests "
                     "get 500 until then.",
                     user ? user->pw_name : "?",
                     strcmp(blocked, file) ? "enter" : "read", blocked,
                     MP_PYTHON_STDLIB, MP_PYTHON_BIN);
}

static int initialize_python(const mp_server_config *sconf)
{
    PyPreConfig preconfig;
    PyConfig config;
    PyStatus status;

    PyPreConfig_InitIsolatedConfig(&preconfig);
    preconfig.utf8_mode = 1;        /* Apache children often run in the C locale */
    status = Py_PreInitialize(&preconfig);
    if (!PyStatus_Exception(status)) {
        PyImport_AppendInittab("_apache", mp_init_apache_module);
        status = configure(&config, sconf);
        if (!PyStatus_Exception(status))
            status = Py_InitializeFromConfig(&config);
        PyConfig_Clear(&config);
    }
    if (PyStatus_Exception(status)) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, main_server,
                     "mod_python: cannot start Python %s (home %s): %s",
                     PY_VERSION, MP_PYTHON_HOME,
                     status.err_msg ? status.err_msg : "unknown error");
        explain_start_failure(interp_pool);
        return 0;
    }
    return 1;
}

/* ---------------------------------------------------------------------
 * Per-interpreter set-up: site dirs, mod_python.apache, the callback
 */

/* Runs a short Python snippet with `value` bound to the name `arg`. */
static int run_snippet(const char *code, const char *arg)
{
    PyObject *globals = PyDict_New(), *builtins = PyImport_ImportModule("builtins");
    PyObject *value = PyUnicode_DecodeFSDefault(arg), *result = NULL;

    if (globals && builtins && value
        && !PyDict_SetItemString(globals, "__builtins__", builtins)
        && !PyDict_SetItemString(globals, "arg", value))
        result = PyRun_String(code, Py_file_input, globals, globals);
    Py_XDECREF(value);
    Py_XDECREF(builtins);
    Py_XDECREF(globals);
    Py_XDECREF(result);
    return result ? 0 : -1;
}

/* PythonOption mod_python.site_dirs: first on sys.path, .pth files read. */
static const char SITE_DIRS_CODE[] =
    "import site, sys\n"
    "dirs = [d for d in arg.split(':') if d]\n"
    "for d in reversed(dirs):\n"
    "    if d in sys.path:\n"
    "        sys.path.remove(d)\n"
    "    sys.path.insert(0, d)\n"
    "for d in dirs:\n"
    "    site.addsitedir(d)\n";

/* Warns when the Python package is not the version of this C module. */
static const char VERSION_CHECK_CODE[] =
    "import mod_python\n"
    "found = getattr(mod_python, 'mp_version', None)\n"
    "if found != arg:\n"
    "    from mod_python import apache\n"
    "    apache.log_error(\"mod_python version mismatch, expected '%s', found '%s'\""
    " % (arg, found), apache.APLOG_WARNING)\n";

/* Imports mod_python.apache and asks it for this interpreter's callback. */
static int set_up_interpreter(mp_interp *in)
{
    const mp_server_config *sconf = mp_server_config_of(main_server);
    PyObject *apache, *server;

    /* First: everything below may make our objects, of this one's types. */
    in->apache_module = PyImport_ImportModule("_apache");
    if (!in->apache_module) {
        mp_log_python_error(main_server, "cannot import _apache");
        return -1;
    }
    in->types = mp_types_of_module(in->apache_module);
    /* made now, before any thread could race to make it */
    in->child_cleanups = PyList_New(0);
    if (!in->child_cleanups) {
        mp_log_python_error(main_server, "setting up the interpreter");
        return -1;
    }

    if (sconf->site_dirs && run_snippet(SITE_DIRS_CODE, sconf->site_dirs) < 0) {
        mp_log_python_error(main_server, "setting up mod_python.site_dirs");
        return -1;
    }
    apache = PyImport_ImportModule("mod_python.apache");
    if (!apache) {
        mp_log_python_error(main_server, "cannot import mod_python.apache");
        return -1;
    }
    server = mp_server_object(main_server);
    in->callback = server ? PyObject_CallMethod(apache, "init", "sO", in->name,
                                                server)
                          : NULL;
    Py_DECREF(apache);
    Py_XDECREF(server);
    if (in->callback) {
        in->handler_dispatch = PyObject_GetAttrString(in->callback, "HandlerDispatch");
        in->filter_dispatch = PyObject_GetAttrString(in->callback, "FilterDispatch");
        in->include_dispatch = PyObject_GetAttrString(in->callback, "IncludeDispatch");
        in->connection_dispatch = PyObject_GetAttrString(in->callback,
                                                         "ConnectionDispatch");
    }
    if (!in->handler_dispatch || !in->filter_dispatch || !in->include_dispatch
            || !in->connection_dispatch) {
        mp_log_python_error(main_server, "mod_python.apache.init() failed");
        Py_CLEAR(in->callback);
        return -1;
    }
    if (run_snippet(VERSION_CHECK_CODE, MP_VERSION) < 0)
        mp_log_python_error(main_server, "checking the mod_python version");
    return 0;
}

/* ---------------------------------------------------------------------
 * Interpreter records and thread states
 */

/* The pool of the table and its records.  Its allocator has a mutex: the
 * records are allocated under interps_lock, while each record's own
 * subpool (its cache of server objects) is used under that interpreter's
 * GIL.  It is no subpool of the child's pool, whose subpools go before its
 * cleanups run (child_exit needs the records) and before every thread that
 * may still release its thread states has ended: it lasts until the
 * process exits. */
static apr_pool_t *make_table_pool(void)
{
    apr_allocator_t *allocator;
    apr_thread_mutex_t *mutex;
    apr_pool_t *pool;

    apr_allocator_create(&allocator);
    apr_pool_create_ex(&pool, NULL, NULL, allocator);
    apr_allocator_owner_set(allocator, pool);
    apr_thread_mutex_create(&mutex, APR_THREAD_MUTEX_DEFAULT, pool);
    apr_allocator_mutex_set(allocator, mutex);
    return pool;
}

/* A new record in the table, its interpreter still to be made
 * (`creating`); called with interps_lock held. */
static mp_interp *new_record(const char *name, int gil)
{
    mp_interp *in = apr_pcalloc(table_pool, sizeof(*in));
    apr_pool_t *own;

    apr_pool_create(&own, table_pool);
    in->name = apr_pstrdup(table_pool, name);
    in->own_gil = gil == MP_GIL_OWN;
    in->servers = apr_hash_make(own);
    in->creating = 1;
    apr_hash_set(interps, in->name, APR_HASH_KEY_STRING, in);
    return in;
}

/* Destructor of states_key: a thread that ends takes its thread states
 * with it, so that threads that come and go (mod_http2's workers) do not
 * leave one state per interpreter behind each, with its threading.local
 * and context variables.  The thread holds no GIL when it ends. */
static void release_thread_states(void *data)
{
    thread_states *states = data;
    int i;

    for (i = 0; i < states->count; i++) {
        PyThreadState *ts = states->items[i].state;
        /* The state made with the interpreter stays: deleting the last
         * state of an interpreter makes CPython (3.11) reuse its first one
         * for the next, which aborts ("thread state already initialized"). */
        if (ts == states->items[i].interp->first_state)
            continue;
        PyEval_RestoreThread(ts);
        PyThreadState_Clear(ts);
        PyThreadState_DeleteCurrent();
    }
    free(states->items);
    free(states);
}

static thread_states *this_thread_states(void)
{
    void *states = NULL;
    apr_threadkey_private_get(&states, states_key);
    if (!states) {
        states = calloc(1, sizeof(thread_states));
        apr_threadkey_private_set(states, states_key);
    }
    return states;
}

/* Records ts as this thread's state for in; returns ts or NULL. */
static PyThreadState *remember_state(mp_interp *in, PyThreadState *ts)
{
    thread_states *states = this_thread_states();
    if (!states || !ts)
        return NULL;
    if (states->count == states->size) {
        int size = states->size ? states->size * 2 : 4;
        void *grown = realloc(states->items, size * sizeof(*states->items));
        if (!grown)
            return NULL;
        states->items = grown;
        states->size = size;
    }
    states->items[states->count].interp = in;
    states->items[states->count].state = ts;
    states->count++;
    return ts;
}

static PyThreadState *thread_state(mp_interp *in)
{
    thread_states *states = this_thread_states();
    int i;
    for (i = 0; states && i < states->count; i++)
        if (states->items[i].interp == in)
            return states->items[i].state;
    /* No GIL needed to create one (CPython's own lock protects it). */
    return remember_state(in, PyThreadState_New(in->state));
}

static void make_current(mp_interp *in)
{
    apr_threadkey_private_set(in, current_key);
}

mp_interp *mp_interp_suspend(void)
{
    mp_interp *in = mp_interp_current();
    make_current(NULL);
    return in;
}

void mp_interp_resume(mp_interp *in)
{
    make_current(in);
}

mp_interp *mp_interp_current(void)
{
    void *in = NULL;
    if (current_key)
        apr_threadkey_private_get(&in, current_key);
    return in;
}

/* Each interpreter keeps a pointer to its record in its own dict, so that
 * code running in it finds the record without the table (and its lock). */
static const char RECORD_KEY[] = "mod_python.interpreter_record";

/* Called with the GIL of in->state held. */
static int attach_record(mp_interp *in)
{
    PyObject *dict = PyInterpreterState_GetDict(in->state);
    PyObject *capsule = PyCapsule_New(in, RECORD_KEY, NULL);
    int rc = dict && capsule ? PyDict_SetItemString(dict, RECORD_KEY, capsule) : -1;

    Py_XDECREF(capsule);
    return rc;
}

const mp_types *mp_types_running(void)
{
    mp_interp *in = mp_interp_running();
    return in ? in->types : NULL;
}

mp_interp *mp_interp_running(void)
{
    mp_interp *in = mp_interp_current();
    PyObject *dict, *capsule;

    if (in)
        return in;
    /* A thread Python code started itself: ask its interpreter. */
    dict = PyInterpreterState_GetDict(PyInterpreterState_Get());
    capsule = dict ? PyDict_GetItemString(dict, RECORD_KEY) : NULL;
    return capsule ? PyCapsule_GetPointer(capsule, RECORD_KEY) : NULL;
}

#if PY_VERSION_HEX >= 0x030C0000
/* A new sub-interpreter, its thread state current and its GIL held, the
 * caller's (main) thread state detached; NULL (logged) on failure, the
 * caller's state attached again.  Shared: what Py_NewInterpreter makes.
 * Own: a GIL and an object allocator of its own, so extension modules
 * must say they support that (check_multi_interp_extensions). */
static PyThreadState *new_interpreter(const mp_interp *in)
{
    PyInterpreterConfig config = {
        .use_main_obmalloc = !in->own_gil,
        .allow_fork = !in->own_gil,     /* os.fork() fails in any sub-interpreter */
        .allow_exec = 1,
        .allow_threads = 1,
        .allow_daemon_threads = 1,
#ifdef Py_GIL_DISABLED
        .check_multi_interp_extensions = 1,   /* the free-threaded build insists */
#else
        .check_multi_interp_extensions = in->own_gil,
#endif
        .gil = in->own_gil ? PyInterpreterConfig_OWN_GIL : PyInterpreterConfig_SHARED_GIL,
    };
    PyThreadState *ts = NULL;
    PyStatus status = Py_NewInterpreterFromConfig(&ts, &config);

    if (PyStatus_Exception(status) || !ts) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, main_server,
                     "mod_python: cannot create interpreter '%s': %s", in->name,
                     status.err_msg ? status.err_msg : "out of memory");
        return NULL;
    }
    return ts;
}
#else
static PyThreadState *new_interpreter(const mp_interp *in)
{
    PyThreadState *before = PyThreadState_Get(), *ts = Py_NewInterpreter();

    if (!ts) {
        PyThreadState_Swap(before);
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, main_server,
                     "mod_python: cannot create interpreter '%s'", in->name);
    }
    return ts;
}
#endif

/* Makes the sub-interpreter of record `in` (no GIL and not interps_lock
 * held); in->state stays NULL if that fails. */
static void create_interpreter(mp_interp *in)
{
    PyThreadState *main_ts = thread_state(main_interp), *ts;

    if (!main_ts)
        return;
    PyEval_RestoreThread(main_ts);
    ts = new_interpreter(in);
    if (!ts) {
        PyEval_SaveThread();
        return;
    }
    in->state = PyThreadState_GetInterpreter(ts);
    in->first_state = ts;
    remember_state(in, ts);
    make_current(in);
    if (attach_record(in) < 0)
        mp_log_python_error(main_server, "recording the interpreter");
    if (set_up_interpreter(in) < 0)
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, main_server,
                     "mod_python: interpreter '%s' is unusable", in->name);
    make_current(NULL);
    PyEval_SaveThread();
}

/* The record of the named interpreter, made on first use; NULL if its
 * interpreter could not be made.  The table is locked only to look up or
 * add the record: the (slow) making of an interpreter happens outside
 * it, so requests for other interpreters do not wait for it; those for
 * the same one wait on interp_made. */
static mp_interp *find_or_create(const char *name, int gil)
{
    mp_interp *in;
    int mine = 0, mismatch = 0;

    apr_thread_mutex_lock(interps_lock);
    in = apr_hash_get(interps, name, APR_HASH_KEY_STRING);
    if (!in) {
        in = new_record(name, gil);
        mine = 1;
    }
    while (in->creating && !mine)
        apr_thread_cond_wait(interp_made, interps_lock);
    if (gil != MP_GIL_ANY && in != main_interp && (gil == MP_GIL_OWN) != in->own_gil
            && in->state && !in->gil_mismatch_logged)
        mismatch = in->gil_mismatch_logged = 1;
    apr_thread_mutex_unlock(interps_lock);
    if (mismatch)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, main_server,
                     "mod_python: interpreter '%s' was made with %s GIL; "
                     "PythonInterpreterGIL %s here does not change that (an "
                     "interpreter's GIL is chosen when it is made: give this "
                     "section an interpreter of its own with PythonInterpreter)",
                     name, in->own_gil ? "its own" : "the shared",
                     in->own_gil ? "shared" : "own");
    if (mine) {
        create_interpreter(in);
        apr_thread_mutex_lock(interps_lock);
        in->creating = 0;
        if (!in->state)         /* not made: a later request tries again */
            apr_hash_set(interps, in->name, APR_HASH_KEY_STRING, NULL);
        apr_thread_cond_broadcast(interp_made);
        apr_thread_mutex_unlock(interps_lock);
    }
    return in->state ? in : NULL;
}

mp_interp *mp_interp_acquire(const char *name, int gil)
{
    PyThreadState *ts;
    mp_interp *in;

    if (!main_interp)
        return NULL;            /* Python failed to start; already logged */
    if (mp_interp_current()) {
        /* Apache called back into us while this thread holds the GIL:
         * waiting for it would hang the thread for good. */
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, main_server,
                     "mod_python: Python re-entered from Apache while running "
                     "(interpreter '%s'); refused", name);
        return NULL;
    }
    in = find_or_create(name, gil);
    if (!in || !(ts = thread_state(in)))
        return NULL;
    PyEval_RestoreThread(ts);
    if (!in->callback) {
        PyEval_SaveThread();
        return NULL;
    }
    make_current(in);
    return in;
}

void mp_interp_release(mp_interp *in)
{
    make_current(NULL);
    PyEval_SaveThread();
}

/* ---------------------------------------------------------------------
 * Child start: Python, the main interpreter, PythonImport
 */

static void run_imports(const mp_server_config *sconf)
{
    const mp_dir_config *server_level = ap_get_module_config(
        main_server->lookup_defaults, &python_module);
    int i;
    for (i = sconf->imports->nelts - 1; i >= 0; i--) {
        const mp_import *imp = &APR_ARRAY_IDX(sconf->imports, i, mp_import);
        mp_interp *in = mp_interp_acquire(imp->interpreter,
                                          server_level->interpreter_gil);
        PyObject *result;
        if (!in) {
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, main_server,
                         "directive_PythonImport: error importing %s: "
                         "no interpreter '%s'", imp->module, imp->interpreter);
            continue;
        }
        result = PyObject_CallMethod(in->callback, "ImportDispatch", "s",
                                     imp->module);
        if (!result)
            mp_log_python_error(main_server, "directive_PythonImport");
        Py_XDECREF(result);
        mp_interp_release(in);
    }
}

/* The interpreter's atexit functions, once: Python is never finalised in
 * a child (threads of the MPM may still be about), so they would not run
 * otherwise. */
static void run_atexit(void)
{
    PyObject *atexit = PyImport_ImportModule("atexit");
    PyObject *result = atexit ? PyObject_CallMethod(atexit, "_run_exitfuncs", NULL)
                              : NULL;

    if (!result)
        mp_log_python_error(main_server, "running atexit functions");
    Py_XDECREF(result);
    result = atexit ? PyObject_CallMethod(atexit, "_clear", NULL) : NULL;
    if (!result)
        PyErr_Clear();
    Py_XDECREF(result);
    Py_XDECREF(atexit);
}

/* Child exit: per interpreter, the callbacks of apache.register_cleanup(),
 * then the atexit functions. */
static apr_status_t child_exit(void *unused)
{
    apr_hash_index_t *hi;

    if (mp_interp_current()) {
        /* prefork ends a child from its SIGTERM handler, even while this
         * thread runs Python code: running more Python on top of it is
         * not safe.  (A graceful stop lets the request finish first.) */
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, main_server,
                     "mod_python: child stopped while running Python code; "
                     "its exit callbacks and atexit functions are skipped");
        return APR_SUCCESS;
    }
    for (hi = apr_hash_first(interp_pool, interps); hi; hi = apr_hash_next(hi)) {
        mp_interp *in = mp_interp_acquire(apr_hash_this_key(hi), MP_GIL_ANY);
        if (in) {
            if (in->child_cleanups)
                mp_call_cleanups(in->child_cleanups, main_server);
            run_atexit();
            mp_interp_release(in);
        }
    }
    return APR_SUCCESS;
}

void mp_python_start(apr_pool_t *pchild, server_rec *s)
{
    const mp_server_config *sconf = mp_server_config_of(s);

    main_server = s;
    interp_pool = pchild;
    table_pool = make_table_pool();
    interps = apr_hash_make(table_pool);
    apr_thread_mutex_create(&interps_lock, APR_THREAD_MUTEX_DEFAULT, pchild);
    apr_thread_cond_create(&interp_made, pchild);
    apr_threadkey_private_create(&current_key, NULL, pchild);
    apr_threadkey_private_create(&states_key, release_thread_states, pchild);
    if (!initialize_python(sconf))
        return;
    /* the GIL that shared sub-interpreters share */
    main_interp = new_record(MP_MAIN_INTERPRETER, MP_GIL_SHARED);
    main_interp->state = PyThreadState_GetInterpreter(PyThreadState_Get());
    main_interp->creating = 0;
    main_interp->first_state = PyThreadState_Get();
    remember_state(main_interp, main_interp->first_state);
    make_current(main_interp);
    if (attach_record(main_interp) < 0)
        mp_log_python_error(main_server, "recording the interpreter");
    if (set_up_interpreter(main_interp) < 0)
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s,
                     "mod_python: the main interpreter is unusable");
    make_current(NULL);
    PyEval_SaveThread();
    run_imports(sconf);
    apr_pool_cleanup_register(pchild, NULL, child_exit, apr_pool_cleanup_null);
}

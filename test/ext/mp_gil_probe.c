/* Test extension: holds the GIL of its interpreter for a while, so a test
 * can tell whether another interpreter shares that GIL (it then waits).
 * Declares support for interpreters with a GIL of their own (3.12+) and
 * for the free-threaded build (3.13+). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <time.h>

/* hold(seconds): sleep without releasing the GIL. */
static PyObject *hold(PyObject *module, PyObject *arg)
{
    double seconds = PyFloat_AsDouble(arg);
    struct timespec ts;

    if (seconds < 0 && PyErr_Occurred())
        return NULL;
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0)
        ;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"hold", hold, METH_O, "hold(seconds): sleep holding the GIL"},
    {NULL}
};

static PyModuleDef_Slot slots[] = {
#if PY_VERSION_HEX >= 0x030C0000
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
#ifdef Py_GIL_DISABLED
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL}
};

static struct PyModuleDef probe = {
    PyModuleDef_HEAD_INIT, .m_name = "mp_gil_probe", .m_size = 0,
    .m_methods = methods, .m_slots = slots,
};

PyMODINIT_FUNC PyInit_mp_gil_probe(void)
{
    return PyModuleDef_Init(&probe);
}

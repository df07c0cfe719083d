/* Test extension: single-phase init, as many old extension modules are,
 * so it cannot be loaded in an interpreter with a GIL of its own. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static struct PyModuleDef single = {
    PyModuleDef_HEAD_INIT, .m_name = "mp_single_phase", .m_size = -1,
};

PyMODINIT_FUNC PyInit_mp_single_phase(void)
{
    return PyModule_Create(&single);
}

/* _apache._exchange_files: a file operation Python's os module lacks. */
#ifndef MP_FILES_H
#define MP_FILES_H

#include "mod_python.h"

PyObject *mp_exchange_files(PyObject *module, PyObject *args);

#endif

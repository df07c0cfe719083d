/* The built-in _apache module. */
#ifndef MP_APACHEMODULE_H
#define MP_APACHEMODULE_H

#include "mod_python.h"

PyObject *mp_init_apache_module(void);

#endif

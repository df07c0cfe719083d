/* One thread at a time in the C code of an object, where no GIL does it.
 *
 * In the free-threaded build the threads of an interpreter run C code at
 * the same time.  The C methods and attributes of an object that wraps an
 * Apache record (a request, a connection, a filter) then hold the
 * object's critical section, so that two of them never use the record,
 * and its pool, at once.  As with the GIL, the section is let go while a
 * method waits (on the network, for a lock), and taken again after.
 * With a GIL these are plain calls.
 *
 * A thread that enters a section it already holds waits for itself until
 * CPython suspends the outer one: slow, so functions that call Python code
 * which may use the same object (setattr, which calls the setters) are
 * left bare, and their callees hold the section. */
#ifndef MP_EXCLUSIVE_H
#define MP_EXCLUSIVE_H

#include "mod_python.h"

#ifdef Py_GIL_DISABLED
#define MP_BEGIN_EXCLUSIVE(obj) Py_BEGIN_CRITICAL_SECTION(obj);
#define MP_END_EXCLUSIVE() Py_END_CRITICAL_SECTION();
#else
#define MP_BEGIN_EXCLUSIVE(obj) {
#define MP_END_EXCLUSIVE() }
#endif

/* name_x: name(args) run holding the critical section of `obj`, an
 * expression of the wrapper's parameters. */
#define MP_EXCLUSIVE_ON(obj, ret, name, params, args) \
    static ret name##_x params \
    { \
        ret result; \
        MP_BEGIN_EXCLUSIVE(obj) \
        result = name args; \
        MP_END_EXCLUSIVE() \
        return result; \
    }

/* ... holding the critical section of `self`. */
#define MP_EXCLUSIVE(ret, name, params, args) \
    MP_EXCLUSIVE_ON((PyObject *)self, ret, name, params, args)

/* The usual shapes: a method, an attribute getter and setter; the _ON
 * forms hold another object's section, an expression of `self`. */
#define MP_EXCLUSIVE_METHOD_ON(obj, name) \
    MP_EXCLUSIVE_ON(obj, PyObject *, name, (PyObject *self, PyObject *arg), \
                    ((void *)self, arg))
#define MP_EXCLUSIVE_GETTER_ON(obj, name) \
    MP_EXCLUSIVE_ON(obj, PyObject *, name, (PyObject *self, void *closure), \
                    (self, closure))
#define MP_EXCLUSIVE_METHOD(name) MP_EXCLUSIVE_METHOD_ON((PyObject *)self, name)
#define MP_EXCLUSIVE_GETTER(name) MP_EXCLUSIVE_GETTER_ON((PyObject *)self, name)
#define MP_EXCLUSIVE_SETTER(name) \
    MP_EXCLUSIVE(int, name, (PyObject *self, PyObject *value, void *closure), \
                 (self, value, closure))

#endif

/* mp_table: a Python mapping over an apr_table_t.
 *
 * Keys are case-insensitive and may repeat (add()); a lookup of a
 * repeated key gives the list of its values.  Text is Latin-1 both ways,
 * as HTTP header fields are. */
#include "table.h"
#include "apachemodule.h"
#include "interpreters.h"
#include "exclusive.h"
#include "apr_thread_mutex.h"

#define ENTRIES(t) ((const apr_table_entry_t *)apr_table_elts((t)->table)->elts)
#define COUNT(t) (apr_table_elts((t)->table)->nelts)

static PyObject *text(const char *s)
{
    return PyUnicode_DecodeLatin1(s, strlen(s), NULL);
}

const char *mp_latin1_arg(PyObject *obj, PyObject **keep)
{
    if (PyUnicode_Check(obj)) {
        *keep = PyUnicode_AsLatin1String(obj);
        if (!*keep) {
            PyErr_SetString(PyExc_TypeError, "not an ISO-8859-1 string");
            return NULL;
        }
    }
    else if (PyBytes_Check(obj)) {
        Py_INCREF(obj);
        *keep = obj;
    }
    else {
        PyErr_Format(PyExc_TypeError, "table keys and values must be str, not %s",
                     Py_TYPE(obj)->tp_name);
        *keep = NULL;
        return NULL;
    }
    if (strlen(PyBytes_AS_STRING(*keep)) != (size_t)PyBytes_GET_SIZE(*keep)) {
        Py_CLEAR(*keep);
        PyErr_SetString(PyExc_ValueError, "embedded null character");
        return NULL;
    }
    return PyBytes_AS_STRING(*keep);
}

static int usable(mp_table *self)
{
    if (self->owner && !((mp_record_object *)self->owner)->rec) {
        PyErr_SetString(PyExc_RuntimeError,
                        "table used after its request or connection ended");
        return 0;
    }
    return 1;
}

PyObject *mp_table_wrap(apr_table_t *table, PyObject *owner)
{
    mp_table *self = PyObject_New(mp_table, mp_types_running()->table);
    if (!self)
        return NULL;
    self->table = table;
    self->pool = NULL;
    self->response_headers = 0;
    self->configuration = 0;
    Py_XINCREF(owner);
    self->owner = owner;
    return (PyObject *)self;
}

PyObject *mp_config_table_wrap(apr_table_t *table, PyObject *owner)
{
    PyObject *self = mp_table_wrap(table, owner);
    if (self)
        ((mp_table *)self)->configuration = 1;
    return self;
}

PyObject *mp_headers_wrap(apr_table_t *table, PyObject *owner)
{
    PyObject *self = mp_table_wrap(table, owner);
    if (self)
        ((mp_table *)self)->response_headers = 1;
    return self;
}

/* False (ValueError set) when text may not go into this table. */
static int acceptable(mp_table *self, const char *text)
{
    PyObject *shown;

    if (!self->response_headers || !strpbrk(text, "\r\n"))
        return 1;
    shown = PyUnicode_DecodeLatin1(text, strlen(text), NULL);
    if (shown) {
        PyErr_Format(PyExc_ValueError, "header text with CR or LF refused "
                     "(it would start a header line of its own): %.200R", shown);
        Py_DECREF(shown);
    }
    return 0;
}

/* ---------------------------------------------------------------------
 * Creation
 */

static PyObject *table_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    mp_table *self = (mp_table *)type->tp_alloc(type, 0);
    if (!self)
        return NULL;
    if (apr_pool_create(&self->pool, NULL) != APR_SUCCESS) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    self->table = apr_table_make(self->pool, 8);
    return (PyObject *)self;
}

static void table_dealloc(mp_table *self)
{
    if (self->pool)
        apr_pool_destroy(self->pool);
    Py_XDECREF(self->owner);
    mp_free_object((PyObject *)self);
}

static int set_str_pair(mp_table *self, PyObject *key, PyObject *value,
                        int convert)
{
    PyObject *k = convert ? PyObject_Str(key) : (Py_INCREF(key), key);
    PyObject *v = convert ? PyObject_Str(value) : (Py_INCREF(value), value);
    PyObject *kb = NULL, *vb = NULL;
    const char *ks, *vs;
    int rc = -1;

    if (k && v && (ks = mp_latin1_arg(k, &kb)) && (vs = mp_latin1_arg(v, &vb))
            && acceptable(self, ks) && acceptable(self, vs)) {
        apr_table_set(self->table, ks, vs);
        rc = 0;
    }
    Py_XDECREF(k);
    Py_XDECREF(v);
    Py_XDECREF(kb);
    Py_XDECREF(vb);
    return rc;
}

/* update(mapping): every key and value converted with str(). */
static int update_from_mapping(mp_table *self, PyObject *mapping)
{
    PyObject *keys = PyObject_CallMethod(mapping, "keys", NULL), *iter, *key;
    int rc = 0;

    if (!keys)
        return -1;
    iter = PyObject_GetIter(keys);
    Py_DECREF(keys);
    if (!iter)
        return -1;
    while (rc == 0 && (key = PyIter_Next(iter))) {
        PyObject *value = PyObject_GetItem(mapping, key);
        rc = value ? set_str_pair(self, key, value, 1) : -1;
        Py_XDECREF(value);
        Py_DECREF(key);
    }
    Py_DECREF(iter);
    return (rc < 0 || PyErr_Occurred()) ? -1 : 0;
}

static int update_from_pairs(mp_table *self, PyObject *seq)
{
    PyObject *iter = PyObject_GetIter(seq), *item;
    Py_ssize_t i = 0;
    int rc = 0;

    if (!iter)
        return -1;
    while (rc == 0 && (item = PyIter_Next(iter))) {
        PyObject *pair = PySequence_Fast(item, "table items must be pairs");
        if (!pair)
            rc = -1;
        else if (PySequence_Fast_GET_SIZE(pair) != 2) {
            PyErr_Format(PyExc_ValueError,
                         "table update sequence element #%zd has length %zd; "
                         "2 is required", i, PySequence_Fast_GET_SIZE(pair));
            rc = -1;
        }
        else
            rc = set_str_pair(self, PySequence_Fast_GET_ITEM(pair, 0),
                              PySequence_Fast_GET_ITEM(pair, 1), 1);
        Py_XDECREF(pair);
        Py_DECREF(item);
        i++;
    }
    Py_DECREF(iter);
    return (rc < 0 || PyErr_Occurred()) ? -1 : 0;
}

static int update_from(mp_table *self, PyObject *arg)
{
    if (PyObject_HasAttrString(arg, "keys"))
        return update_from_mapping(self, arg);
    return update_from_pairs(self, arg);
}

static int table_init(mp_table *self, PyObject *args, PyObject *kw)
{
    static char *names[] = { "items", NULL };
    PyObject *items = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:table", names, &items))
        return -1;
    return items ? update_from(self, items) : 0;
}

/* ---------------------------------------------------------------------
 * Mapping protocol
 */

static Py_ssize_t table_length(mp_table *self)
{
    return usable(self) ? COUNT(self) : -1;
}

/* One value as str, several as a list, none -> NULL without error. */
static PyObject *values_of(mp_table *self, const char *key)
{
    const apr_table_entry_t *e = ENTRIES(self);
    PyObject *list = PyList_New(0), *result = NULL;
    int i, n = COUNT(self);

    if (!list)
        return NULL;
    for (i = 0; i < n; i++) {
        PyObject *v;
        int rc;
        if (strcasecmp(e[i].key, key))
            continue;
        if (!(v = text(e[i].val ? e[i].val : "")))
            goto done;
        rc = PyList_Append(list, v);
        Py_DECREF(v);
        if (rc < 0)
            goto done;
    }
    if (PyList_GET_SIZE(list) == 1)
        result = PyList_GET_ITEM(list, 0);
    else if (PyList_GET_SIZE(list) > 1)
        result = list;
    Py_XINCREF(result);
done:
    Py_DECREF(list);
    return result;
}

static PyObject *table_subscript(mp_table *self, PyObject *key)
{
    PyObject *kb, *result;
    const char *k;
    if (!usable(self) || !(k = mp_latin1_arg(key, &kb)))
        return NULL;
    result = values_of(self, k);
    Py_DECREF(kb);
    if (!result && !PyErr_Occurred())
        PyErr_SetObject(PyExc_KeyError, key);
    return result;
}

static int table_ass_subscript(mp_table *self, PyObject *key, PyObject *value)
{
    PyObject *kb;
    const char *k;
    if (!usable(self))
        return -1;
    if (value)
        return set_str_pair(self, key, value, 0);
    if (!(k = mp_latin1_arg(key, &kb)))
        return -1;
    apr_table_unset(self->table, k);
    Py_DECREF(kb);
    return 0;
}

static int table_contains(mp_table *self, PyObject *key)
{
    PyObject *kb;
    const char *k;
    int found;
    if (!usable(self) || !(k = mp_latin1_arg(key, &kb)))
        return -1;
    found = apr_table_get(self->table, k) != NULL;
    Py_DECREF(kb);
    return found;
}

/* ---------------------------------------------------------------------
 * Iteration
 */

enum { KEYS, VALUES, ITEMS };

static PyObject *entry(const apr_table_entry_t *e, int what)
{
    if (what == KEYS)
        return text(e->key);
    if (what == VALUES)
        return text(e->val ? e->val : "");
    return Py_BuildValue("(NN)", text(e->key), text(e->val ? e->val : ""));
}

static PyObject *listing(mp_table *self, int what)
{
    const apr_table_entry_t *e;
    PyObject *list;
    int i, n;

    if (!usable(self))
        return NULL;
    e = ENTRIES(self);
    n = COUNT(self);
    if (!(list = PyList_New(n)))
        return NULL;
    for (i = 0; i < n; i++) {
        PyObject *item = entry(&e[i], what);
        if (!item) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, item);
    }
    return list;
}

static PyObject *table_keys(mp_table *self, PyObject *unused) { return listing(self, KEYS); }
static PyObject *table_values(mp_table *self, PyObject *unused) { return listing(self, VALUES); }
static PyObject *table_items(mp_table *self, PyObject *unused) { return listing(self, ITEMS); }

typedef struct {
    PyObject_HEAD
    mp_table *table;
    int pos, size, what;
} mp_table_iter;

static void iter_dealloc(mp_table_iter *it)
{
    Py_XDECREF(it->table);
    mp_free_object((PyObject *)it);
}

static PyObject *iter_next(mp_table_iter *it)
{
    if (!usable(it->table))
        return NULL;
    if (COUNT(it->table) != it->size) {
        PyErr_SetString(PyExc_RuntimeError, "table changed size during iteration");
        return NULL;
    }
    if (it->pos >= it->size)
        return NULL;
    return entry(&ENTRIES(it->table)[it->pos++], it->what);
}

static PyObject *iter_next_x(mp_table_iter *it);   /* see Locking */

static PyType_Slot mp_table_iter_slots[] = {
    {Py_tp_dealloc, (void *)(destructor)iter_dealloc},
    {Py_tp_iter, (void *)PyObject_SelfIter},
    {Py_tp_iternext, (void *)(iternextfunc)iter_next_x},
    {0, NULL}
};

PyType_Spec mp_table_iter_spec = {
    .name = "_apache.mp_table_iterator",
    .basicsize = sizeof(mp_table_iter),
    .flags = Py_TPFLAGS_DEFAULT | MP_TPFLAGS_NO_NEW,
    .slots = mp_table_iter_slots,
};

static PyObject *make_iter(mp_table *self, int what)
{
    mp_table_iter *it;
    if (!usable(self))
        return NULL;
    if (!(it = PyObject_New(mp_table_iter, mp_types_running()->table_iter)))
        return NULL;
    Py_INCREF(self);
    it->table = self;
    it->pos = 0;
    it->size = COUNT(self);
    it->what = what;
    return (PyObject *)it;
}

static PyObject *table_iter(mp_table *self) { return make_iter(self, KEYS); }
static PyObject *table_iterkeys(mp_table *self, PyObject *u) { return make_iter(self, KEYS); }
static PyObject *table_itervalues(mp_table *self, PyObject *u) { return make_iter(self, VALUES); }
static PyObject *table_iteritems(mp_table *self, PyObject *u) { return make_iter(self, ITEMS); }

/* ---------------------------------------------------------------------
 * Methods
 */

static PyObject *table_add(mp_table *self, PyObject *args)
{
    PyObject *key, *value, *kb = NULL, *vb = NULL;
    const char *k, *v;
    if (!PyArg_ParseTuple(args, "OO:add", &key, &value) || !usable(self))
        return NULL;
    if ((k = mp_latin1_arg(key, &kb)) && (v = mp_latin1_arg(value, &vb))
            && acceptable(self, k) && acceptable(self, v))
        apr_table_add(self->table, k, v);
    Py_XDECREF(kb);
    Py_XDECREF(vb);
    if (PyErr_Occurred())
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *first_value(mp_table *self, PyObject *key, PyObject *dflt)
{
    PyObject *kb;
    const char *k, *v;
    if (!usable(self) || !(k = mp_latin1_arg(key, &kb)))
        return NULL;
    v = apr_table_get(self->table, k);
    Py_DECREF(kb);
    if (v)
        return text(v);
    Py_INCREF(dflt);
    return dflt;
}

static PyObject *table_get(mp_table *self, PyObject *args)
{
    PyObject *key, *dflt = Py_None;
    if (!PyArg_ParseTuple(args, "O|O:get", &key, &dflt))
        return NULL;
    return first_value(self, key, dflt);
}

static PyObject *table_has_key(mp_table *self, PyObject *key)
{
    int found = table_contains(self, key);
    return found < 0 ? NULL : PyLong_FromLong(found);
}

static PyObject *table_setdefault(mp_table *self, PyObject *args)
{
    PyObject *key, *dflt = NULL, *empty = NULL, *result;
    int found;
    if (!PyArg_ParseTuple(args, "O|O:setdefault", &key, &dflt))
        return NULL;
    if ((found = table_contains(self, key)) < 0)
        return NULL;
    if (found)
        return first_value(self, key, Py_None);
    if (!dflt && !(dflt = empty = PyUnicode_FromString("")))
        return NULL;
    result = set_str_pair(self, key, dflt, 0) < 0 ? NULL : (Py_INCREF(dflt), dflt);
    Py_XDECREF(empty);
    return result;
}

static PyObject *table_update(mp_table *self, PyObject *arg)
{
    if (!usable(self) || update_from_mapping(self, arg) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *table_copy(mp_table *self, PyObject *unused)
{
    mp_table *copy;
    if (!usable(self))
        return NULL;
    copy = (mp_table *)table_new(mp_types_running()->table, NULL, NULL);
    if (copy)
        copy->table = apr_table_copy(copy->pool, self->table);
    return (PyObject *)copy;
}

/* {key: value} of the table, the last value winning for a repeated key:
 * what a WSGI environ or os.environ needs, without the list of pairs that
 * dict(t.items()) builds first. */
static PyObject *table_as_dict(mp_table *self, PyObject *unused)
{
    const apr_table_entry_t *e;
    PyObject *dict;
    int i, n;

    if (!usable(self) || !(dict = PyDict_New()))
        return NULL;
    e = ENTRIES(self);
    n = COUNT(self);
    for (i = 0; i < n; i++) {
        PyObject *key = text(e[i].key), *value = key ? text(e[i].val ? e[i].val : "") : NULL;
        int rc = value ? PyDict_SetItem(dict, key, value) : -1;
        Py_XDECREF(key);
        Py_XDECREF(value);
        if (rc < 0) {
            Py_DECREF(dict);
            return NULL;
        }
    }
    return dict;
}

static PyObject *table_clear(mp_table *self, PyObject *unused)
{
    if (!usable(self))
        return NULL;
    apr_table_clear(self->table);
    Py_RETURN_NONE;
}

/* Removes and returns the last entry.  APR has no call to drop one
 * entry of a repeated key, so the others are put back in order. */
static PyObject *table_popitem(mp_table *self, PyObject *unused)
{
    const apr_array_header_t *arr;
    apr_table_t *rest;
    apr_pool_t *tmp;
    PyObject *item;
    int i;

    if (!usable(self))
        return NULL;
    arr = apr_table_elts(self->table);
    if (!arr->nelts) {
        PyErr_SetString(PyExc_KeyError, "popitem(): table is empty");
        return NULL;
    }
    if (!(item = entry(&ENTRIES(self)[arr->nelts - 1], ITEMS)))
        return NULL;
    apr_pool_create(&tmp, NULL);
    rest = apr_table_copy(tmp, self->table);
    apr_table_clear(self->table);
    arr = apr_table_elts(rest);
    for (i = 0; i < arr->nelts - 1; i++) {
        const apr_table_entry_t *e = &((const apr_table_entry_t *)arr->elts)[i];
        apr_table_addn(self->table, e->key, e->val);  /* strings stay valid */
    }
    apr_pool_destroy(tmp);
    return item;
}

/* ---------------------------------------------------------------------
 * Locking
 *
 * With one GIL, the C code of a table operation never overlapped another.
 * Interpreters that own their GIL run at the same time, and so do threads
 * of the free-threaded build: each operation then holds
 *  - for a table of the configuration, which all of them share, the
 *    process-wide config_lock (nested: an operation may run Python code,
 *    update() from a mapping, that uses another such table), waited for
 *    without the GIL, which its holder may need to finish;
 *  - without a GIL, the critical section (exclusive.h) of the object the
 *    table belongs to (the request: its tables share its pool) or of the
 *    table itself.
 */

static apr_thread_mutex_t *config_lock;

void mp_table_child_init(apr_pool_t *pchild)
{
    apr_thread_mutex_create(&config_lock, APR_THREAD_MUTEX_NESTED, pchild);
}

static void lock_configuration(const mp_table *self)
{
    if (!self->configuration || !config_lock
            || apr_thread_mutex_trylock(config_lock) == APR_SUCCESS)
        return;
    MP_BEGIN_ALLOW_THREADS
    apr_thread_mutex_lock(config_lock);
    MP_END_ALLOW_THREADS
}

static void unlock_configuration(const mp_table *self)
{
    if (self->configuration && config_lock)
        apr_thread_mutex_unlock(config_lock);
}

/* A table of a live request or connection is held, besides, by the I/O
 * lock of its connection, waited for without the GIL: a thread's
 * req.write() may be in Apache's filters, which read the request's
 * tables.  Another thread is counted in the owner's gate
 * meanwhile (thread_gate.h), so the request cannot end while it waits. */
typedef struct {
    const mp_record_object *owner;   /* NULL: nothing to hold */
    int pass;
} held_t;

static int hold_owner(mp_table *self, held_t *held)
{
    const mp_record_object *owner = (const mp_record_object *)self->owner;
    held->owner = NULL;
    if (!owner || !owner->rec)
        return 1;               /* the operation itself says what is wrong */
    if (!(held->pass = mp_gate_enter(owner->gate, "table")))
        return 0;
    held->owner = owner;
    return 1;
}

static void let_go_owner(const held_t *held)
{
    if (held->owner)
        mp_gate_leave(held->owner->gate, held->pass);
}

#define BEGIN_EXCLUSIVE(t, held) \
    MP_BEGIN_EXCLUSIVE((t)->owner ? (t)->owner : (PyObject *)(t)) \
    if (hold_owner(t, &held)) { \
        lock_configuration(t);
#define END_EXCLUSIVE(t, held) \
        unlock_configuration(t); \
        let_go_owner(&held); \
    } \
    MP_END_EXCLUSIVE()

/* name_x: name run with the table held; `self` is the table. */
#define EXCLUSIVE(ret, name, params, args, failed) \
    static ret name##_x params \
    { \
        ret result = failed; \
        held_t held; \
        BEGIN_EXCLUSIVE(self, held) \
        result = name args; \
        END_EXCLUSIVE(self, held) \
        return result; \
    }

typedef PyObject *object;
EXCLUSIVE(object, table_add, (mp_table *self, PyObject *a), (self, a), NULL)
EXCLUSIVE(object, table_get, (mp_table *self, PyObject *a), (self, a), NULL)
EXCLUSIVE(object, table_has_key, (mp_table *self, PyObject *a), (self, a), NULL)
EXCLUSIVE(object, table_setdefault, (mp_table *self, PyObject *a), (self, a), NULL)
EXCLUSIVE(object, table_update, (mp_table *self, PyObject *a), (self, a), NULL)
EXCLUSIVE(object, table_copy, (mp_table *self, PyObject *a), (self, a), NULL)
EXCLUSIVE(object, table_as_dict, (mp_table *self, PyObject *a), (self, a), NULL)
EXCLUSIVE(object, table_clear, (mp_table *self, PyObject *a), (self, a), NULL)
EXCLUSIVE(object, table_popitem, (mp_table *self, PyObject *a), (self, a), NULL)
EXCLUSIVE(object, table_keys, (mp_table *self, PyObject *a), (self, a), NULL)
EXCLUSIVE(object, table_values, (mp_table *self, PyObject *a), (self, a), NULL)
EXCLUSIVE(object, table_items, (mp_table *self, PyObject *a), (self, a), NULL)
EXCLUSIVE(object, table_iterkeys, (mp_table *self, PyObject *a), (self, a), NULL)
EXCLUSIVE(object, table_itervalues, (mp_table *self, PyObject *a), (self, a), NULL)
EXCLUSIVE(object, table_iteritems, (mp_table *self, PyObject *a), (self, a), NULL)
EXCLUSIVE(object, table_iter, (mp_table *self), (self), NULL)
EXCLUSIVE(Py_ssize_t, table_length, (mp_table *self), (self), -1)
EXCLUSIVE(object, table_subscript, (mp_table *self, PyObject *key), (self, key), NULL)
EXCLUSIVE(int, table_ass_subscript, (mp_table *self, PyObject *key, PyObject *value),
          (self, key, value), -1)
EXCLUSIVE(int, table_contains, (mp_table *self, PyObject *key), (self, key), -1)

/* The iterator holds its table for each step. */
static PyObject *iter_next_x(mp_table_iter *it)
{
    mp_table *self = it->table;
    PyObject *result = NULL;
    held_t held;
    BEGIN_EXCLUSIVE(self, held)
    result = iter_next(it);
    END_EXCLUSIVE(self, held)
    return result;
}

static PyMethodDef table_methods[] = {
    {"add", (PyCFunction)table_add_x, METH_VARARGS, "add(key, value): append an entry"},
    {"get", (PyCFunction)table_get_x, METH_VARARGS, "get(key, default=None): first value"},
    {"has_key", (PyCFunction)table_has_key_x, METH_O, "has_key(key) -> 1 or 0"},
    {"setdefault", (PyCFunction)table_setdefault_x, METH_VARARGS, NULL},
    {"update", (PyCFunction)table_update_x, METH_O, NULL},
    {"copy", (PyCFunction)table_copy_x, METH_NOARGS, NULL},
    {"_as_dict", (PyCFunction)table_as_dict_x, METH_NOARGS,
     "{key: value}, the last value of a repeated key winning"},
    {"clear", (PyCFunction)table_clear_x, METH_NOARGS, NULL},
    {"popitem", (PyCFunction)table_popitem_x, METH_NOARGS, NULL},
    {"keys", (PyCFunction)table_keys_x, METH_NOARGS, NULL},
    {"values", (PyCFunction)table_values_x, METH_NOARGS, NULL},
    {"items", (PyCFunction)table_items_x, METH_NOARGS, NULL},
    {"iterkeys", (PyCFunction)table_iterkeys_x, METH_NOARGS, NULL},
    {"itervalues", (PyCFunction)table_itervalues_x, METH_NOARGS, NULL},
    {"iteritems", (PyCFunction)table_iteritems_x, METH_NOARGS, NULL},
    {NULL}
};

/* ---------------------------------------------------------------------
 * repr, comparison, hashing
 */

static PyObject *as_dict(PyObject *obj)
{
    PyObject *d;
    if (PyDict_Check(obj)) {
        Py_INCREF(obj);
        return obj;
    }
    if (!(d = PyDict_New()))
        return NULL;
    if (PyDict_Merge(d, obj, 1) < 0)
        Py_CLEAR(d);
    return d;
}

static PyObject *table_repr(mp_table *self)
{
    PyObject *d, *r;
    if (!usable(self) || !(d = as_dict((PyObject *)self)))
        return NULL;
    r = PyObject_Repr(d);
    Py_DECREF(d);
    return r;
}

static PyObject *table_richcompare(PyObject *a, PyObject *b, int op)
{
    PyObject *da, *db, *r = NULL;
    if (!PyDict_Check(b) && !PyObject_TypeCheck(b, mp_types_running()->table))
        Py_RETURN_NOTIMPLEMENTED;
    if ((da = as_dict(a)) && (db = as_dict(b))) {
        r = PyObject_RichCompare(da, db, op);
        Py_DECREF(db);
    }
    Py_XDECREF(da);
    return r;
}

static Py_hash_t table_hash(PyObject *self)
{
    PyErr_SetString(PyExc_TypeError, "mp_table objects are unhashable");
    return -1;
}

static PyType_Slot mp_table_slots[] = {
    {Py_tp_dealloc, (void *)(destructor)table_dealloc},
    {Py_tp_repr, (void *)(reprfunc)table_repr},
    {Py_tp_hash, (void *)table_hash},
    {Py_tp_doc, (void *)"A case-insensitive mapping with repeatable keys (apr_table_t)"},
    {Py_tp_richcompare, (void *)table_richcompare},
    {Py_tp_iter, (void *)(getiterfunc)table_iter_x},
    {Py_tp_methods, (void *)table_methods},
    {Py_tp_init, (void *)(initproc)table_init},
    {Py_tp_new, (void *)table_new},
    {Py_mp_length, (void *)table_length_x},
    {Py_mp_subscript, (void *)table_subscript_x},
    {Py_mp_ass_subscript, (void *)table_ass_subscript_x},
    {Py_sq_contains, (void *)table_contains_x},
    {0, NULL}
};

PyType_Spec mp_table_spec = {
    .name = "_apache.mp_table",
    .basicsize = sizeof(mp_table),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .slots = mp_table_slots,
};

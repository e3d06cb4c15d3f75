/* A set of 64-bit fingerprints in one flat table: 8 bytes a slot, no object per member.
 *
 * The seen-set of a long stream holds one fingerprint per kept unit; a Python set of
 * ints costs about 60 bytes per member, this table 11 to 21 (open addressing, linear
 * probing, grown at three quarters full). Members are read and added a whole typed
 * array ('Q') at a time, so the per-unit work stays in C. dedup.fingerprint_set wraps
 * it and falls back to a Python set when the extension is not built.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "_arrays.h"

typedef struct {
    PyObject_HEAD
    uint64_t *slots; /* 0 marks an empty slot; the member 0 is kept in has_zero */
    int bits;        /* the table has 1 << bits slots */
    Py_ssize_t used; /* members in slots, 0 not counted */
    int has_zero;
} U64Set;

static inline size_t slot_of(uint64_t value, int bits) {
    /* Fibonacci hashing: fingerprints are hashes already, this only spreads them. */
    return (size_t)((value * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - bits));
}

/* The members of an array('Q') as a buffer, once the table exists. */
static int get_fingerprints(const U64Set *self, PyObject *obj, Py_buffer *view) {
    if (self->slots == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "U64Set.__init__ was not called");
        return -1;
    }
    return get_array(obj, view, 'Q', "fingerprints");
}

static int grow(U64Set *self) {
    int bits = self->bits + 1;
    size_t size = (size_t)1 << bits;
    uint64_t *slots = PyMem_Calloc(size, sizeof(uint64_t));
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    size_t mask = size - 1;
    size_t old_size = (size_t)1 << self->bits;
    for (size_t i = 0; i < old_size; i++) {
        uint64_t value = self->slots[i];
        if (value == 0)
            continue;
        size_t slot = slot_of(value, bits);
        while (slots[slot] != 0)
            slot = (slot + 1) & mask;
        slots[slot] = value;
    }
    PyMem_Free(self->slots);
    self->slots = slots;
    self->bits = bits;
    return 0;
}

/* The slot that holds value, or the empty slot where it would go (value is not 0). */
static size_t find_slot(const U64Set *self, uint64_t value) {
    size_t mask = ((size_t)1 << self->bits) - 1;
    size_t slot = slot_of(value, self->bits);
    while (self->slots[slot] != value && self->slots[slot] != 0)
        slot = (slot + 1) & mask;
    return slot;
}

static int contains(const U64Set *self, uint64_t value) {
    if (value == 0)
        return self->has_zero;
    return self->slots[find_slot(self, value)] == value;
}

static int add(U64Set *self, uint64_t value) {
    if (value == 0) {
        self->has_zero = 1;
        return 0;
    }
    if ((size_t)(self->used + 1) * 4 > ((size_t)3 << self->bits) && grow(self) < 0)
        return -1;
    size_t slot = find_slot(self, value);
    if (self->slots[slot] == 0) {
        self->slots[slot] = value;
        self->used++;
    }
    return 0;
}

static int U64Set_init(U64Set *self, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, ":U64Set", keywords))
        return -1;
    PyMem_Free(self->slots);
    self->bits = 10;
    self->used = 0;
    self->has_zero = 0;
    self->slots = PyMem_Calloc((size_t)1 << self->bits, sizeof(uint64_t));
    if (self->slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static void U64Set_dealloc(U64Set *self) {
    PyMem_Free(self->slots);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *U64Set_add_many(U64Set *self, PyObject *fingerprints) {
    Py_buffer view;
    if (get_fingerprints(self, fingerprints, &view) < 0)
        return NULL;
    const uint64_t *values = view.buf;
    Py_ssize_t count = view.len / 8;
    for (Py_ssize_t i = 0; i < count; i++) {
        if (add(self, values[i]) < 0) {
            PyBuffer_Release(&view);
            return NULL;
        }
    }
    PyBuffer_Release(&view);
    Py_RETURN_NONE;
}

static PyObject *U64Set_contains_many(U64Set *self, PyObject *fingerprints) {
    Py_buffer view;
    if (get_fingerprints(self, fingerprints, &view) < 0)
        return NULL;
    const uint64_t *values = view.buf;
    Py_ssize_t count = view.len / 8;
    PyObject *result = PyBytes_FromStringAndSize(NULL, count);
    if (result != NULL) {
        char *flags = PyBytes_AS_STRING(result);
        for (Py_ssize_t i = 0; i < count; i++)
            flags[i] = (char)contains(self, values[i]);
    }
    PyBuffer_Release(&view);
    return result;
}

static Py_ssize_t U64Set_len(U64Set *self) {
    return self->used + self->has_zero;
}

static PyObject *U64Set_nbytes(U64Set *self, void *closure) {
    (void)closure;
    return PyLong_FromSize_t(((size_t)1 << self->bits) * sizeof(uint64_t));
}

static PyMethodDef U64Set_methods[] = {
    {"add_many", (PyCFunction)U64Set_add_many, METH_O,
     "add_many(fingerprints)\n--\n\nAdd every member of an array('Q')."},
    {"contains_many", (PyCFunction)U64Set_contains_many, METH_O,
     "contains_many(fingerprints)\n--\n\nOne byte per member of an array('Q'): 1 when in the "
     "set."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef U64Set_getset[] = {
    {"nbytes", (getter)U64Set_nbytes, NULL, "Bytes held by the table.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PySequenceMethods U64Set_as_sequence = {
    .sq_length = (lenfunc)U64Set_len,
};

static PyTypeObject U64SetType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "dedup._u64set.U64Set",
    .tp_doc = PyDoc_STR("A set of unsigned 64-bit integers, 8 bytes a slot."),
    .tp_basicsize = sizeof(U64Set),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)U64Set_init,
    .tp_dealloc = (destructor)U64Set_dealloc,
    .tp_methods = U64Set_methods,
    .tp_getset = U64Set_getset,
    .tp_as_sequence = &U64Set_as_sequence,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "dedup._u64set",
    .m_doc = "A compact set of 64-bit fingerprints (see dedup.fingerprint_set).",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__u64set(void) {
    if (PyType_Ready(&U64SetType) < 0)
        return NULL;
    PyObject *mod = PyModule_Create(&module);
    if (mod == NULL)
        return NULL;
    Py_INCREF(&U64SetType);
    if (PyModule_AddObject(mod, "U64Set", (PyObject *)&U64SetType) < 0) {
        Py_DECREF(&U64SetType);
        Py_DECREF(mod);
        return NULL;
    }
    return mod;
}

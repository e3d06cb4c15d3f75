/* Fingerprints of many keys in one call: xxh3-64 of each, as xxhash.xxh3_64_intdigest
 * gives it (the same algorithm from the same library: _xxhash.h is xxHash 0.8.4's
 * header, as the xxhash package 4.1.0 vendors it, under its BSD 2-Clause License),
 * into one array('Q'), with no int object and no call per key.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#define XXH_INLINE_ALL
#include "_xxhash.h"

/* xxh3_64_all(keys: list[bytes]) -> bytes: the native uint64 fingerprint of each key. */
static PyObject *xxh3_64_all(PyObject *module, PyObject *keys) {
    if (!PyList_Check(keys)) {
        PyErr_SetString(PyExc_TypeError, "xxh3_64_all(keys: list of bytes)");
        return NULL;
    }
    Py_ssize_t count = PyList_GET_SIZE(keys);
    PyObject *result = PyBytes_FromStringAndSize(NULL, count * (Py_ssize_t)sizeof(uint64_t));
    if (result == NULL)
        return NULL;
    uint64_t *out = (uint64_t *)PyBytes_AS_STRING(result);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *key = PyList_GET_ITEM(keys, i);
        if (!PyBytes_Check(key)) {
            Py_DECREF(result);
            PyErr_SetString(PyExc_TypeError, "keys must be bytes");
            return NULL;
        }
        out[i] = XXH3_64bits(PyBytes_AS_STRING(key), (size_t)PyBytes_GET_SIZE(key));
    }
    return result;
}

static PyMethodDef methods[] = {
    {"xxh3_64_all", (PyCFunction)xxh3_64_all, METH_O,
     "xxh3_64_all(keys): the xxh3-64 fingerprint of every key, as native uint64 bytes"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fingerprints", "xxh3-64 fingerprints of many keys at once.", -1,
    methods,
};

PyMODINIT_FUNC PyInit__fingerprints(void) { return PyModule_Create(&module); }

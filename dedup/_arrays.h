/* Typed arrays in and pairs of offsets out, shared by the C extensions. */
#ifndef DEDUP_ARRAYS_H
#define DEDUP_ARRAYS_H

#include <Python.h>
#include <stdint.h>
#include <string.h>

/* obj's buffer as 64-bit integers: an array('q') for code 'q', an array('Q') for 'Q'.
 * -1 with a TypeError naming `what` otherwise. */
static inline int get_array(PyObject *obj, Py_buffer *view, char code, const char *what) {
    if (PyObject_GetBuffer(obj, view, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) < 0)
        return -1;
    const char *format = view->format ? view->format : "B";
    char last = format[strlen(format) - 1];
    int is_signed = code == 'q';
    int ok = view->itemsize == 8 &&
             (is_signed ? (last == 'q' || last == 'l') : (last == 'Q' || last == 'L'));
    if (!ok) {
        PyBuffer_Release(view);
        PyErr_Format(PyExc_TypeError, "%s must be an array('%c')", what, code);
        return -1;
    }
    return 0;
}

/* Spans of a bytes object: start[i] to end[i], from two array('q')s. */
typedef struct {
    Py_buffer starts, ends;
    const int64_t *start, *end;
    Py_ssize_t count;
} Spans;

static inline void release_spans(Spans *spans) {
    PyBuffer_Release(&spans->starts);
    PyBuffer_Release(&spans->ends);
}

/* The spans in the array('q')s starts and ends, of one length, each within 0 to size;
 * -1 with an error (ValueError `outside` for a span beyond those bounds) and nothing
 * held otherwise. */
static inline int get_spans(PyObject *starts, PyObject *ends, Py_ssize_t size,
                            const char *outside, Spans *spans) {
    if (get_array(starts, &spans->starts, 'q', "starts") < 0)
        return -1;
    if (get_array(ends, &spans->ends, 'q', "ends") < 0) {
        PyBuffer_Release(&spans->starts);
        return -1;
    }
    spans->start = spans->starts.buf;
    spans->end = spans->ends.buf;
    spans->count = spans->starts.len / 8;
    if (spans->ends.len != spans->starts.len) {
        PyErr_SetString(PyExc_ValueError, "starts and ends differ in length");
        release_spans(spans);
        return -1;
    }
    for (Py_ssize_t i = 0; i < spans->count; i++) {
        if (spans->start[i] < 0 || spans->end[i] < spans->start[i] || spans->end[i] > size) {
            PyErr_SetString(PyExc_ValueError, outside);
            release_spans(spans);
            return -1;
        }
    }
    return 0;
}

/* A growing run of (start, end) pairs, handed to Python as native int64 bytes. */
typedef struct {
    int64_t *data;
    Py_ssize_t count, capacity;
} Pairs;

static inline int append_pair(Pairs *pairs, int64_t start, int64_t end) {
    if (pairs->count == pairs->capacity) {
        Py_ssize_t capacity = pairs->capacity ? 2 * pairs->capacity : 1024;
        int64_t *data = PyMem_Realloc(pairs->data, (size_t)capacity * 2 * sizeof *data);
        if (data == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        pairs->data = data;
        pairs->capacity = capacity;
    }
    pairs->data[2 * pairs->count] = start;
    pairs->data[2 * pairs->count + 1] = end;
    pairs->count++;
    return 0;
}

/* The pairs as bytes (start, end, start, end...); frees them either way. */
static inline PyObject *pairs_to_bytes(Pairs *pairs) {
    PyObject *result = PyBytes_FromStringAndSize(
        (const char *)pairs->data, pairs->count * 2 * (Py_ssize_t)sizeof(int64_t));
    PyMem_Free(pairs->data);
    pairs->data = NULL;
    return result;
}

#endif

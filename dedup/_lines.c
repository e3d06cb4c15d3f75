/* Line tables in C: where each line of a document starts and ends and whether it holds
 * anything but whitespace, and auto mode's blocks with their hard-wrap verdicts
 * (dedup.segment); the line numbers of byte offsets (dedup.results); and the byte ranges
 * that removed units leave out, with the widest gap between kept units (dedup.render).
 * Each is one pass over the bytes, where Python made an object per line or a call per
 * offset or gap. And the writing of the output: the kept pieces of the input, straight
 * from it to a file descriptor.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "_arrays.h"
#include "_utf8.h"

#ifndef _WIN32
#include <errno.h>
#include <sys/uio.h>
#include <unistd.h>
#endif

/* bytes.isspace() of a line's bytes: space, \t, \n, \v, \f and \r. */
static inline int is_space(unsigned char byte) {
    return byte == ' ' || (byte >= '\t' && byte <= '\r');
}

/* line_table(body) -> (starts, ends, filled): per line of body.split(b"\n"), its start
 * and end offsets (native int64, the newline excluded) and 1 when it is not blank. */
static PyObject *line_table(PyObject *module, PyObject *body) {
    if (!PyBytes_Check(body)) {
        PyErr_SetString(PyExc_TypeError, "line_table(body: bytes)");
        return NULL;
    }
    const char *text = PyBytes_AS_STRING(body);
    Py_ssize_t length = PyBytes_GET_SIZE(body), count = 1;
    for (const char *at = text; (at = memchr(at, '\n', (size_t)(text + length - at))); at++)
        count++;
    PyObject *starts = PyBytes_FromStringAndSize(NULL, count * 8);
    PyObject *ends = PyBytes_FromStringAndSize(NULL, count * 8);
    PyObject *filled = PyBytes_FromStringAndSize(NULL, count);
    if (!starts || !ends || !filled)
        goto fail;
    int64_t *start_of = (int64_t *)PyBytes_AS_STRING(starts);
    int64_t *end_of = (int64_t *)PyBytes_AS_STRING(ends);
    char *filled_of = PyBytes_AS_STRING(filled);
    Py_ssize_t start = 0;
    for (Py_ssize_t line = 0; line < count; line++) {
        const char *newline = memchr(text + start, '\n', (size_t)(length - start));
        Py_ssize_t end = newline ? newline - text : length;
        char blank = 1;
        for (Py_ssize_t i = start; i < end && blank; i++)
            blank = is_space((unsigned char)text[i]);
        start_of[line] = start;
        end_of[line] = end;
        filled_of[line] = !blank;
        start = end + 1;
    }
    PyObject *result = PyTuple_Pack(3, starts, ends, filled);
    Py_DECREF(starts);
    Py_DECREF(ends);
    Py_DECREF(filled);
    return result;
fail:
    Py_XDECREF(starts);
    Py_XDECREF(ends);
    Py_XDECREF(filled);
    return NULL;
}

/* line_numbers(data, positions, out): out[i] = the 1-based line of byte positions[i],
 * for positions in ascending order (array('q')s of one length). */
static PyObject *line_numbers(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3 || !PyBytes_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "line_numbers(data: bytes, positions, out)");
        return NULL;
    }
    Py_buffer positions_view, out_view;
    if (get_array(args[1], &positions_view, 'q', "positions") < 0)
        return NULL;
    if (get_array(args[2], &out_view, 'q', "out") < 0) {
        PyBuffer_Release(&positions_view);
        return NULL;
    }
    PyObject *result = NULL;
    const char *text = PyBytes_AS_STRING(args[0]);
    Py_ssize_t length = PyBytes_GET_SIZE(args[0]), count = positions_view.len / 8;
    const int64_t *positions = positions_view.buf;
    int64_t *out = out_view.buf;
    if (out_view.len != positions_view.len) {
        PyErr_SetString(PyExc_ValueError, "positions and out differ in length");
        goto done;
    }
    int64_t line = 1, previous = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        int64_t position = positions[i];
        if (position < previous || position > length) {
            PyErr_SetString(PyExc_ValueError, "positions must ascend within the data");
            goto done;
        }
        for (const char *at = text + previous;
             (at = memchr(at, '\n', (size_t)(text + position - at))); at++)
            line++;
        out[i] = line;
        previous = position;
    }
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&out_view);
    PyBuffer_Release(&positions_view);
    return result;
}

/* The number of newlines in text[start:end]. */
static Py_ssize_t breaks_in(const char *text, int64_t start, int64_t end) {
    Py_ssize_t count = 0;
    for (const char *at = text + start; at < text + end &&
                                        (at = memchr(at, '\n', (size_t)(text + end - at)));
         at++)
        count++;
    return count;
}

/* Add [start, end) + shift to the ranges, unless it is empty. */
static int add_range(Pairs *ranges, Py_ssize_t shift, int64_t start, int64_t end) {
    return start < end ? append_pair(ranges, start + shift, end + shift) : 0;
}

/* deleted_ranges(body, starts, ends, keep, shift) -> bytes: dedup.render.deleted_ranges
 * as native int64 (start, end) pairs, for unit spans in array('q')s and keep as bytes. */
static PyObject *deleted_ranges(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 5 || !PyBytes_Check(args[0]) || !PyBytes_Check(args[3])) {
        PyErr_SetString(PyExc_TypeError, "deleted_ranges(body: bytes, starts, ends, keep: bytes, shift)");
        return NULL;
    }
    Py_ssize_t shift = PyLong_AsSsize_t(args[4]);
    if (shift == -1 && PyErr_Occurred())
        return NULL;
    Pairs ranges = {NULL, 0, 0};
    Py_buffer starts_view, ends_view;
    if (get_array(args[1], &starts_view, 'q', "starts") < 0)
        return NULL;
    if (get_array(args[2], &ends_view, 'q', "ends") < 0) {
        PyBuffer_Release(&starts_view);
        return NULL;
    }
    PyObject *result = NULL;
    const char *body = PyBytes_AS_STRING(args[0]), *keep = PyBytes_AS_STRING(args[3]);
    Py_ssize_t length = PyBytes_GET_SIZE(args[0]), count = starts_view.len / 8;
    const int64_t *starts = starts_view.buf, *ends = ends_view.buf;
    if (ends_view.len != starts_view.len || PyBytes_GET_SIZE(args[3]) != count) {
        PyErr_SetString(PyExc_ValueError, "starts, ends and keep must hold one item per unit");
        goto done;
    }
    for (Py_ssize_t unit = 0; unit < count; unit++) {
        if (starts[unit] < 0 || ends[unit] < starts[unit] || ends[unit] > length ||
            (unit > 0 && starts[unit] < ends[unit - 1])) {
            PyErr_SetString(PyExc_ValueError, "the units must be ordered spans of the body");
            goto done;
        }
    }
    for (Py_ssize_t unit = 0; unit < count;) {
        if (keep[unit]) {
            unit++;
            continue;
        }
        Py_ssize_t left = unit - 1; /* the kept units around the run of removed ones */
        while (unit < count && !keep[unit])
            unit++;
        Py_ssize_t right = unit;
        int failed;
        if (left < 0 && right == count) {
            failed = add_range(&ranges, shift, 0, length); /* nothing kept: the BOM alone remains */
        } else if (left < 0) {
            failed = add_range(&ranges, shift, starts[0], starts[right]);
        } else if (right == count) {
            failed = add_range(&ranges, shift, ends[left], ends[count - 1]);
        } else {
            /* Keep the widest gap (most line breaks; the first on a tie). */
            Py_ssize_t gap = left, widest = breaks_in(body, ends[left], starts[left + 1]);
            for (Py_ssize_t index = left + 1; index < right; index++) {
                Py_ssize_t breaks = breaks_in(body, ends[index], starts[index + 1]);
                if (breaks > widest) {
                    gap = index;
                    widest = breaks;
                }
            }
            failed = add_range(&ranges, shift, ends[left], ends[gap]) < 0 ||
                     add_range(&ranges, shift, starts[gap + 1], starts[right]) < 0;
        }
        if (failed)
            goto done;
    }
    result = pairs_to_bytes(&ranges);
done:
    PyMem_Free(ranges.data);
    PyBuffer_Release(&ends_view);
    PyBuffer_Release(&starts_view);
    return result;
}

/* The blocks of auto mode (dedup.segment): runs of non-blank lines, and whether each
 * reads as one paragraph. The rules are segment.looks_hard_wrapped's, which stays the
 * reference: tests compare the two. */

/* A line's length in characters without trailing whitespace, as segment._char_lengths
 * counts it: an ASCII line loses bytes.rstrip()'s whitespace, another line is decoded and
 * loses str.rstrip()'s. -1 for a line that is not strict UTF-8 (Python decodes it with
 * replacement characters). */
static Py_ssize_t stripped_length(const unsigned char *text, Py_ssize_t length) {
    if (is_ascii(text, length)) { /* most lines: no character to decode */
        while (length > 0 && is_space(text[length - 1]))
            length--;
        return length;
    }
    Py_ssize_t at = 0, chars = 0, kept = 0;
    int ascii = 1;
    while (at < length) {
        int32_t code = text[at];
        if (code < 0x80) {
            at++;
        } else {
            code = next_code_point(text, length, &at);
            if (code < 0)
                return -1;
            ascii = 0;
        }
        chars++;
        if (!Py_UNICODE_ISSPACE(code))
            kept = chars;
    }
    if (!ascii)
        return kept;
    while (length > 0 && is_space(text[length - 1]))
        length--;
    return length;
}

/* Whether text without bytes.rstrip()'s whitespace ends with one of marks (bytes). */
static int ends_with_mark(const unsigned char *text, Py_ssize_t length, PyObject *marks) {
    while (length > 0 && is_space(text[length - 1]))
        length--;
    for (Py_ssize_t m = 0; m < PyTuple_GET_SIZE(marks); m++) {
        PyObject *mark = PyTuple_GET_ITEM(marks, m);
        Py_ssize_t size = PyBytes_GET_SIZE(mark);
        if (size <= length && memcmp(text + length - size, PyBytes_AS_STRING(mark), (size_t)size) == 0)
            return 1;
    }
    return 0;
}

/* looks_hard_wrapped of the lines first..last: 1 or 0, or 2 when Python must decide. */
static char wrapped(const unsigned char *text, const int64_t *start_of, const int64_t *end_of,
                    Py_ssize_t first, Py_ssize_t last, PyObject *marks, Py_ssize_t *lengths) {
    Py_ssize_t count = last - first + 1;
    if (count < 3)
        return count < 2;
    Py_ssize_t widest = 0;
    for (Py_ssize_t line = first; line <= last; line++) {
        Py_ssize_t length = stripped_length(text + start_of[line], end_of[line] - start_of[line]);
        if (length < 0)
            return 2;
        lengths[line - first] = length;
        if (length > widest)
            widest = length;
    }
    if (widest < 30 || widest > 120)
        return 0;
    Py_ssize_t full = 0, ended = 0, body = count - 1;
    for (Py_ssize_t line = first; line < last; line++) {
        full += 0.6 * (double)widest <= (double)lengths[line - first];
        ended += ends_with_mark(text + start_of[line], end_of[line] - start_of[line], marks);
    }
    return (double)full >= 0.8 * (double)body && (double)ended <= 0.5 * (double)body;
}

/* block_table(body, starts, ends, filled, marks, judge) -> (blocks, verdicts): the first
 * and last line (native int64 pairs) of every run of lines that filled marks, and per run
 * 1 when it reads as one paragraph (one line, or hard-wrapped), 0 when not, 2 when
 * Python must decide (a line that is not UTF-8). Without judge, every verdict is 1. */
static PyObject *block_table(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 6 || !PyBytes_Check(args[0]) || !PyBytes_Check(args[3]) ||
        !PyTuple_Check(args[4])) {
        PyErr_SetString(PyExc_TypeError, "block_table(body: bytes, starts, ends, filled: "
                                         "bytes, marks: tuple, judge: bool)");
        return NULL;
    }
    int judge = PyObject_IsTrue(args[5]);
    if (judge < 0)
        return NULL;
    PyObject *marks = args[4];
    for (Py_ssize_t m = 0; m < PyTuple_GET_SIZE(marks); m++) {
        if (!PyBytes_Check(PyTuple_GET_ITEM(marks, m))) {
            PyErr_SetString(PyExc_TypeError, "marks must be bytes");
            return NULL;
        }
    }
    Spans lines;
    if (get_spans(args[1], args[2], PyBytes_GET_SIZE(args[0]), "a line lies outside the body",
                  &lines) < 0)
        return NULL;
    PyObject *result = NULL;
    Pairs blocks = {NULL, 0, 0};
    Py_ssize_t *lengths = NULL, room = 0;
    char *verdicts = NULL;
    const unsigned char *text = (const unsigned char *)PyBytes_AS_STRING(args[0]);
    const char *filled = PyBytes_AS_STRING(args[3]);
    Py_ssize_t count = PyBytes_GET_SIZE(args[3]);
    if (lines.count != count) {
        PyErr_SetString(PyExc_ValueError, "starts, ends and filled differ in length");
        goto done;
    }
    for (Py_ssize_t line = 0; line < count; line++) {
        if (!filled[line])
            continue;
        Py_ssize_t first = line;
        while (line + 1 < count && filled[line + 1])
            line++;
        if (append_pair(&blocks, first, line) < 0)
            goto done;
    }
    verdicts = PyMem_Malloc((size_t)blocks.count + 1);
    if (verdicts == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t block = 0; block < blocks.count; block++) {
        Py_ssize_t first = blocks.data[2 * block], last = blocks.data[2 * block + 1];
        if (!judge) {
            verdicts[block] = 1;
            continue;
        }
        if (last - first + 1 > room) {
            room = 2 * (last - first + 1);
            PyMem_Free(lengths);
            lengths = PyMem_Malloc((size_t)room * sizeof *lengths);
            if (lengths == NULL) {
                PyErr_NoMemory();
                goto done;
            }
        }
        verdicts[block] = wrapped(text, lines.start, lines.end, first, last, marks, lengths);
    }
    PyObject *verdict_bytes = PyBytes_FromStringAndSize(verdicts, blocks.count);
    PyObject *pairs = verdict_bytes ? pairs_to_bytes(&blocks) : NULL;
    if (pairs != NULL)
        result = PyTuple_Pack(2, pairs, verdict_bytes);
    Py_XDECREF(pairs);
    Py_XDECREF(verdict_bytes);
done:
    PyMem_Free(blocks.data);
    PyMem_Free(lengths);
    PyMem_Free(verdicts);
    release_spans(&lines);
    return result;
}

/* block_spans(line_starts, line_ends, firsts, lasts, cut) -> (starts, ends): the unit
 * spans of a document whose blocks run from line firsts[i] to line lasts[i]: one unit
 * per block, or one per line of a block whose byte in cut is not 0; as native int64. */
static PyObject *block_spans(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 5 || !PyBytes_Check(args[4])) {
        PyErr_SetString(PyExc_TypeError,
                        "block_spans(line_starts, line_ends, firsts, lasts, cut: bytes)");
        return NULL;
    }
    Spans lines, blocks;
    if (get_spans(args[0], args[1], PY_SSIZE_T_MAX, "a line span is negative or reversed",
                  &lines) < 0)
        return NULL;
    if (get_spans(args[2], args[3], lines.count > 0 ? lines.count - 1 : -1,
                  "a block lies outside the lines", &blocks) < 0) {
        release_spans(&lines);
        return NULL;
    }
    const char *cut = PyBytes_AS_STRING(args[4]);
    PyObject *result = NULL;
    Pairs spans = {NULL, 0, 0};
    if (PyBytes_GET_SIZE(args[4]) != blocks.count) {
        PyErr_SetString(PyExc_ValueError, "cut must hold a byte per block");
        goto done;
    }
    for (Py_ssize_t block = 0; block < blocks.count; block++) {
        int64_t first = blocks.start[block], last = blocks.end[block];
        if (!cut[block]) {
            if (append_pair(&spans, lines.start[first], lines.end[last]) < 0)
                goto done;
            continue;
        }
        for (int64_t line = first; line <= last; line++)
            if (append_pair(&spans, lines.start[line], lines.end[line]) < 0)
                goto done;
    }
    result = pairs_to_bytes(&spans);
done:
    PyMem_Free(spans.data);
    release_spans(&blocks);
    release_spans(&lines);
    return result;
}

#ifndef _WIN32
/* Pieces handed to one writev() call (the usual IOV_MAX). */
#define PIECES_PER_CALL 1024

/* writev() the pieces until all are written: a pipe may take part of them, and a signal
 * may interrupt the call, after some bytes or none (EINTR). The Python handlers of the
 * signals that came run after every call, as after os.writev(); an exception one raises
 * (KeyboardInterrupt) stops the writing. */
static int writev_all(int descriptor, struct iovec *pieces, int count) {
    while (count > 0) {
        ssize_t written;
        Py_BEGIN_ALLOW_THREADS
        written = writev(descriptor, pieces, count);
        Py_END_ALLOW_THREADS
        int error = errno;
        if (PyErr_CheckSignals() < 0)
            return -1;
        if (written < 0) {
            if (error == EINTR)
                continue;
            errno = error;
            PyErr_SetFromErrno(PyExc_OSError);
            return -1;
        }
        while (count > 0 && (size_t)written >= pieces->iov_len) {
            written -= (ssize_t)pieces->iov_len;
            pieces++;
            count--;
        }
        if (count > 0) {
            pieces->iov_base = (char *)pieces->iov_base + written;
            pieces->iov_len -= (size_t)written;
        }
    }
    return 0;
}

/* write_kept(descriptor, data, ranges): write data without the byte ranges (a list of
 * sorted, disjoint (start, end) tuples within it), as dedup.render.kept_pieces gives it,
 * a thousand pieces per writev() and with no copy. */
static PyObject *write_kept(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3 || !PyList_Check(args[2])) {
        PyErr_SetString(PyExc_TypeError, "write_kept(descriptor, data, ranges: list)");
        return NULL;
    }
    long descriptor = PyLong_AsLong(args[0]);
    if (descriptor == -1 && PyErr_Occurred())
        return NULL;
    if (descriptor < 0 || descriptor > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "not a file descriptor");
        return NULL;
    }
    Py_buffer data;
    if (PyObject_GetBuffer(args[1], &data, PyBUF_SIMPLE) < 0)
        return NULL;
    PyObject *ranges = args[2], *result = NULL;
    struct iovec pieces[PIECES_PER_CALL];
    int count = 0;
    Py_ssize_t position = 0;
    /* The list's length is read at every step: a signal handler that runs while writing
     * could change it. */
    for (Py_ssize_t index = 0; index <= PyList_GET_SIZE(ranges); index++) {
        Py_ssize_t start = data.len, end = data.len;
        if (index < PyList_GET_SIZE(ranges)) {
            PyObject *range = PyList_GET_ITEM(ranges, index);
            if (!PyTuple_Check(range) || PyTuple_GET_SIZE(range) != 2) {
                PyErr_SetString(PyExc_TypeError, "each range must be a (start, end) tuple");
                goto done;
            }
            start = PyLong_AsSsize_t(PyTuple_GET_ITEM(range, 0));
            if (start == -1 && PyErr_Occurred())
                goto done;
            end = PyLong_AsSsize_t(PyTuple_GET_ITEM(range, 1));
            if (end == -1 && PyErr_Occurred())
                goto done;
            if (start < position || end < start || end > data.len) {
                PyErr_SetString(PyExc_ValueError,
                                "the ranges must be sorted, disjoint and within the data");
                goto done;
            }
        }
        if (start > position) {
            pieces[count].iov_base = (char *)data.buf + position;
            pieces[count].iov_len = (size_t)(start - position);
            if (++count == PIECES_PER_CALL) {
                if (writev_all((int)descriptor, pieces, count) < 0)
                    goto done;
                count = 0;
            }
        }
        position = end;
    }
    if (count > 0 && writev_all((int)descriptor, pieces, count) < 0)
        goto done;
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&data);
    return result;
}
#endif

static PyMethodDef methods[] = {
    {"deleted_ranges", (PyCFunction)(void (*)(void))deleted_ranges, METH_FASTCALL,
     "deleted_ranges(body, starts, ends, keep, shift): the byte ranges the output leaves out"},
    {"block_table", (PyCFunction)(void (*)(void))block_table, METH_FASTCALL,
     "block_table(body, starts, ends, filled, marks, judge): (blocks, verdicts), blocks as "
     "(first line, last line) pairs"},
    {"block_spans", (PyCFunction)(void (*)(void))block_spans, METH_FASTCALL,
     "block_spans(line_starts, line_ends, firsts, lasts, cut): the unit spans of the blocks"},
    {"line_table", (PyCFunction)line_table, METH_O,
     "line_table(body): (starts, ends, filled) of every line, as native int64 and bytes"},
    {"line_numbers", (PyCFunction)(void (*)(void))line_numbers, METH_FASTCALL,
     "line_numbers(data, positions, out): the 1-based line of each ascending position"},
#ifndef _WIN32
    {"write_kept", (PyCFunction)(void (*)(void))write_kept, METH_FASTCALL,
     "write_kept(descriptor, data, ranges): write data without the ranges"},
#endif
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_lines", "Line tables of documents.", -1, methods,
};

PyMODINIT_FUNC PyInit__lines(void) { return PyModule_Create(&module); }

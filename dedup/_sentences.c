/* Sentence units in C: dedup.sentences.split_sentences over every line of a document,
 * with byte spans out (what dedup.segment makes of its character spans).
 *
 * Each line is stripped of ASCII whitespace (bytes.strip), decoded as Python decodes it
 * with surrogateescape (a byte that begins no valid character is one lone surrogate),
 * and cut where split_sentences cuts it; see that module for the rules. A word before a
 * full stop is tested as an abbreviation here when it is ASCII, and by the Python
 * function passed in otherwise (str.lower has mappings beyond one character).
 * A line of ASCII only is read as its bytes, and searched for its stops eight bytes at
 * a time.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#include "_arrays.h"
#include "_utf8.h"

#define WORD_WINDOW 64 /* dedup.sentences._WORD_WINDOW */

static int is_western_stop(Py_UCS4 c) {
    return c == '.' || c == '!' || c == '?' || c == 0x2026 || c == 0x203C || c == 0x2047 ||
           c == 0x2048 || c == 0x2049;
}

static int is_full_width_stop(Py_UCS4 c) {
    return c == 0x3002 || c == 0xFF01 || c == 0xFF1F || c == 0xFF61;
}

static int is_closer(Py_UCS4 c) {
    return c == '"' || c == '\'' || c == 0x201D || c == 0x2019 || c == 0xBB || c == 0x300D ||
           c == 0x300F || c == 0xFF09 || c == ')' || c == ']';
}

static int is_opener(Py_UCS4 c) {
    return c == '"' || c == '\'' || c == 0x201C || c == 0x2018 || c == 0xAB || c == 0x300C ||
           c == 0x300E || c == 0xFF08 || c == '(' || c == '[' || c == 0xBF || c == 0xA1 ||
           c == '-' || c == 0x2014;
}

/* str.isalnum and str.islower, without a call for ASCII (where they are [0-9A-Za-z] and
 * [a-z], as in Python's own ASCII tables). */
static inline int is_alnum(Py_UCS4 c) {
    if (c < 0x80)
        return Py_ISALNUM(c) != 0;
    return Py_UNICODE_ISALNUM(c) != 0;
}

static inline int is_lower(Py_UCS4 c) {
    if (c < 0x80)
        return Py_ISLOWER(c) != 0;
    return Py_UNICODE_ISLOWER(c) != 0;
}

/* A character of [\w.] in a str pattern. */
static int is_word_char(Py_UCS4 c) { return c == '.' || c == '_' || is_alnum(c); }

static int is_ascii_space(unsigned char byte) {
    return byte == ' ' || (byte >= '\t' && byte <= '\r');
}

/* The abbreviations of up to PACKED_MAX ASCII characters, packed with their length into
 * integers and sorted, and the length of the longest abbreviation: a word before a full
 * stop is looked up without making a str, or not at all when it is longer. Set to look
 * up every word in the set when it holds anything but str. */
#define PACKED_MAX 7
typedef struct {
    uint64_t *packed;
    Py_ssize_t count;
    Py_ssize_t longest;
} Abbreviations;

static uint64_t pack_word(const char *word, Py_ssize_t length) {
    uint64_t value = (uint64_t)length << 56;
    memcpy(&value, word, (size_t)length); /* little or big end: the same for every word */
    return value;
}

static int compare_packed(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* -1 on error. */
static int read_abbreviations(PyObject *set, Abbreviations *known) {
    known->packed = PyMem_Calloc((size_t)PySet_GET_SIZE(set) + 1, sizeof *known->packed);
    if (known->packed == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    PyObject *iterator = PyObject_GetIter(set), *item;
    if (iterator == NULL)
        return -1;
    while ((item = PyIter_Next(iterator)) != NULL) {
        if (!PyUnicode_CheckExact(item)) {
            known->longest = PY_SSIZE_T_MAX;
        } else {
            Py_ssize_t length = PyUnicode_GET_LENGTH(item);
            if (length > known->longest)
                known->longest = length;
            if (PyUnicode_IS_ASCII(item) && length <= PACKED_MAX &&
                known->count < PySet_GET_SIZE(set))
                known->packed[known->count++] = pack_word(PyUnicode_AsUTF8(item), length);
        }
        Py_DECREF(item);
    }
    Py_DECREF(iterator);
    if (PyErr_Occurred())
        return -1;
    qsort(known->packed, (size_t)known->count, sizeof *known->packed, compare_packed);
    return 0;
}

/* A line is read as its bytes when they are all ASCII (each byte a character at its own
 * offset), and else decoded into `chars` and `offsets`: twelve bytes written per byte
 * read, which most lines of most text do not need. */
typedef struct {
    PyObject *abbreviations; /* a set of str */
    PyObject *word_test;     /* word -> bool, for words beyond ASCII */
    Abbreviations known;     /* the set's short ASCII words, for a lookup without objects */
    const unsigned char *bytes; /* the line, when it is ASCII */
    int ascii;
    Py_UCS4 *chars;      /* else the line's characters */
    Py_ssize_t *offsets; /* and the byte offset of each, and one past the last */
    Py_ssize_t capacity;
    Pairs spans; /* start and end of every sentence so far */
} Splitter;

static inline Py_UCS4 char_at(const Splitter *splitter, Py_ssize_t at) {
    return splitter->ascii ? splitter->bytes[at] : splitter->chars[at];
}

static inline Py_ssize_t offset_at(const Splitter *splitter, Py_ssize_t at) {
    return splitter->ascii ? at : splitter->offsets[at];
}

/* The first of `.`, `!` and `?` in ASCII text from `at`, or `length`: eight bytes at a
 * time (a word holds one of them when it XORed with that byte repeated holds a zero
 * byte), as most bytes of prose are none of them. */
static Py_ssize_t next_ascii_stop(const unsigned char *text, Py_ssize_t at, Py_ssize_t length) {
    const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
    for (; at + 8 <= length; at += 8) {
        uint64_t word;
        memcpy(&word, text + at, 8);
        uint64_t dot = word ^ (ones * '.'), bang = word ^ (ones * '!'), ask = word ^ (ones * '?');
        if ((((dot - ones) & ~dot) | ((bang - ones) & ~bang) | ((ask - ones) & ~ask)) & highs)
            break;
    }
    for (; at < length; at++)
        if (text[at] == '.' || text[at] == '!' || text[at] == '?')
            return at;
    return length;
}

/* dedup.sentences._starts_sentence */
static int starts_sentence(const Splitter *splitter, Py_ssize_t count, Py_ssize_t at) {
    while (at < count && is_opener(char_at(splitter, at)))
        at++;
    if (at == count)
        return 0;
    Py_UCS4 c = char_at(splitter, at);
    return is_alnum(c) && !is_lower(c);
}

/* dedup.sentences._is_abbreviation for a full stop at stop_at; -1 on error. */
static int is_abbreviation(Splitter *splitter, Py_ssize_t stop_at) {
    Py_ssize_t window = stop_at > WORD_WINDOW ? stop_at - WORD_WINDOW : 0, start = stop_at;
    while (start > window && is_word_char(char_at(splitter, start - 1)))
        start--;
    if (start == stop_at)
        return 0;
    if (start == window && window > 0 && is_word_char(char_at(splitter, window - 1)))
        return 0; /* a word longer than the window: no abbreviation */
    int ascii = 1;
    for (Py_ssize_t i = start; i < stop_at; i++)
        ascii &= char_at(splitter, i) < 0x80;
    PyObject *word;
    if (!ascii) {
        word = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, splitter->chars + start,
                                         stop_at - start);
        if (word == NULL)
            return -1;
        PyObject *answer = PyObject_CallOneArg(splitter->word_test, word);
        Py_DECREF(word);
        if (answer == NULL)
            return -1;
        int result = PyObject_IsTrue(answer);
        Py_DECREF(answer);
        return result;
    }
    /* word.lower().strip(".") */
    char lowered[WORD_WINDOW];
    Py_ssize_t first = start, last = stop_at;
    while (first < last && char_at(splitter, first) == '.')
        first++;
    while (last > first && char_at(splitter, last - 1) == '.')
        last--;
    for (Py_ssize_t i = first; i < last; i++) {
        Py_UCS4 c = char_at(splitter, i);
        lowered[i - first] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    Py_ssize_t length = last - first;
    if (length == 1 && ((lowered[0] >= 'a' && lowered[0] <= 'z')))
        return 1;
    if (length > splitter->known.longest)
        return 0;
    if (length <= PACKED_MAX && splitter->known.longest != PY_SSIZE_T_MAX) {
        uint64_t value = pack_word(lowered, length);
        return bsearch(&value, splitter->known.packed, (size_t)splitter->known.count,
                       sizeof value, compare_packed) != NULL;
    }
    word = PyUnicode_FromStringAndSize(lowered, length);
    if (word == NULL)
        return -1;
    int found = PySet_Contains(splitter->abbreviations, word);
    Py_DECREF(word);
    return found;
}

/* Read a line: its bytes when they are ASCII, else decoded into splitter->chars and
 * ->offsets; the number of characters, or -1. */
static Py_ssize_t decode_line(Splitter *splitter, const unsigned char *text, Py_ssize_t length) {
    splitter->bytes = text;
    splitter->ascii = is_ascii(text, length);
    if (splitter->ascii)
        return length;
    if (length + 1 > splitter->capacity) {
        Py_ssize_t capacity = length + 1 > 2 * splitter->capacity ? length + 1 : 2 * splitter->capacity;
        Py_UCS4 *chars = PyMem_Realloc(splitter->chars, (size_t)capacity * sizeof *chars);
        if (chars == NULL)
            return -1;
        splitter->chars = chars;
        Py_ssize_t *offsets = PyMem_Realloc(splitter->offsets, (size_t)capacity * sizeof *offsets);
        if (offsets == NULL)
            return -1;
        splitter->offsets = offsets;
        splitter->capacity = capacity;
    }
    Py_ssize_t count = 0;
    for (Py_ssize_t at = 0; at < length;) {
        splitter->offsets[count] = at;
        if (text[at] < 0x80) {
            splitter->chars[count++] = text[at++];
            continue;
        }
        int32_t code = next_code_point(text, length, &at);
        if (code < 0)
            code = 0xDC00 + text[at++]; /* surrogateescape */
        splitter->chars[count++] = (Py_UCS4)code;
    }
    splitter->offsets[count] = length;
    return count;
}

/* The sentences of one stripped line, as byte spans from `base`; -1 on error. */
static int split_line(Splitter *splitter, const unsigned char *text, Py_ssize_t length,
                      Py_ssize_t base) {
    Py_ssize_t count = decode_line(splitter, text, length);
    if (count < 0) {
        PyErr_NoMemory();
        return -1;
    }
    const Splitter *line = splitter;
    Py_ssize_t start = 0, tail = count;
    while (start < count && Py_UNICODE_ISSPACE(char_at(line, start)))
        start++;
    for (Py_ssize_t at = 0; at < count;) {
        if (line->ascii && (at = next_ascii_stop(line->bytes, at, count)) == count)
            break;
        Py_UCS4 c = char_at(line, at);
        if (c < 0x80 ? !(c == '.' || c == '!' || c == '?') : c < 0x2026) {
            at++; /* the common case: no stop below U+2026 but . ! ? */
            continue;
        }
        int western = is_western_stop(c), full_width = is_full_width_stop(c);
        if (!western && !full_width) {
            at++;
            continue;
        }
        Py_ssize_t stop_start = at;
        while (at < count && (western ? is_western_stop(char_at(line, at))
                                      : is_full_width_stop(char_at(line, at))))
            at++;
        Py_ssize_t stop_end = at;
        while (at < count && is_closer(char_at(line, at)))
            at++;
        Py_ssize_t end = at;
        while (at < count && Py_UNICODE_ISSPACE(char_at(line, at)))
            at++;
        Py_ssize_t after = at;
        int boundary = 1;
        if (!is_full_width_stop(char_at(line, stop_end - 1))) {
            boundary = after > end && starts_sentence(line, count, after);
            if (boundary && stop_end - stop_start == 1 && char_at(line, stop_start) == '.') {
                int abbreviation = is_abbreviation(splitter, stop_start);
                if (abbreviation < 0)
                    return -1;
                boundary = !abbreviation;
            }
        }
        if (boundary && end > start && after < count) {
            if (append_pair(&splitter->spans, base + offset_at(line, start),
                            base + offset_at(line, end)) < 0)
                return -1;
            start = after;
        }
    }
    while (tail > 0 && Py_UNICODE_ISSPACE(char_at(line, tail - 1)))
        tail--;
    if (tail > start && append_pair(&splitter->spans, base + offset_at(line, start),
                                    base + offset_at(line, tail)) < 0)
        return -1;
    return 0;
}

/* Append the spans that long_line(start, end) returns: (start, end) pairs. */
static int split_long_line(Splitter *splitter, PyObject *long_line, Py_ssize_t start,
                           Py_ssize_t end) {
    PyObject *pairs = PyObject_CallFunction(long_line, "nn", start, end);
    if (pairs == NULL)
        return -1;
    PyObject *iterator = PyObject_GetIter(pairs);
    Py_DECREF(pairs);
    if (iterator == NULL)
        return -1;
    PyObject *pair;
    while ((pair = PyIter_Next(iterator)) != NULL) {
        Py_ssize_t first, last;
        int parsed = PyArg_ParseTuple(pair, "nn", &first, &last);
        Py_DECREF(pair);
        if (!parsed || append_pair(&splitter->spans, first, last) < 0) {
            Py_DECREF(iterator);
            return -1;
        }
    }
    Py_DECREF(iterator);
    return PyErr_Occurred() ? -1 : 0;
}

/* sentence_spans(body, starts, ends, abbreviations, word_test, max_line, long_line) ->
 * bytes: the start and end (native int64) of every sentence of the lines
 * body[starts[i]:ends[i]], in order. A line longer than max_line bytes is cut by
 * long_line(start, end) instead: the arrays here take 12 bytes per byte of a line. */
static PyObject *sentence_spans(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 7 || !PyBytes_Check(args[0]) || !PyAnySet_Check(args[3]) ||
        !PyCallable_Check(args[4]) || !PyCallable_Check(args[6])) {
        PyErr_SetString(PyExc_TypeError, "sentence_spans(body: bytes, starts, ends, "
                                         "abbreviations: set, word_test, max_line, long_line)");
        return NULL;
    }
    Py_ssize_t max_line = PyLong_AsSsize_t(args[5]);
    if (max_line == -1 && PyErr_Occurred())
        return NULL;
    Spans lines;
    if (get_spans(args[1], args[2], PyBytes_GET_SIZE(args[0]), "a line lies outside the body",
                  &lines) < 0)
        return NULL;
    Splitter splitter = {args[3], args[4], {NULL, 0, 0}, NULL, 0, NULL, NULL, 0, {NULL, 0, 0}};
    if (read_abbreviations(args[3], &splitter.known) < 0) {
        PyMem_Free(splitter.known.packed);
        release_spans(&lines);
        return NULL;
    }
    PyObject *spans = NULL;
    const unsigned char *body = (const unsigned char *)PyBytes_AS_STRING(args[0]);
    for (Py_ssize_t line = 0; line < lines.count; line++) {
        Py_ssize_t start = lines.start[line], end = lines.end[line];
        if (end - start > max_line) {
            if (split_long_line(&splitter, args[6], start, end) < 0)
                goto done;
            continue;
        }
        while (start < end && is_ascii_space(body[start]))
            start++;
        while (end > start && is_ascii_space(body[end - 1]))
            end--;
        if (start < end && split_line(&splitter, body + start, end - start, start) < 0)
            goto done;
    }
    spans = pairs_to_bytes(&splitter.spans);
done:
    PyMem_Free(splitter.spans.data);
    PyMem_Free(splitter.chars);
    PyMem_Free(splitter.offsets);
    PyMem_Free(splitter.known.packed);
    release_spans(&lines);
    return spans;
}

static PyMethodDef methods[] = {
    {"sentence_spans", (PyCFunction)(void (*)(void))sentence_spans, METH_FASTCALL,
     "sentence_spans(body, starts, ends, abbreviations, word_test): the byte spans of the "
     "sentences of every line"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_sentences", "Sentence units of documents.", -1, methods,
};

PyMODINIT_FUNC PyInit__sentences(void) { return PyModule_Create(&module); }

/* Strict UTF-8 decoding and an ASCII test, shared by the C extensions. */
#ifndef DEDUP_UTF8_H
#define DEDUP_UTF8_H

#include <Python.h>
#include <stdint.h>
#include <string.h>

/* Whether text is all ASCII, eight bytes at a time. */
static inline int is_ascii(const unsigned char *text, Py_ssize_t length) {
    uint64_t high = 0;
    Py_ssize_t at = 0;
    for (; at + 8 <= length; at += 8) {
        uint64_t word;
        memcpy(&word, text + at, 8);
        high |= word;
    }
    for (; at < length; at++)
        high |= text[at];
    return (high & UINT64_C(0x8080808080808080)) == 0;
}

/* The next code point of strict UTF-8 at text[*at], advancing *at past it; or -1 when no
 * valid character starts there (overlong, surrogate, out of range or cut short), where
 * Python's surrogateescape decoding makes the byte a lone surrogate. */
static inline int32_t next_code_point(const unsigned char *text, Py_ssize_t length, Py_ssize_t *at) {
    Py_ssize_t i = *at;
    unsigned char lead = text[i];
    int32_t code;
    int more;
    if (lead < 0xC2)
        return -1; /* continuation byte or overlong two-byte lead */
    if (lead < 0xE0) {
        code = lead & 0x1F;
        more = 1;
    } else if (lead < 0xF0) {
        code = lead & 0x0F;
        more = 2;
    } else if (lead < 0xF5) {
        code = lead & 0x07;
        more = 3;
    } else {
        return -1;
    }
    if (i + more >= length)
        return -1; /* cut short */
    for (int k = 1; k <= more; k++) {
        unsigned char byte = text[i + k];
        if ((byte & 0xC0) != 0x80)
            return -1;
        code = (code << 6) | (byte & 0x3F);
    }
    if ((more == 2 && (code < 0x800 || (code >= 0xD800 && code <= 0xDFFF))) ||
        (more == 3 && (code < 0x10000 || code > 0x10FFFF)))
        return -1;
    *at = i + more + 1;
    return code;
}

#endif

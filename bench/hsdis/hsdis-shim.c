/*
 * hsdis-shim: lets HotSpot print disassembly (-XX:+PrintAssembly, JMH -prof perfasm) with
 * Debian's libhsdis0-fcml. That package exports only the old entry point, decode_instructions,
 * while JDK 9 and later look up decode_instructions_virtual and refuse the library without it.
 * JIT code is decoded where it lies, so the virtual address and the buffer are the same: this
 * forwards the call with the old argument list. Built by bench/perfasm; profiling only, never
 * linked into jnetmap.
 */
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>

typedef void *(*event_cb)(void *stream, const char *event, void *arg);
typedef int (*printf_cb)(void *stream, const char *format, ...);
typedef void *(*decode_old)(void *start, void *end, event_cb ev, void *ev_stream,
                            printf_cb pr, void *pr_stream, const char *options);

#ifndef FCML_HSDIS
#define FCML_HSDIS "libhsdis.so.0"
#endif

void *decode_instructions_virtual(uintptr_t start_va, uintptr_t end_va, unsigned char *buffer,
                                  uintptr_t length, event_cb ev, void *ev_stream, printf_cb pr,
                                  void *pr_stream, const char *options, int newline) {
    static decode_old decode;
    (void) buffer; (void) length; (void) newline;
    if (decode == NULL) {
        void *lib = dlopen(FCML_HSDIS, RTLD_NOW | RTLD_LOCAL);
        if (lib == NULL) return NULL;
        decode = (decode_old) dlsym(lib, "decode_instructions");
        if (decode == NULL) return NULL;
    }
    return decode((void *) start_va, (void *) end_va, ev, ev_stream, pr, pr_stream, options);
}

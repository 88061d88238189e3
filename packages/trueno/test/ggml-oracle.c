/*
 * ggml oracle: serves ggml's reference quantize/dequantize row functions over stdin/stdout, so
 * that TypeScript tests can compare our kernels with ggml's bytes. Our own code; it declares the
 * few ggml prototypes it needs itself (no ggml headers) and dlopen()s libggml-base.so.
 *
 * Usage: ggml-oracle /path/to/libggml-base.so [/path/to/libggml-cpu-x64.so]
 * Prints one line "ready\n" on stderr once the libraries are loaded, then serves requests until
 * EOF or an op of 0. All integers are little-endian.
 *
 * Request:  u32 op (1 = quantize, 2 = dequantize, 3 = vec_dot, 0 = quit)
 *           u32 name_len, name bytes (ggml type name: q4_0 ... q8_K, f16, bf16, f32; for vec_dot
 *                        the symbol suffix: "q4_0_q8_0_generic" calls ggml_vec_dot_q4_0_q8_0_generic)
 *           u64 n        (element count)
 *           u64 out_len  (bytes the caller expects back; 4 for vec_dot)
 *           u64 in_len, in bytes (float32 values for quantize, blocks for dequantize; for vec_dot
 *                        u64 x_len, x bytes, then y bytes)
 * Response: u32 status (0 = ok, 1 = error)
 *           u64 len, bytes (result, or an error message)
 *
 * Quantize calls quantize_row_<name>_ref (f16: ggml_fp32_to_fp16_row, bf16:
 * ggml_fp32_to_bf16_row_ref), dequantize calls dequantize_row_<name> (f16: ggml_fp16_to_fp32_row,
 * bf16: ggml_bf16_to_fp32_row). vec_dot calls ggml_vec_dot_<name>(n, &s, 0, x, 0, y, 0, 1) from the
 * CPU backend library (the baseline x64 build, whose *_generic functions are the scalar C code),
 * after ggml_cpu_init() has set up its fp16 tables. Guard bytes behind the output catch a caller-supplied out_len
 * that is smaller than what ggml writes.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*row_fn)(const void *src, void *dst, int64_t k);

/* struct ggml_init_params { size_t mem_size; void * mem_buffer; bool no_alloc; } */
struct init_params {
    size_t mem_size;
    void *mem_buffer;
    _Bool no_alloc;
};
typedef void *(*init_fn)(struct init_params);
typedef void (*vec_dot_fn)(int n, float *s, size_t bs, const void *x, size_t bx, const void *y, size_t by, int nrc);
typedef void (*void_fn)(void);
typedef void (*free_fn)(void *);

#define GUARD 64
#define GUARD_BYTE 0xA5

static void *lib;
static void *cpu_lib;

static int read_exact(void *buf, size_t n) {
    return n == 0 || fread(buf, 1, n, stdin) == n;
}

static void write_response(uint32_t status, const void *data, uint64_t len) {
    fwrite(&status, 4, 1, stdout);
    fwrite(&len, 8, 1, stdout);
    if (len) fwrite(data, 1, (size_t)len, stdout);
    fflush(stdout);
}

static void fail(const char *msg) {
    write_response(1, msg, strlen(msg));
}

static row_fn lookup(uint32_t op, const char *name) {
    char sym[128];
    if (strcmp(name, "f16") == 0) {
        snprintf(sym, sizeof sym, "%s", op == 1 ? "ggml_fp32_to_fp16_row" : "ggml_fp16_to_fp32_row");
    } else if (strcmp(name, "bf16") == 0) {
        snprintf(sym, sizeof sym, "%s", op == 1 ? "ggml_fp32_to_bf16_row_ref" : "ggml_bf16_to_fp32_row");
    } else if (strcmp(name, "bf16_row") == 0 && op == 1) {
        snprintf(sym, sizeof sym, "%s", "ggml_fp32_to_bf16_row");
    } else if (op == 1) {
        snprintf(sym, sizeof sym, "quantize_row_%s_ref", name);
    } else {
        snprintf(sym, sizeof sym, "dequantize_row_%s", name);
    }
    return (row_fn)dlsym(lib, sym);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s /path/to/libggml-base.so\n", argv[0]);
        return 2;
    }
    lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "dlopen failed: %s\n", dlerror());
        return 3;
    }
    /* ggml_init sets up global state (older builds fill fp16 tables there); harmless otherwise. */
    init_fn init = (init_fn)dlsym(lib, "ggml_init");
    free_fn gfree = (free_fn)dlsym(lib, "ggml_free");
    if (init && gfree) {
        struct init_params p = {1024, NULL, 1};
        void *ctx = init(p);
        if (ctx) gfree(ctx);
    }
    if (argc > 2) {
        cpu_lib = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
        if (!cpu_lib) {
            fprintf(stderr, "dlopen of the CPU backend failed: %s\n", dlerror());
            return 3;
        }
        void_fn cpu_init = (void_fn)dlsym(cpu_lib, "ggml_cpu_init");
        if (cpu_init) cpu_init();
    }
    fprintf(stderr, "ready\n");
    fflush(stderr);

    for (;;) {
        uint32_t op, name_len;
        uint64_t n, out_len, in_len;
        if (!read_exact(&op, 4) || op == 0) break;
        if (!read_exact(&name_len, 4) || name_len == 0 || name_len > 63) return 4;
        char name[64];
        if (!read_exact(name, name_len)) return 4;
        name[name_len] = 0;
        if (!read_exact(&n, 8) || !read_exact(&out_len, 8) || !read_exact(&in_len, 8)) return 4;
        uint8_t *in = malloc(in_len ? in_len : 1);
        uint8_t *out = malloc(out_len + GUARD);
        if (!in || !out) return 5;
        if (!read_exact(in, (size_t)in_len)) return 4;
        memset(out, GUARD_BYTE, out_len + GUARD);

        if (op == 3) {
            char sym[128];
            snprintf(sym, sizeof sym, "ggml_vec_dot_%s", name);
            vec_dot_fn vd = cpu_lib ? (vec_dot_fn)dlsym(cpu_lib, sym) : NULL;
            uint64_t x_len = 0;
            if (in_len >= 8) memcpy(&x_len, in, 8);
            if (!cpu_lib) fail("vec_dot needs the CPU backend library (second argument)");
            else if (!vd) {
                char msg[192];
                snprintf(msg, sizeof msg, "symbol %s not found in the CPU backend library", sym);
                fail(msg);
            } else if (out_len != 4 || in_len < 8 || x_len > in_len - 8) fail("vec_dot: bad lengths");
            else {
                float result = 0.0f;
                vd((int)n, &result, 0, in + 8, 0, in + 8 + x_len, 0, 1);
                write_response(0, &result, 4);
            }
        } else if (op != 1 && op != 2) {
            fail("unknown op: expected 1 (quantize), 2 (dequantize) or 3 (vec_dot)");
        } else if (strcmp(name, "f32") == 0) {
            /* f32 "quantization" is the identity; served so that callers need no special case. */
            if (in_len != out_len) fail("f32: in_len must equal out_len");
            else write_response(0, in, in_len);
        } else {
            row_fn fn = lookup(op, name);
            if (!fn) {
                char msg[160];
                snprintf(msg, sizeof msg, "symbol for %s of type '%s' not found in library",
                         op == 1 ? "quantize" : "dequantize", name);
                fail(msg);
            } else {
                fn(in, out, (int64_t)n);
                int overrun = 0;
                for (int i = 0; i < GUARD; i++) overrun |= out[out_len + i] != GUARD_BYTE;
                if (overrun) fail("ggml wrote past out_len: the expected output size is too small");
                else write_response(0, out, out_len);
            }
        }
        free(in);
        free(out);
    }
    return 0;
}

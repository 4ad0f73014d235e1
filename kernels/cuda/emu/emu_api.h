// emu_api.h: the C interface of the emulator library (see emu.h), included
// after the kernel sources by the translation unit the Go test generates,
// which then lists every kernel with EMU_KERNEL(name).
#pragma once
#include <map>
#include <string>
#include <type_traits>
#include <utility>

// Call kernel k with its arguments read from cuLaunchKernel-style params
// (params[i] points at argument i).
template <typename... A, size_t... I>
void emu_invoke_impl(void (*k)(A...), void** p, std::index_sequence<I...>) {
    k(*static_cast<std::remove_cv_t<std::remove_reference_t<A>>*>(p[I])...);
}
template <typename... A> void emu_invoke(void (*k)(A...), void** p) {
    emu_invoke_impl(k, p, std::index_sequence_for<A...>{});
}

inline std::map<std::string, void (*)(void**)>& emu_registry() {
    static std::map<std::string, void (*)(void**)> r;
    return r;
}

struct EmuRegister {
    EmuRegister(const char* name, void (*f)(void**)) { emu_registry()[name] = f; }
};

#define EMU_KERNEL(name) static EmuRegister emu_reg_##name(#name, [](void** p) { emu_invoke(name, p); });

static std::string emu_last_error;

extern "C" {
int emu_has(const char* name) { return emu_registry().count(name) ? 1 : 0; }

// emu_launch runs a kernel over its whole grid before returning.
// 0: done; 1: no such kernel; 2: failed (emu_error says why).
int emu_launch(const char* name, int gx, int gy, int gz, int bx, int by, int bz, int shmem, void** params) {
    auto it = emu_registry().find(name);
    if (it == emu_registry().end()) return 1;
    auto fn = it->second;
    std::string err = emu_run_grid(dim3{unsigned(gx), unsigned(gy), unsigned(gz)}, dim3{unsigned(bx), unsigned(by), unsigned(bz)},
                                   shmem, [fn, params] { fn(params); });
    if (!err.empty()) {
        emu_last_error = std::string(name) + ": " + err;
        return 2;
    }
    return 0;
}

// emu_error copies the last error (NUL-terminated, truncated to n bytes).
void emu_error(char* buf, int n) {
    std::snprintf(buf, n, "%s", emu_last_error.c_str());
}

void* emu_alloc(size_t n) { return aligned_alloc(256, (n + 255) / 256 * 256); }
void emu_free(void* p) { free(p); }
void emu_copy(void* dst, const void* src, size_t n) { std::memmove(dst, src, n); }
void emu_set32(void* dst, unsigned v, size_t n) {
    unsigned* d = static_cast<unsigned*>(dst);
    for (size_t i = 0; i < n; i++) d[i] = v;
}
}

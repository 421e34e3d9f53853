/* libsodium's CPU feature detection for the wasm build (compiled instead of sodium/runtime.c,
 * which it includes unchanged).
 *
 * libsodium picks its SSE2/SSSE3/SSE4.1 code at run time from CPUID, which wasm does not have:
 * every sodium_runtime_has_*() says no and the SIMD files compile to nothing. When the module is
 * built for wasm SIMD (-msimd128), wasm/cmake/deps.cmake compiles the SIMD files it keeps with
 * Emscripten's SSE headers (which map the intrinsics onto wasm SIMD) and defines the
 * HAVE_*INTRIN_H macros only for those files and the files that pick them; so reporting the
 * 128-bit features here selects exactly those, and nothing is picked that was not compiled. A
 * module built without -msimd128 reports nothing, as before. AVX, AVX2 and AVX-512 stay off:
 * wasm SIMD is 128 bits wide. */
#define _sodium_runtime_get_cpu_features zkwiki_sodium_runtime_get_cpu_features_cpuid
#include "sodium/runtime.c"
#undef _sodium_runtime_get_cpu_features

int _sodium_runtime_get_cpu_features(void);

int
_sodium_runtime_get_cpu_features(void)
{
    int ret = zkwiki_sodium_runtime_get_cpu_features_cpuid();
#ifdef __wasm_simd128__
    _cpu_features.has_sse2  = 1;
    _cpu_features.has_sse3  = 1;
    _cpu_features.has_ssse3 = 1;
    _cpu_features.has_sse41 = 1;
    ret = 0;
#endif
    return ret;
}

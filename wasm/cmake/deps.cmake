# The C libraries the SDK needs, compiled for wasm32 from the Debian sources that
# wasm/fetch_deps.sh unpacked into ZKWIKI_WASM_DEPS. Each becomes a static target with the name
# the native build gets from pkg-config, so sdk/CMakeLists.txt links the same names.
set(ZKWIKI_WASM_DEPS "${CMAKE_SOURCE_DIR}/build/wasm-deps" CACHE PATH "Unpacked Debian sources for the wasm build")
set(D "${ZKWIKI_WASM_DEPS}")
foreach(f libsodium/src/libsodium/include/sodium.h utf8proc/utf8proc.c libyaml/src/api.c md4c/src/md4c.c
          dtl/include/dtl/dtl.hpp nlohmann/include/nlohmann/json.hpp)
  if(NOT EXISTS "${D}/${f}")
    message(FATAL_ERROR "${D}/${f} is missing: run wasm/fetch_deps.sh ${D} (./zkwiki.sh build-wasm does)")
  endif()
endforeach()

# Third-party code keeps its own warnings out of -Werror. libsodium and utf8proc (UTF-8
# checks and folding on the seal and search paths) are optimized for speed; the front-matter
# and Markdown parsers, which run once per page shown or saved, for size (-5 KB gzip).
set(ZKWIKI_WASM_C_FLAGS -O3 -w)
set(ZKWIKI_WASM_C_SIZE_FLAGS -Os -w)

# libsodium 1.0.18 without its autotools: every .c file (the SSE/AVX ones compile to nothing),
# the configure results as definitions, and version.h generated next to export.h.
set(SODIUM_SRC "${D}/libsodium/src/libsodium")
set(SODIUM_INC "${CMAKE_BINARY_DIR}/sodium-include")
file(COPY "${SODIUM_SRC}/include/" DESTINATION "${SODIUM_INC}")
set(VERSION 1.0.18)
set(SODIUM_LIBRARY_VERSION_MAJOR 10)
set(SODIUM_LIBRARY_VERSION_MINOR 3)
set(SODIUM_LIBRARY_MINIMAL_DEF "")
configure_file("${SODIUM_SRC}/include/sodium/version.h.in" "${SODIUM_INC}/sodium/version.h" @ONLY)
file(GLOB_RECURSE SODIUM_SOURCES "${SODIUM_SRC}/*.c")
# CPU features: sodium/runtime.c through wasm/sodium/runtime_wasm_simd.c (below).
list(REMOVE_ITEM SODIUM_SOURCES "${SODIUM_SRC}/sodium/runtime.c")
list(APPEND SODIUM_SOURCES "${CMAKE_SOURCE_DIR}/wasm/sodium/runtime_wasm_simd.c")
set_source_files_properties("${CMAKE_SOURCE_DIR}/wasm/sodium/runtime_wasm_simd.c" PROPERTIES INCLUDE_DIRECTORIES "${SODIUM_SRC}")
add_library(zkwiki_wasm_sodium STATIC ${SODIUM_SOURCES})
target_include_directories(zkwiki_wasm_sodium
  PUBLIC "${SODIUM_INC}"
  PRIVATE "${SODIUM_INC}/sodium" "${SODIUM_SRC}/include/sodium/private")
target_compile_definitions(zkwiki_wasm_sodium
  PUBLIC SODIUM_STATIC=1
  PRIVATE CONFIGURED=1 NATIVE_LITTLE_ENDIAN=1 HAVE_STDINT_H=1 HAVE_INTTYPES_H=1 HAVE_UNISTD_H=1
          HAVE_SYS_MMAN_H=1 HAVE_ALLOCA_H=1 HAVE_ALLOCA=1 HAVE_POSIX_MEMALIGN=1 HAVE_GETPID=1
          HAVE_NANOSLEEP=1 HAVE_EXPLICIT_BZERO=1 HAVE_C_VARARRAYS=1 HAVE_ATOMIC_OPS=1
          CPU_UNALIGNED_ACCESS=1 _GNU_SOURCE=1)
target_compile_options(zkwiki_wasm_sodium PRIVATE ${ZKWIKI_WASM_C_FLAGS} -fno-strict-aliasing -fno-strict-overflow)
set_target_properties(zkwiki_wasm_sodium PROPERTIES C_STANDARD 99)
# Under __EMSCRIPTEN__, randombytes.c ignores randombytes_set_implementation and asks JS for
# one byte at a time (Module.getRandomValue). Compiled as generic C, it uses the implementation
# the SDK installs before sodium_init: one crypto.getRandomValues call per buffer
# (sdk/src/primitives.cc).
set_source_files_properties("${SODIUM_SRC}/randombytes/randombytes.c" PROPERTIES COMPILE_OPTIONS "-U__EMSCRIPTEN__")

# libsodium's SSE code as wasm SIMD. Emscripten's <emmintrin.h>, <tmmintrin.h>, <smmintrin.h> map
# the SSE intrinsics onto wasm SIMD (-msimd128); each implementation kept is compiled with them,
# and the HAVE_*INTRIN_H macros its sources test are defined for it and for the file that picks
# it at run time, only (wasm/sodium/runtime_wasm_simd.c then reports the 128-bit features). Each
# was measured on its own against the scalar code, in one node process (bench/wasm_ab.cjs,
# 2026-12-04): ChaCha20 (dolbeau SSSE3) seal + open 179 -> 272 MB/s at 64 KiB; Argon2id's
# fill-block (SSSE3) about -25%; Poly1305 (SSE2: pmuludq emulated) 2% slower than donna32 and
# BLAKE2b (SSE4.1 or SSSE3) 25% slower than the reference code: those two are not listed. An
# empty list builds the scalar module, without wasm SIMD.
# -mllvm -fast-isel: clang 14's optimizing instruction selection for wasm SIMD miscompiles the
# ChaCha20 SSSE3 code (its four-block path, 256 bytes and more, gave a wrong keystream: found by
# the envelope vectors; bisected with -opt-bisect-limit to "WebAssembly Instruction Selection").
# The IR is still optimized at -O3; V8 compiles the wasm again anyway (same speed, measured).
# tests/wasm/sodium_simd_check.c compares every SIMD implementation kept with libsodium's
# reference code over many lengths and counters (ctest wasm_sodium_simd).
set(ZKWIKI_WASM_SODIUM_SIMD "chacha20;argon2" CACHE STRING
    "libsodium SIMD implementations compiled to wasm SIMD (of: chacha20 poly1305 argon2 blake2b blake2b-ssse3)")
# Per implementation: its file and the file that picks it, then the macros both need.
set(simd_chacha20_files crypto_stream/chacha20/dolbeau/chacha20_dolbeau-ssse3.c crypto_stream/chacha20/stream_chacha20.c)
set(simd_chacha20_defs HAVE_EMMINTRIN_H HAVE_TMMINTRIN_H)
set(simd_poly1305_files crypto_onetimeauth/poly1305/sse2/poly1305_sse2.c crypto_onetimeauth/poly1305/onetimeauth_poly1305.c)
set(simd_poly1305_defs HAVE_EMMINTRIN_H HAVE_TI_MODE)
set(simd_argon2_files crypto_pwhash/argon2/argon2-fill-block-ssse3.c crypto_pwhash/argon2/argon2-core.c)
set(simd_argon2_defs HAVE_EMMINTRIN_H HAVE_TMMINTRIN_H)
set(simd_blake2b_files crypto_generichash/blake2b/ref/blake2b-compress-sse41.c
                       crypto_generichash/blake2b/ref/blake2b-compress-ssse3.c crypto_generichash/blake2b/ref/blake2b-ref.c)
set(simd_blake2b_defs HAVE_EMMINTRIN_H HAVE_TMMINTRIN_H HAVE_SMMINTRIN_H)
set(simd_blake2b-ssse3_files crypto_generichash/blake2b/ref/blake2b-compress-ssse3.c crypto_generichash/blake2b/ref/blake2b-ref.c)
set(simd_blake2b-ssse3_defs HAVE_EMMINTRIN_H HAVE_TMMINTRIN_H)
set(ZKWIKI_WASM_SIMD_LINK "")
foreach(impl IN LISTS ZKWIKI_WASM_SODIUM_SIMD)
  if(NOT DEFINED simd_${impl}_files)
    message(FATAL_ERROR "ZKWIKI_WASM_SODIUM_SIMD: no SIMD implementation '${impl}'")
  endif()
  foreach(f IN LISTS simd_${impl}_files)
    set_source_files_properties("${SODIUM_SRC}/${f}" PROPERTIES
      COMPILE_OPTIONS "-msimd128;-msse;-msse2;-mssse3;-msse4.1;-mllvm;-fast-isel" COMPILE_DEFINITIONS "${simd_${impl}_defs}")
  endforeach()
  set(ZKWIKI_WASM_SIMD_LINK -msimd128)
endforeach()
if(ZKWIKI_WASM_SIMD_LINK)  # __wasm_simd128__ for the feature report
  set_property(SOURCE "${CMAKE_SOURCE_DIR}/wasm/sodium/runtime_wasm_simd.c" APPEND PROPERTY COMPILE_OPTIONS -msimd128)
endif()
add_library(PkgConfig::SODIUM ALIAS zkwiki_wasm_sodium)
# The Argon2 internals (argon2-core.h), for the pass-by-pass KDF with progress (wasm/src).
set(ZKWIKI_WASM_ARGON2_DIR "${SODIUM_SRC}/crypto_pwhash/argon2")
# ed25519_ref10.c without its stored base-point table (wasm/cmake/sodium_ed25519_table.cmake).
include("${CMAKE_CURRENT_LIST_DIR}/sodium_ed25519_table.cmake")

# utf8proc 2.8: one file (it includes its data tables), generated by wasm/utf8proc_reduce.py
# with only the fields the SDK reads (490 -> 466 KiB gzip); the script checks every code point against
# the full tables and fails the build on any difference.
set(UTF8PROC_INC "${CMAKE_BINARY_DIR}/utf8proc-include")
file(COPY "${D}/utf8proc/utf8proc.h" DESTINATION "${UTF8PROC_INC}")
set(UTF8PROC_REDUCED "${CMAKE_BINARY_DIR}/utf8proc-reduced")
find_program(ZKWIKI_PYTHON3 python3 REQUIRED)
add_custom_command(OUTPUT "${UTF8PROC_REDUCED}/utf8proc.c" "${UTF8PROC_REDUCED}/utf8proc_data.c"
  COMMAND "${ZKWIKI_PYTHON3}" "${CMAKE_SOURCE_DIR}/wasm/utf8proc_reduce.py" --write "${D}/utf8proc" "${UTF8PROC_REDUCED}"
  DEPENDS "${CMAKE_SOURCE_DIR}/wasm/utf8proc_reduce.py" "${D}/utf8proc/utf8proc.c" "${D}/utf8proc/utf8proc_data.c"
  COMMENT "utf8proc's tables reduced to the fields the SDK reads (every code point checked)")
add_library(zkwiki_wasm_utf8proc STATIC "${UTF8PROC_REDUCED}/utf8proc.c")
set_source_files_properties("${UTF8PROC_REDUCED}/utf8proc.c" PROPERTIES OBJECT_DEPENDS "${UTF8PROC_REDUCED}/utf8proc_data.c")
target_include_directories(zkwiki_wasm_utf8proc PRIVATE "${UTF8PROC_REDUCED}")
target_include_directories(zkwiki_wasm_utf8proc PUBLIC "${UTF8PROC_INC}")
target_compile_definitions(zkwiki_wasm_utf8proc PUBLIC UTF8PROC_STATIC)
target_compile_options(zkwiki_wasm_utf8proc PRIVATE ${ZKWIKI_WASM_C_FLAGS})
add_library(PkgConfig::UTF8PROC ALIAS zkwiki_wasm_utf8proc)

# libyaml 0.2.5: the eight src/*.c, the version macros instead of its config header.
file(GLOB YAML_SOURCES "${D}/libyaml/src/*.c")
add_library(zkwiki_wasm_yaml STATIC ${YAML_SOURCES})
target_include_directories(zkwiki_wasm_yaml PUBLIC "${D}/libyaml/include")
target_compile_definitions(zkwiki_wasm_yaml
  PUBLIC YAML_DECLARE_STATIC
  PRIVATE YAML_VERSION_MAJOR=0 YAML_VERSION_MINOR=2 YAML_VERSION_PATCH=5 YAML_VERSION_STRING="0.2.5")
target_compile_options(zkwiki_wasm_yaml PRIVATE ${ZKWIKI_WASM_C_SIZE_FLAGS})
add_library(PkgConfig::YAML ALIAS zkwiki_wasm_yaml)

# md4c 0.4.8 (the parser and its HTML renderer), UTF-8 only. Without its entity table
# (entity.c, 18.5 KB gzip with its names): the module renders entities verbatim and the browser decodes them
# (wasm/md4c/entity_verbatim.c).
set(MD4C_INC "${CMAKE_BINARY_DIR}/md4c-include")
file(COPY "${D}/md4c/src/md4c.h" "${D}/md4c/src/md4c-html.h" DESTINATION "${MD4C_INC}")
add_library(zkwiki_wasm_md4c STATIC "${D}/md4c/src/md4c.c" "${D}/md4c/src/md4c-html.c"
                                    "${CMAKE_SOURCE_DIR}/wasm/md4c/entity_verbatim.c")
target_include_directories(zkwiki_wasm_md4c PUBLIC "${MD4C_INC}" PRIVATE "${D}/md4c/src")
target_compile_definitions(zkwiki_wasm_md4c PUBLIC MD4C_USE_UTF8)
target_compile_options(zkwiki_wasm_md4c PRIVATE ${ZKWIKI_WASM_C_SIZE_FLAGS})
add_library(PkgConfig::MD4C ALIAS zkwiki_wasm_md4c)

# Header-only: dtl (diffs) and nlohmann/json, each from a folder holding only its headers.
add_library(zkwiki_wasm_dtl INTERFACE)
target_include_directories(zkwiki_wasm_dtl SYSTEM INTERFACE "${D}/dtl/include")
add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED GLOBAL)
target_include_directories(nlohmann_json::nlohmann_json SYSTEM INTERFACE "${D}/nlohmann/include")

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
add_library(PkgConfig::SODIUM ALIAS zkwiki_wasm_sodium)
# The Argon2 internals (argon2-core.h), for the pass-by-pass KDF with progress (wasm/src).
set(ZKWIKI_WASM_ARGON2_DIR "${SODIUM_SRC}/crypto_pwhash/argon2")

# utf8proc 2.8: one file (it includes its data tables).
set(UTF8PROC_INC "${CMAKE_BINARY_DIR}/utf8proc-include")
file(COPY "${D}/utf8proc/utf8proc.h" DESTINATION "${UTF8PROC_INC}")
add_library(zkwiki_wasm_utf8proc STATIC "${D}/utf8proc/utf8proc.c")
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

# md4c 0.4.8 (the parser and its HTML renderer), UTF-8 only.
set(MD4C_INC "${CMAKE_BINARY_DIR}/md4c-include")
file(COPY "${D}/md4c/src/md4c.h" "${D}/md4c/src/md4c-html.h" DESTINATION "${MD4C_INC}")
add_library(zkwiki_wasm_md4c STATIC "${D}/md4c/src/md4c.c" "${D}/md4c/src/md4c-html.c" "${D}/md4c/src/entity.c")
target_include_directories(zkwiki_wasm_md4c PUBLIC "${MD4C_INC}")
target_compile_definitions(zkwiki_wasm_md4c PUBLIC MD4C_USE_UTF8)
target_compile_options(zkwiki_wasm_md4c PRIVATE ${ZKWIKI_WASM_C_SIZE_FLAGS})
add_library(PkgConfig::MD4C ALIAS zkwiki_wasm_md4c)

# Header-only: dtl (diffs) and nlohmann/json, each from a folder holding only its headers.
add_library(zkwiki_wasm_dtl INTERFACE)
target_include_directories(zkwiki_wasm_dtl SYSTEM INTERFACE "${D}/dtl/include")
add_library(nlohmann_json::nlohmann_json INTERFACE IMPORTED GLOBAL)
target_include_directories(nlohmann_json::nlohmann_json SYSTEM INTERFACE "${D}/nlohmann/include")

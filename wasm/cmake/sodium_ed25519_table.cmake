# libsodium's ed25519_ref10.c with its stored table of base-point multiples (30,720 bytes of
# data, 28 KB gzip) replaced by the same table computed on first use
# (wasm/sodium/ed25519_base_table.c). Included by deps.cmake after libsodium's target: the
# upstream file stays in the target's sources but is not compiled (HEADER_FILE_ONLY), the
# patched copy is. Fails the configure if upstream's function is not found word for word, so a
# new libsodium is never half-patched.
set(ED25519_REF10_DIR "${SODIUM_SRC}/crypto_core/ed25519/ref10")
set(ED25519_TABLE_C "${CMAKE_SOURCE_DIR}/wasm/sodium/ed25519_base_table.c")
file(READ "${ED25519_REF10_DIR}/ed25519_ref10.c" ed25519_src)
file(READ "${ED25519_TABLE_C}" ed25519_table)
set(ed25519_upstream "static void
ge25519_cmov8_base(ge25519_precomp *t, const int pos, const signed char b)
{
    static const ge25519_precomp base[32][8] = { /* base[i][j] = (j+1)*256^i*B */
#ifdef HAVE_TI_MODE
# include \"fe_51/base.h\"
#else
# include \"fe_25_5/base.h\"
#endif
    };
    ge25519_cmov8(t, base[pos], b);
}
")
string(FIND "${ed25519_src}" "${ed25519_upstream}" ed25519_at)
if(ed25519_at EQUAL -1)
  message(FATAL_ERROR "${ED25519_REF10_DIR}/ed25519_ref10.c: ge25519_cmov8_base is not the one wasm/sodium/ed25519_base_table.c replaces")
endif()
string(REPLACE "${ed25519_upstream}" "${ed25519_table}" ed25519_src "${ed25519_src}")
set(ED25519_PATCHED "${CMAKE_BINARY_DIR}/sodium-patched/ed25519_ref10.c")
file(WRITE "${ED25519_PATCHED}.new" "${ed25519_src}")
file(COPY_FILE "${ED25519_PATCHED}.new" "${ED25519_PATCHED}" ONLY_IF_DIFFERENT)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${ED25519_TABLE_C}")
set_source_files_properties("${ED25519_REF10_DIR}/ed25519_ref10.c" PROPERTIES HEADER_FILE_ONLY ON)
target_sources(zkwiki_wasm_sodium PRIVATE "${ED25519_PATCHED}")
# Its relative includes (fe_25_5/*.h, base2.h) resolve from upstream's folder.
set_source_files_properties("${ED25519_PATCHED}" PROPERTIES INCLUDE_DIRECTORIES "${ED25519_REF10_DIR}")

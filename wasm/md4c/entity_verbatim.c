/* Stands in for md4c's entity.c (its table of the 2,125 HTML5 named entities: 11 KB of the
 * module's gzip) in the wasm build. zkw_markdown_to_html renders with
 * MD_HTML_FLAG_VERBATIM_ENTITIES, so md4c-html.c writes every entity as the page wrote it
 * ("&eacute;", "&#233;") and the browser's HTML parser decodes it; md4c-html.c never calls this
 * then. md4c's parser does not use the table (it checks an entity's syntax only), and neither
 * does the SDK's tokenizer, so search is unchanged. */
#include "entity.h"

const struct entity* entity_lookup(const char* name, size_t name_size) {
  (void)name;
  (void)name_size;
  return NULL;
}

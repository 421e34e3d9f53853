// zkwiki-agent: the smallest useful agent on the SDK, and the model for embedding it.
//
//   ZKWIKI_GRANT=zkwgrant_... ZKWIKI_AGENT_KEY=~/.zkwiki-agent/agent.key zkwiki-agent [--note TEXT]
//   zkwiki-agent --grant FILE [--key FILE] [--note TEXT]
//
// It opens the grant (all crypto here, the server sees ciphertext), adds a note to a memory page
// under the grant's path prefix (an edit of the revision it read, so a concurrent edit by the
// user or another agent is merged in, never dropped), reads it back, indexes it and finds it
// with the SDK's sealed search index.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "agent_session.h"

using namespace zkwiki;

int main(int argc, char** argv) {
  std::string grant_file, key_file, note = "The agent was here.";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--grant" || a == "--key" || a == "--note") && i + 1 < argc) {
      (a == "--grant" ? grant_file : a == "--key" ? key_file : note) = argv[++i];
    } else {
      std::fprintf(stderr, "usage: zkwiki-agent [--grant FILE] [--key FILE] [--note TEXT]\n");
      return 2;
    }
  }
  // 1. Load the grant and open the wiki as its agent.
  auto session = agent::open_session(grant_file, key_file);
  if (!session) {
    std::fprintf(stderr, "zkwiki-agent: %s\n", session.error().message.c_str());
    return 1;
  }
  Client& wiki = *session->client;
  const AgentCertificate& cert = *wiki.agent_certificate();
  std::printf("agent '%s': %zu collection(s), %s, below '%s'\n", cert.label.c_str(), cert.collections.size(),
              cert.read_only ? "read-only" : "read-write", cert.path_prefix.c_str());

  // 2. Add a note to the memory page (a unique word makes it findable). The page is read first,
  // and the write names the revision read: what someone else wrote since is merged in; an edit
  // overlapping this one is refused (Errc::conflict, nothing written), never overwritten.
  const auto stamp = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string marker = "zkwmarker" + std::to_string(stamp);
  const std::string path = cert.path_prefix + "agent-memory.md";
  const std::string entry = note + "\n\nMarker: " + marker + "\n";
  std::string body = "# Agent memory\n\n" + entry;
  WriteOptions based{.base_revision = 0};  // 0: a new page, unless it exists
  if (auto existing = wiki.read_with_revision(path)) {
    body = existing->content.body + (existing->content.body.ends_with('\n') ? "\n" : "\n\n") + entry;
    based.base_revision = existing->revision;
    based.base_page = existing->page;
  } else if (existing.error().code != Errc::not_found) {
    std::fprintf(stderr, "zkwiki-agent: read %s: %s\n", path.c_str(), existing.error().message.c_str());
    return 1;
  }
  auto saved = wiki.write(path, body, based);
  if (!saved) {
    std::fprintf(stderr, "zkwiki-agent: write %s: %s\n", path.c_str(), saved.error().message.c_str());
    return 1;
  }
  std::printf("wrote %s (revision %llu%s)\n", path.c_str(), static_cast<unsigned long long>(saved->revision),
              saved->merged ? ", merged with an edit made since the agent read it" : "");

  // 3. Read it back: verified (signature, certificate, hash chain) and opened locally. Merged,
  // it holds the other edit too; else it is exactly what the agent wrote.
  auto back = wiki.read(path);
  const bool holds = back && (saved->merged ? back->body.find(entry) != std::string::npos : back->body == body);
  if (!holds) {
    std::fprintf(stderr, "zkwiki-agent: read back %s: %s\n", path.c_str(),
                 back ? "the text differs" : back.error().message.c_str());
    return 1;
  }
  std::printf("read back %zu bytes: %s\n", back->body.size(), saved->merged ? "the note is in it" : "identical");

  // 4. Index upkeep after the write: the page is indexed here; a read-write grant without a
  // path prefix also uploads the sealed segment and moves the collection's manifest.
  auto indexed = agent::keep_index(wiki);
  if (!indexed) std::fprintf(stderr, "zkwiki-agent: search index not updated: %s\n", indexed.error().message.c_str());

  // 5. Search: on this machine, over the granted collections' sealed index; the query is never sent.
  auto found = agent::search(wiki, marker, SearchOptions{.limit = 5});
  if (!found) {
    std::fprintf(stderr, "zkwiki-agent: search: %s\n", found.error().message.c_str());
    return 1;
  }
  const auto& hits = found->results;
  const bool first = !hits.empty() && hits.front().path == path;
  std::printf("search '%s': %zu hit(s)%s\n", marker.c_str(), hits.size(), first ? ", the page is first" : "");
  if (first && !hits.front().snippet.empty()) std::printf("  %s\n", hits.front().snippet.c_str());
  for (const auto& n : found->coverage.notices) std::printf("search index: %s\n", n.c_str());
  std::printf("%s\n", agent::describe(found->coverage).c_str());
  if (!first) return 1;
  std::printf("agent ok\n");
  return 0;
}

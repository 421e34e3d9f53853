// zkwiki-mcp: a Model Context Protocol server over stdio, configured by a grant.
//
//   ZKWIKI_GRANT=zkwgrant_... [ZKWIKI_AGENT_KEY=FILE] zkwiki-mcp
//   zkwiki-mcp --grant FILE [--key FILE]
//
// Reads one JSON-RPC message per line on stdin, answers on stdout; logs only to stderr. All
// crypto is local: the server sees ciphertext and the grant's scoped token. It logs in before it
// reads stdin (a bad grant or an unreachable server is an exit 1 with the reason), then answers
// at once while the first sync runs in another thread (mcp_server.h).
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "agent_session.h"
#include "mcp_server.h"

int main(int argc, char** argv) {
  std::string grant_file, key_file;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--grant" || a == "--key") && i + 1 < argc) {
      (a == "--grant" ? grant_file : key_file) = argv[++i];
    } else {
      std::fprintf(stderr, "usage: zkwiki-mcp [--grant FILE] [--key FILE]   (or ZKWIKI_GRANT, ZKWIKI_AGENT_KEY; the key defaults to agent-keygen's file)\n");
      return 2;
    }
  }
  auto session = zkwiki::agent::open_session(grant_file, key_file, zkwiki::agent::FirstSync::by_caller);
  if (!session) {
    std::fprintf(stderr, "zkwiki-mcp: %s\n", session.error().message.c_str());
    return 1;
  }
  std::ios::sync_with_stdio(false);
  zkwiki::mcp::Server server(*session->client);
  server.start_first_sync();
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty() || line == "\r") continue;
    if (auto reply = server.handle(line)) {
      std::cout << *reply << '\n';
      std::cout.flush();
    }
  }
  // The host closed stdin: it is done with us. A first sync still running is not waited for (it
  // cannot be interrupted mid-request, and may take as long as the wiki is large): it only fills
  // this process's in-memory device store (nothing is queued to send at startup), so ending the
  // process under it loses nothing. Every answer is already flushed; destructors are skipped
  // (they would wait for the sync), and the OS reclaims the locked key memory.
  if (server.first_sync_running()) {
    std::fflush(stderr);
    std::_Exit(0);
  }
  return 0;
}

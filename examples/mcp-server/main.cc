// zkwiki-mcp: a Model Context Protocol server over stdio, configured by a grant.
//
//   ZKWIKI_GRANT=zkwgrant_... [ZKWIKI_AGENT_KEY=FILE] zkwiki-mcp
//   zkwiki-mcp --grant FILE [--key FILE]
//
// Reads one JSON-RPC message per line on stdin, answers on stdout; logs only to stderr. All
// crypto is local: the server sees ciphertext and the grant's scoped token.
#include <cstdio>
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
  auto session = zkwiki::agent::open_session(grant_file, key_file);
  if (!session) {
    std::fprintf(stderr, "zkwiki-mcp: %s\n", session.error().message.c_str());
    return 1;
  }
  std::ios::sync_with_stdio(false);
  zkwiki::mcp::Server server(*session->client);
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty() || line == "\r") continue;
    if (auto reply = server.handle(line)) {
      std::cout << *reply << '\n';
      std::cout.flush();
    }
  }
  return 0;
}

#include "agent_session.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "zkwiki/agent.h"

namespace zkwiki::agent {
namespace {

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return make_error(Errc::not_found, "cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::vector<std::string> words(const std::string& q) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : lower(q)) {
    if (std::isalnum(static_cast<unsigned char>(c)) || (static_cast<unsigned char>(c) & 0x80)) {
      cur.push_back(c);
    } else if (!cur.empty()) {
      out.push_back(cur);
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + needle.size())) ++n;
  return n;
}

}  // namespace

Result<Session> open_session(const std::string& grant_file, const std::string& key_file) {
  std::string text;
  if (!grant_file.empty()) {
    ZKWIKI_ASSIGN(text, read_file(grant_file));
  } else if (const char* g = std::getenv("ZKWIKI_GRANT"); g != nullptr && *g != '\0') {
    text = g;
  } else {
    return make_error(Errc::invalid_argument, "no grant: set ZKWIKI_GRANT or pass --grant FILE");
  }
  ZKWIKI_ASSIGN(Grant grant, Grant::parse(text));
  std::optional<AccountKeys> key;
  std::string kf = key_file;
  if (kf.empty())
    if (const char* k = std::getenv("ZKWIKI_AGENT_KEY"); k != nullptr) kf = k;
  if (!kf.empty()) {
    ZKWIKI_ASSIGN(std::string secret, read_file(kf));
    ZKWIKI_ASSIGN(key, parse_agent_secret(secret));
  }
  Session s;
  ZKWIKI_ASSIGN(s.transport, HttpTransport::connect_to(grant.server));
  ClientOptions options;
  options.connect_url = connect_http;  // blobs through the cache the server names, if any
  ZKWIKI_ASSIGN(s.client, Client::open_agent(*s.transport, std::make_unique<MemoryLocalStore>(), grant,
                                             key ? &*key : nullptr, std::move(options)));
  ZKWIKI_TRY(s.client->sync());
  return s;
}

Result<std::vector<SearchHit>> search(Client& client, const std::string& query, std::size_t limit) {
  auto terms = words(query);
  if (terms.empty()) return make_error(Errc::invalid_argument, "an empty query");
  ZKWIKI_ASSIGN(auto pages, client.list());
  std::vector<SearchHit> hits;
  for (const auto& p : pages) {
    ZKWIKI_ASSIGN(PageContent content, client.read(p.path));
    std::string title = lower(content.meta.title), path = lower(p.path), body = lower(content.body);
    double score = 0;
    std::size_t first = std::string::npos;
    bool all = true;
    for (const auto& t : terms) {
      std::size_t in_body = count(body, t);
      double s = 3.0 * static_cast<double>(count(title, t)) + 2.0 * static_cast<double>(count(path, t)) +
                 static_cast<double>(in_body);
      if (s == 0) all = false;
      score += s;
      if (in_body > 0) first = std::min(first, body.find(t));
    }
    if (!all) continue;
    std::string snippet;
    if (first != std::string::npos) {
      std::size_t from = first > 60 ? first - 60 : 0;
      snippet = content.body.substr(from, 160);
      std::replace(snippet.begin(), snippet.end(), '\n', ' ');
    }
    hits.push_back({p.path, content.meta.title, score, snippet});
  }
  std::sort(hits.begin(), hits.end(), [](const SearchHit& a, const SearchHit& b) {
    return a.score != b.score ? a.score > b.score : a.path < b.path;
  });
  if (hits.size() > limit) hits.resize(limit);
  return hits;
}

}  // namespace zkwiki::agent

#include "metrics.h"

#include <cstdio>

namespace zkwiki::server {

void Metrics::observe(const std::string& route, int status, double seconds,
                      std::uint64_t bytes_in, std::uint64_t bytes_out) {
  std::lock_guard lock(mu_);
  Route& r = routes_[route];
  ++r.by_status[status];
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++r.buckets[i];
  ++r.count;
  r.sum += seconds;
  r.bytes_in += bytes_in;
  r.bytes_out += bytes_out;
}

std::string Metrics::render() const {
  std::string out;
  char line[512];
  auto add = [&](const char* fmt, auto... args) {
    std::snprintf(line, sizeof line, fmt, args...);
    out += line;
  };
  std::lock_guard lock(mu_);
  out += "# HELP zkwiki_http_requests_total HTTP requests by route template and status.\n";
  out += "# TYPE zkwiki_http_requests_total counter\n";
  for (auto& [name, r] : routes_)
    for (auto& [status, n] : r.by_status)
      add("zkwiki_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n", name.c_str(), status,
          static_cast<unsigned long long>(n));
  out += "# HELP zkwiki_http_errors_total HTTP responses with status >= 400 by route template.\n";
  out += "# TYPE zkwiki_http_errors_total counter\n";
  for (auto& [name, r] : routes_) {
    std::uint64_t errors = 0;
    for (auto& [status, n] : r.by_status)
      if (status >= 400) errors += n;
    add("zkwiki_http_errors_total{route=\"%s\"} %llu\n", name.c_str(),
        static_cast<unsigned long long>(errors));
  }
  out += "# HELP zkwiki_http_request_duration_seconds Time spent handling a request.\n";
  out += "# TYPE zkwiki_http_request_duration_seconds histogram\n";
  for (auto& [name, r] : routes_) {
    for (size_t i = 0; i < kBuckets.size(); ++i)
      add("zkwiki_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
          name.c_str(), kBuckets[i], static_cast<unsigned long long>(r.buckets[i]));
    add("zkwiki_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
        name.c_str(), static_cast<unsigned long long>(r.count));
    add("zkwiki_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", name.c_str(), r.sum);
    add("zkwiki_http_request_duration_seconds_count{route=\"%s\"} %llu\n", name.c_str(),
        static_cast<unsigned long long>(r.count));
  }
  out += "# HELP zkwiki_http_request_bytes_total Request body bytes received.\n";
  out += "# TYPE zkwiki_http_request_bytes_total counter\n";
  for (auto& [name, r] : routes_)
    add("zkwiki_http_request_bytes_total{route=\"%s\"} %llu\n", name.c_str(),
        static_cast<unsigned long long>(r.bytes_in));
  out += "# HELP zkwiki_http_response_bytes_total Response body bytes sent.\n";
  out += "# TYPE zkwiki_http_response_bytes_total counter\n";
  for (auto& [name, r] : routes_)
    add("zkwiki_http_response_bytes_total{route=\"%s\"} %llu\n", name.c_str(),
        static_cast<unsigned long long>(r.bytes_out));
  out += "# TYPE zkwiki_open_connections gauge\n";
  add("zkwiki_open_connections %lld\n", static_cast<long long>(open_connections_.load()));
  out += "# TYPE zkwiki_connections_total counter\n";
  add("zkwiki_connections_total %llu\n",
      static_cast<unsigned long long>(connections_total_.load()));
  out += "# TYPE zkwiki_connections_refused_total counter\n";
  add("zkwiki_connections_refused_total %llu\n",
      static_cast<unsigned long long>(connections_refused_.load()));
  out += "# TYPE zkwiki_read_timeouts_total counter\n";
  add("zkwiki_read_timeouts_total %llu\n", static_cast<unsigned long long>(timeouts_.load()));
  return out;
}

}  // namespace zkwiki::server

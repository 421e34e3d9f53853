// Request counters and latency histograms, rendered in the Prometheus text format.
// Thread-safe. Labels are route templates (never ids or anything a client chose).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace zkwiki::server {

class Metrics {
 public:
  void observe(const std::string& route, int status, double seconds, std::uint64_t bytes_in,
               std::uint64_t bytes_out);
  void connection_opened() { ++open_connections_; ++connections_total_; }
  void connection_closed() { --open_connections_; }
  void connection_refused() { ++connections_refused_; }
  void timeout() { ++timeouts_; }
  std::string render() const;

 private:
  static constexpr std::array<double, 10> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                      0.025,  0.05,  0.1,    0.5,   1.0};
  struct Route {
    std::map<int, std::uint64_t> by_status;
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, Route> routes_;
  std::atomic<std::int64_t> open_connections_{0};
  std::atomic<std::uint64_t> connections_total_{0};
  std::atomic<std::uint64_t> connections_refused_{0};
  std::atomic<std::uint64_t> timeouts_{0};
};

}  // namespace zkwiki::server

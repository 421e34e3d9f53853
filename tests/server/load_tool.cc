// zkwiki-server-load: the benchmark's helper (not a test). Two modes:
//   seed HOST PORT OUTDIR   uploads 1,000 random 4 KiB and 1,000 random 64 KiB blobs, writes the
//                           same bytes to OUTDIR/www/v1/blobs/<id> (for nginx) and the URL paths
//                           to OUTDIR/paths-4k.txt and OUTDIR/paths-64k.txt
//   cas HOST PORT WRITERS SECONDS SIZE
//                           WRITERS connections each update their own page with If-Match for
//                           SECONDS; prints writes/s and latency percentiles. Each write is a
//                           real signed revision record (229 bytes) following the head, naming a
//                           random SIZE-byte envelope (hashed, not uploaded); the server
//                           verifies the signature, the chain and the author on every write.
//   mixed HOST PORT CONNECTIONS SECONDS
//                           CONNECTIONS connections for SECONDS, each a mix of 70 % reads (a
//                           4 KiB blob, a page head, the change feed) and 30 % CAS writes to 16
//                           pages that all connections share, so writes race: the losers get 412
//                           and retry on the head it names. Prints ops/s and p50/p99 per kind;
//                           exits 1 on any answer other than 2xx and the expected 412.
#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client.h"

using namespace zkwiki::test;

namespace {

struct Session {
  TestAccount account = new_account();
  std::string ws = random_id(), coll = random_id();
};

bool setup(HttpClient& c, Session& s) {
  return register_and_login(c, s.account) &&
         c.json_request("POST", "/v1/workspaces", {{"workspace_id", s.ws}, {"record", b64(workspace_record(s.account, s.ws))}},
                        s.account.token).status == 201 &&
         c.json_request("POST", "/v1/workspaces/" + s.ws + "/collections",
                        {{"collection_id", s.coll}, {"record", b64("c")}}, s.account.token)
                 .status == 201;
}

int seed(const std::string& host, std::uint16_t port, const std::string& out) {
  HttpClient c(host, port);
  Session s;
  if (!setup(c, s)) {
    std::fprintf(stderr, "setup failed\n");
    return 1;
  }
  std::filesystem::create_directories(out + "/www/v1/blobs");
  for (auto [size, name] : {std::pair<size_t, const char*>{4096, "4k"}, {65536, "64k"}}) {
    std::ofstream paths(out + "/paths-" + name + ".txt");
    for (int i = 0; i < 1000; ++i) {
      std::string data(size, '\0');
      randombytes_buf(data.data(), data.size());
      const std::string id = blob_id(data);
      auto r = c.request("PUT", "/v1/workspaces/" + s.ws + "/blobs/" + id, data,
                         {{"Authorization", "Bearer " + s.account.token}});
      if (r.status != 201) {
        std::fprintf(stderr, "upload failed: %d %s\n", r.status, r.body.c_str());
        return 1;
      }
      std::ofstream(out + "/www/v1/blobs/" + id, std::ios::binary) << data;
      paths << "/v1/blobs/" << id << "\n";
    }
  }
  return 0;
}

int cas(const std::string& host, std::uint16_t port, int writers, int seconds, size_t size) {
  HttpClient c(host, port);
  Session s;
  if (!setup(c, s)) {
    std::fprintf(stderr, "setup failed\n");
    return 1;
  }
  std::atomic<bool> stop{false};
  std::atomic<long> failures{0};
  std::mutex mu;
  std::vector<double> latencies;
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&] {
      HttpClient mine(host, port);
      const std::string page = random_id();
      const std::string path =
          "/v1/workspaces/" + s.ws + "/collections/" + s.coll + "/pages/" + page;
      std::string head;
      std::uint64_t n = 0;  // the revision number of `head`
      std::vector<double> local;
      std::string envelope(size, '\0');
      while (!stop) {
        randombytes_buf(envelope.data(), envelope.size());
        const std::string record =
            revision_record(s.account, s.ws, s.coll, page, n + 1, head, envelope);
        const std::string rev = blob_id(record);
        HeaderList h;
        if (head.empty())
          h.emplace_back("If-None-Match", "*");
        else
          h.emplace_back("If-Match", "\"" + head + "\"");
        auto t0 = std::chrono::steady_clock::now();
        auto r = mine.json_request("PUT", path, {{"revision", rev}, {"record", b64(record)}},
                                   s.account.token, h);
        auto dt = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0);
        if (r.status == 200 || r.status == 201) {
          head = rev;
          ++n;
          local.push_back(dt.count());
        } else {
          ++failures;
        }
      }
      std::lock_guard lock(mu);
      latencies.insert(latencies.end(), local.begin(), local.end());
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    return latencies.empty() ? 0.0
                             : latencies[std::min(latencies.size() - 1,
                                                  static_cast<size_t>(p * latencies.size()))];
  };
  std::printf("cas_writes %zu seconds %d writers %d writes_per_s %.0f p50_ms %.2f p99_ms %.2f "
              "failures %ld\n",
              latencies.size(), seconds, writers, latencies.size() / static_cast<double>(seconds),
              pct(0.50), pct(0.99), failures.load());
  return failures.load() == 0 ? 0 : 1;
}

struct Stats {
  std::vector<double> read_ms, write_ms;
  long conflicts = 0, errors = 0;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

int mixed(const std::string& host, std::uint16_t port, int connections, int seconds) {
  HttpClient c(host, port);
  Session s;
  if (!setup(c, s)) {
    std::fprintf(stderr, "setup failed\n");
    return 1;
  }
  const std::string coll_path = "/v1/workspaces/" + s.ws + "/collections/" + s.coll + "/pages/";
  std::vector<std::string> blobs;
  for (int i = 0; i < 200; ++i) {
    std::string data(4096, '\0');
    randombytes_buf(data.data(), data.size());
    auto r = c.request("PUT", "/v1/workspaces/" + s.ws + "/blobs/" + blob_id(data), data,
                       {{"Authorization", "Bearer " + s.account.token}});
    if (r.status != 201) return std::fprintf(stderr, "upload failed: %d\n", r.status), 1;
    blobs.push_back("/v1/blobs/" + blob_id(data));
  }
  // The shared pages, and every revision hash written so far with its revision number.
  std::mutex mu;
  std::vector<std::string> pages;
  std::map<std::string, std::uint64_t> number_of;
  std::map<std::string, std::string> head_of;
  for (int i = 0; i < 16; ++i) {
    const std::string page = random_id(), rec = revision_record(s.account, s.ws, s.coll, page, 1, "", "first");
    auto r = c.json_request("PUT", coll_path + page, {{"revision", blob_id(rec)}, {"record", b64(rec)}},
                            s.account.token, {{"If-None-Match", "*"}});
    if (r.status != 201) return std::fprintf(stderr, "page create failed: %d\n", r.status), 1;
    pages.push_back(page);
    number_of[blob_id(rec)] = 1;
    head_of[page] = blob_id(rec);
  }
  std::atomic<bool> stop{false};
  Stats total;
  std::vector<std::thread> threads;
  for (int t = 0; t < connections; ++t) {
    threads.emplace_back([&, t] {
      HttpClient mine(host, port);
      std::mt19937 rng(static_cast<unsigned>(t) * 7919u + 1);
      Stats local;
      std::string envelope(1024, '\0');
      while (!stop) {
        const unsigned dice = rng() % 100;
        auto t0 = std::chrono::steady_clock::now();
        int status = 0;
        bool write = dice >= 70;
        if (!write) {
          HttpResponse r;
          if (dice < 35) r = mine.request("GET", blobs[rng() % blobs.size()]);
          else if (dice < 60) r = mine.json_request("GET", coll_path + pages[rng() % pages.size()], nullptr, s.account.token);
          else r = mine.json_request("GET", "/v1/workspaces/" + s.ws + "/changes?limit=50&since=" + std::to_string(rng() % 64),
                                     nullptr, s.account.token);
          status = r.status;
        } else {
          const std::string page = pages[rng() % pages.size()];
          std::string head;
          std::uint64_t n;
          {
            std::lock_guard lock(mu);
            head = head_of[page];
            n = number_of[head];
          }
          randombytes_buf(envelope.data(), envelope.size());
          const std::string rec = revision_record(s.account, s.ws, s.coll, page, n + 1, head, envelope);
          auto r = mine.json_request("PUT", coll_path + page, {{"revision", blob_id(rec)}, {"record", b64(rec)}},
                                     s.account.token, {{"If-Match", "\"" + head + "\""}});
          status = r.status;
          std::lock_guard lock(mu);
          if (status == 200) {
            number_of[blob_id(rec)] = n + 1;
            head_of[page] = blob_id(rec);
          }
        }
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        if (status == 412) ++local.conflicts;
        else if (status < 200 || status > 299) {
          if (local.errors++ < 3) std::fprintf(stderr, "unexpected status %d (%s)\n", status, write ? "write" : "read");
        }
        (write ? local.write_ms : local.read_ms).push_back(ms);
      }
      std::lock_guard lock(mu);
      total.read_ms.insert(total.read_ms.end(), local.read_ms.begin(), local.read_ms.end());
      total.write_ms.insert(total.write_ms.end(), local.write_ms.begin(), local.write_ms.end());
      total.conflicts += local.conflicts;
      total.errors += local.errors;
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& th : threads) th.join();
  std::vector<double> all = total.read_ms;
  all.insert(all.end(), total.write_ms.begin(), total.write_ms.end());
  const std::size_t reads = total.read_ms.size(), writes = total.write_ms.size();
  std::printf("mixed connections %d seconds %d ops %zu ops_per_s %.0f | reads %zu p50_ms %.2f p99_ms %.2f | "
              "cas_writes %zu (412: %ld) p50_ms %.2f p99_ms %.2f | all p50_ms %.2f p99_ms %.2f | errors %ld\n",
              connections, seconds, all.size(), all.size() / static_cast<double>(seconds), reads,
              percentile(total.read_ms, 0.5), percentile(total.read_ms, 0.99), writes, total.conflicts,
              percentile(total.write_ms, 0.5), percentile(total.write_ms, 0.99), percentile(all, 0.5),
              percentile(all, 0.99), total.errors);
  return total.errors == 0 && reads > 0 && writes > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (sodium_init() < 0) return 1;
  std::vector<std::string> a(argv + 1, argv + argc);
  if (a.size() == 4 && a[0] == "seed")
    return seed(a[1], static_cast<std::uint16_t>(std::stoi(a[2])), a[3]);
  if (a.size() == 6 && a[0] == "cas")
    return cas(a[1], static_cast<std::uint16_t>(std::stoi(a[2])), std::stoi(a[3]),
               std::stoi(a[4]), static_cast<size_t>(std::stoul(a[5])));
  if (a.size() == 5 && a[0] == "mixed")
    return mixed(a[1], static_cast<std::uint16_t>(std::stoi(a[2])), std::stoi(a[3]), std::stoi(a[4]));
  std::fprintf(stderr,
               "usage: zkwiki-server-load seed HOST PORT OUTDIR\n"
               "       zkwiki-server-load mixed HOST PORT CONNECTIONS SECONDS\n"
               "       zkwiki-server-load cas HOST PORT WRITERS SECONDS SIZE\n");
  return 2;
}

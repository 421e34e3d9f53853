// The caches the cache test runs through (tests/cache/cache_test.cc): Varnish and nginx with the
// configurations server/deploy ships, as child processes in their own work directories.
#pragma once

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "client.h"

namespace zkwiki::test {

namespace fs = std::filesystem;

inline std::string find_program(const std::string& name) {
  for (const char* dir : {"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"}) {
    fs::path p = fs::path(dir) / name;
    if (::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return {};
}

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A cache under test, run in the foreground as a child process with its own work directory,
// in front of the server at `backend_port`: how it labels its answers and how to read its
// hit / miss counts and every byte it stores. One fixture runs the same checks through each.
class CacheProcess {
 public:
  virtual ~CacheProcess() { stop(); }

  virtual const char* name() const = 0;
  virtual const char* install_hint() const = 0;
  // The programs it needs; empty if one is missing (the test is skipped then).
  virtual bool installed() const = 0;
  // The operators' header and its values for a stored answer, a fetched one, a passed one.
  virtual std::string status_header() const = 0;
  virtual std::string hit() const = 0;
  virtual std::string miss() const = 0;
  virtual std::string pass() const = 0;
  virtual bool sends_age() const = 0;
  // How long after a request its hit or miss shows in hits() / misses() at most.
  virtual std::chrono::milliseconds publish_delay() const = 0;
  // Lookups answered from storage / fetched from the server so far, or -1.
  virtual long long hits() const = 0;
  virtual long long misses() const = 0;
  // Every byte the cache keeps on disk.
  virtual std::string storage() const = 0;
  // The shipped configuration with only the ports changed, and the command that runs it.
  virtual bool configure(std::uint16_t backend_port, std::uint16_t port, std::string& error) = 0;
  virtual std::vector<std::string> command(std::uint16_t port) const = 0;

  bool start(std::uint16_t backend_port, std::uint16_t port, const fs::path& work, std::string& error) {
    work_ = work;
    fs::create_directories(work);
    if (!configure(backend_port, port, error)) return false;
    const std::vector<std::string> args = command(port);
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      int log = open((work / "stderr.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (log >= 0) {
        dup2(log, 1);
        dup2(log, 2);
      }
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    // Ready when it answers through to the backend (Varnish compiles its VCL first: seconds).
    HttpClient probe("127.0.0.1", port);
    probe.set_timeout_ms(2000);
    for (int i = 0; i < 300; ++i) {
      if (probe.request("GET", "/v1/health").status == 200) return true;
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      probe.disconnect();
    }
    error = std::string(name()) + " did not start:\n" + slurp(work / "stderr.log");
    return false;
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100 && waitpid(pid_, &status, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (waitpid(pid_, &status, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }

  // Both caches publish their counts a little after the request (Varnish when a worker finishes
  // its task, nginx when its buffered access log is flushed, each second): waits up to 5 s for
  // the count to reach `at_least`, and returns it.
  long long hits_at_least(long long at_least) const { return at_least_of(&CacheProcess::hits, at_least); }
  long long misses_at_least(long long at_least) const { return at_least_of(&CacheProcess::misses, at_least); }
  // The count once it has stopped moving for longer than the cache takes to publish it: a
  // baseline to compare with, or a final value in which no late request is missing.
  long long hits_settled() const { return settled(&CacheProcess::hits); }
  long long misses_settled() const { return settled(&CacheProcess::misses); }

 protected:
  fs::path work_;

 private:
  long long at_least_of(long long (CacheProcess::*count)() const, long long at_least) const {
    long long v = (this->*count)();
    for (int i = 0; i < 100 && v < at_least; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      v = (this->*count)();
    }
    return v;
  }
  long long settled(long long (CacheProcess::*count)() const) const {
    long long v = (this->*count)(), before = -2;
    for (int i = 0; i < 10 && v != before; ++i) {
      std::this_thread::sleep_for(publish_delay());
      before = v;
      v = (this->*count)();
    }
    return v;
  }
  pid_t pid_ = -1;
};

// The shipped text with one occurrence of `from` replaced; false if it is not there.
inline bool replace_once(std::string& text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  if (at == std::string::npos) return false;
  text.replace(at, from.size(), to);
  return true;
}

// varnishd -F with server/deploy/varnish/zkwiki.vcl; its cache and its transient (pass-through)
// storage in files, so that they can be scanned.
class VarnishCache final : public CacheProcess {
 public:
  const char* name() const override { return "varnishd"; }
  const char* install_hint() const override { return "varnishd (and varnishstat) are not installed; apt-get install varnish"; }
  bool installed() const override { return !varnishd_.empty() && !find_program("varnishstat").empty(); }
  std::string status_header() const override { return "x-cache"; }
  std::string hit() const override { return "HIT"; }
  std::string miss() const override { return "MISS"; }
  std::string pass() const override { return "PASS"; }
  bool sends_age() const override { return true; }
  // A worker adds its counters to the shared ones when it finishes its task.
  std::chrono::milliseconds publish_delay() const override { return std::chrono::milliseconds(500); }
  long long hits() const override { return counter("MAIN.cache_hit"); }
  long long misses() const override { return counter("MAIN.cache_miss"); }
  std::string storage() const override { return slurp(work_ / "storage.bin") + slurp(work_ / "transient.bin"); }

  bool configure(std::uint16_t backend_port, std::uint16_t, std::string& error) override {
    std::string vcl = slurp(ZKWIKI_VARNISH_VCL);
    if (!replace_once(vcl, ".port = \"8787\";", ".port = \"" + std::to_string(backend_port) + "\";")) {
      error = "the shipped VCL has no backend port line";
      return false;
    }
    std::ofstream(work_ / "zkwiki.vcl") << vcl;
    return true;
  }
  std::vector<std::string> command(std::uint16_t port) const override {
    return {varnishd_, "-F", "-j", "none", "-f", (work_ / "zkwiki.vcl").string(),
                "-a", "127.0.0.1:" + std::to_string(port), "-T", "none", "-S", "none", "-n", work_.string(),
                "-s", "file," + (work_ / "storage.bin").string() + ",64M",
                "-s", "Transient=file," + (work_ / "transient.bin").string() + ",32M"};
  }

 private:
  // A counter from varnishstat (MAIN.cache_hit, ...), or -1.
  long long counter(const std::string& name) const {
    const std::string cmd = "varnishstat -n '" + work_.string() + "' -1 -f " + name + " 2>/dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return -1;
    char line[512];
    long long v = -1;
    while (std::fgets(line, sizeof line, p) != nullptr) {
      char n[256];
      long long x = 0;
      if (std::sscanf(line, "%255s %lld", n, &x) == 2 && name == n) v = x;
    }
    pclose(p);
    return v;
  }
  std::string varnishd_ = find_program("varnishd");
};

// nginx -g 'daemon off;' with one of server/deploy/nginx's configurations: zkwiki-cache.conf
// (proxy_cache) or zkwiki-mirror.conf (a file per blob), prefix = its work directory (cache or
// blob files, temp files, logs). Its counts come from the access log's cache= field (the file's
// commented-out access_log line, turned on). Both label their answers in X-Cache-Status.
class NginxCache final : public CacheProcess {
 public:
  enum class Config { proxy_cache, mirror };
  explicit NginxCache(Config config) : config_(config) {}
  const char* name() const override { return config_ == Config::mirror ? "nginx (mirror)" : "nginx"; }
  const char* install_hint() const override { return "nginx is not installed; apt-get install nginx-light"; }
  bool installed() const override { return !nginx_.empty(); }
  std::string status_header() const override { return "x-cache-status"; }
  std::string hit() const override { return "HIT"; }
  std::string miss() const override { return "MISS"; }
  std::string pass() const override { return "BYPASS"; }
  bool sends_age() const override { return false; }  // nginx adds no Age header
  // The access log is written every second (flush=1s).
  std::chrono::milliseconds publish_delay() const override { return std::chrono::milliseconds(1200); }
  long long hits() const override { return logged("cache=HIT "); }
  long long misses() const override { return logged("cache=MISS "); }
  // Every file under its prefix: the cache, the temp files of bodies and answers, the logs.
  std::string storage() const override {
    std::string all;
    for (const auto& e : fs::recursive_directory_iterator(work_))
      if (e.is_regular_file()) all += slurp(e.path());
    return all;
  }

  bool configure(std::uint16_t backend_port, std::uint16_t port, std::string& error) override {
    std::string conf = slurp(config_ == Config::mirror ? ZKWIKI_NGINX_MIRROR_CONF : ZKWIKI_NGINX_CONF);
    // The counts come from the access log, which is off as shipped: the tests swap in the
    // file's own commented-out access_log line, as its comment tells operators to.
    if (!replace_once(conf, "server 127.0.0.1:8787;", "server 127.0.0.1:" + std::to_string(backend_port) + ";") ||
        !replace_once(conf, "listen 0.0.0.0:8080;", "listen 127.0.0.1:" + std::to_string(port) + ";") ||
        !replace_once(conf, "  access_log off;\n", "") ||
        !replace_once(conf, "# access_log access.log", "access_log access.log")) {
      error = "the shipped nginx configuration has no upstream server, listen or access_log lines";
      return false;
    }
    std::ofstream(work_ / "zkwiki-cache.conf") << conf;
    // Run by root, nginx's workers drop to `nobody`: they must reach the prefix, and the mirror's
    // workers write its blobs directory (which nginx does not create: the deploy notes'
    // `install -d -o nobody`).
    std::error_code ec;
    for (fs::path p = work_; !p.empty() && p != p.root_path(); p = p.parent_path())
      if (p.string().rfind(fs::temp_directory_path().string(), 0) == 0 && p != fs::temp_directory_path())
        fs::permissions(p, fs::perms::others_exec | fs::perms::group_exec, fs::perm_options::add, ec);
    if (config_ == Config::mirror) {
      const fs::path blobs = work_ / "blobs";
      fs::create_directories(blobs);
      if (::geteuid() == 0) {
        const passwd* nobody = ::getpwnam("nobody");
        if (nobody == nullptr || ::chown(blobs.c_str(), nobody->pw_uid, static_cast<gid_t>(-1)) != 0) {
          error = "cannot give the mirror's blobs directory to nobody";
          return false;
        }
      }
    }
    return true;
  }
  std::vector<std::string> command(std::uint16_t) const override {
    return {nginx_, "-p", work_.string() + "/", "-c", (work_ / "zkwiki-cache.conf").string(), "-e", "stderr",
            "-g", "daemon off;"};
  }

 private:
  long long logged(const std::string& field) const {
    std::istringstream log(slurp(work_ / "access.log"));
    long long n = 0;
    for (std::string line; std::getline(log, line);) n += line.find(field) != std::string::npos;
    return n;
  }
  Config config_;
  std::string nginx_ = find_program("nginx");
};

}  // namespace zkwiki::test

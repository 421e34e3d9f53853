#include "terminal.h"

#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace zkwiki::cli {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

namespace {

Result<std::string> prompt_no_echo(const char* prompt) {
  FILE* tty = std::fopen("/dev/tty", "r+");
  if (tty == nullptr)
    return make_error(Errc::invalid_argument,
                      "no terminal to ask for the passphrase: use --passphrase-file FILE or ZKWIKI_PASSPHRASE");
  int fd = fileno(tty);
  termios old{};
  bool restore = tcgetattr(fd, &old) == 0;
  if (restore) {
    termios quiet = old;
    quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
    tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::fprintf(tty, "%s", prompt);
  std::fflush(tty);
  std::string line;
  for (int c; (c = std::fgetc(tty)) != EOF && c != '\n';) line.push_back(static_cast<char>(c));
  if (restore) tcsetattr(fd, TCSAFLUSH, &old);
  std::fprintf(tty, "\n");
  std::fclose(tty);
  return line;
}

}  // namespace

Result<std::string> read_passphrase(const std::string& file, const char* env_name, const char* prompt, bool confirm) {
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return make_error(Errc::io, "cannot read the passphrase file " + file);
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
  if (const char* env = std::getenv(env_name); env != nullptr && *env != '\0') return std::string(env);
  ZKWIKI_ASSIGN(std::string first, prompt_no_echo(prompt));
  if (confirm) {
    ZKWIKI_ASSIGN(std::string again, prompt_no_echo("Repeat it: "));
    if (again != first) return make_error(Errc::invalid_argument, "the two passphrases differ");
  }
  return first;
}

Progress::Progress(std::string what, std::uint64_t total)
    : what_(std::move(what)), total_(total), start_(now_seconds()), tty_(stderr_is_terminal()) {}

void Progress::update(std::uint64_t done, std::uint64_t bytes) {
  double now = now_seconds();
  if (now - last_draw_ < (tty_ ? 0.1 : 5.0)) return;
  last_draw_ = now;
  double elapsed = std::max(now - start_, 1e-6);
  double rate = done / elapsed;
  double eta = rate > 0 ? (total_ - done) / rate : 0;
  if (tty_) {
    int width = 30;
    int filled = total_ ? static_cast<int>(width * done / total_) : width;
    std::fprintf(stderr, "\r%s [%.*s%*s] %llu/%llu  %.0f pages/s  %.1f MB/s  ETA %.0fs ", what_.c_str(), filled,
                 "##############################", width - filled, "", static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total_), rate, bytes / 1e6 / elapsed, eta);
  } else {
    std::fprintf(stderr, "%s: %llu/%llu pages, %.0f pages/s, ETA %.0f s\n", what_.c_str(),
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_), rate, eta);
  }
}

void Progress::finish(std::uint64_t done, std::uint64_t bytes) {
  double elapsed = std::max(now_seconds() - start_, 1e-6);
  if (tty_) std::fprintf(stderr, "\r\033[K");
  std::fprintf(stderr, "%s: %llu pages, %.1f MB in %.2f s (%.0f pages/s, %.1f MB/s)\n", what_.c_str(),
               static_cast<unsigned long long>(done), bytes / 1e6, elapsed, done / elapsed, bytes / 1e6 / elapsed);
}

}  // namespace zkwiki::cli

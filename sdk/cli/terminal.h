// Terminal helpers for the zkwiki CLI: the passphrase (never an argument), progress lines.
#pragma once

#include <cstdint>
#include <string>

#include "zkwiki/result.h"

namespace zkwiki::cli {

// The passphrase from --passphrase-file FILE (first line), else $ZKWIKI_PASSPHRASE, else a
// no-echo prompt on the terminal. `env_name` lets `passwd` read a second one
// ($ZKWIKI_NEW_PASSPHRASE). Errors: invalid_argument (no terminal and no other source), io.
Result<std::string> read_passphrase(const std::string& file, const char* env_name, const char* prompt,
                                    bool confirm = false);

bool stderr_is_terminal();

// Progress of a long job: a redrawn bar on a terminal, a plain line every few seconds otherwise.
class Progress {
 public:
  Progress(std::string what, std::uint64_t total);
  void update(std::uint64_t done, std::uint64_t bytes);
  void finish(std::uint64_t done, std::uint64_t bytes);

 private:
  std::string what_;
  std::uint64_t total_;
  double start_;
  double last_draw_ = 0;
  bool tty_;
};

double now_seconds();

}  // namespace zkwiki::cli

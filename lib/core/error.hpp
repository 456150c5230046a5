// lib/core: error types shared by every part of trawl. Errors are exceptions
// inside the library; apps/trawl turns them into a message and an exit code.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

namespace trawl {

// Exit codes of the trawl executable (docs/cli.md lists them).
enum class ExitCode : int {
  ok = 0,
  runtime_error = 1,  // I/O, MPI, HDF5 or another failure of the machine
  bad_input = 2,      // sweep file, data set or command line is wrong
  interrupted = 3,    // stopped early on a signal or deadline; run again to resume
};

// Base of every error trawl throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The user's input is wrong: the message says what and where. Exit code 2.
// `key` names the sweep key the input came from ("model.init"), when the
// thrower knows it and the catcher must find that key's place in the sweep
// file (model_check): data, never parsed back out of the message.
class InputError : public Error {
 public:
  using Error::Error;
  InputError(const std::string& message, std::string key) : Error(message), key_(std::move(key)) {}
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

// A place in a text file, for messages of the form file:line:col.
struct SourcePos {
  std::string file;
  int line = 0;    // 1-based; 0 when the value is a default, not from a file
  int column = 0;  // 1-based

  bool known() const { return line > 0; }
  std::string str() const;
};

// "file:line:col: message" (or "file: message" for an unknown position).
InputError input_error_at(const SourcePos& pos, const std::string& message);

}  // namespace trawl

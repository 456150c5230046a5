// lib/core: error types shared by every part of trawl. Errors are exceptions
// inside the library; apps/trawl turns them into a message and an exit code.
#pragma once

#include <cstdint>
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

// A place in a text file, for messages of the form file:line:col.
struct SourcePos {
  std::string file;
  int line = 0;    // 1-based; 0 when the value is a default, not from a file
  int column = 0;  // 1-based

  bool known() const { return line > 0; }
  std::string str() const;
};

// Where an input error is, each part as data, as the thrower knows it: a
// catcher reads the part it needs (model_check finds the sweep key's place
// in the sweep file) and never parses a message.
struct Location {
  SourcePos pos;       // the file, and the line and column when known
  std::string key;     // the sweep key the input came from ("model.init")
  std::string tensor;  // the tensor or data set ("model.layers.0.mlp.up_proj.weight")
  std::int64_t trial = -1;   // the trial whose settings it is; -1: none
  std::string trial_label;  // that trial's grid values ("seed=0 model.layers=1")

  bool empty() const { return pos.file.empty() && key.empty() && tensor.empty() && trial < 0; }
};

// Tensor `tensor` of `file` ("" when the tensor is missing from every file),
// read for sweep key `key`.
Location tensor_in(const std::string& file, const std::string& tensor, const std::string& key = "");

// The user's input is wrong. Exit code 2. what() is the text made from the
// problem and its location: "file:line:col: problem (trial 3: seed=0 ...)".
class InputError : public Error {
 public:
  explicit InputError(const std::string& problem, Location where = {});
  InputError(const std::string& problem, std::string key);
  const std::string& problem() const { return problem_; }
  const Location& where() const { return where_; }
  const std::string& key() const { return where_.key; }
  // The same error, placed at `pos` in an outer file: a position the error
  // already has stays in its text after the outer one, as the reader
  // follows it (the sweep file's data.path, then the data file's line).
  InputError at(const SourcePos& pos) const;
  // The same error, about the settings of `trial`, whose grid values are `label`.
  InputError of_trial(std::int64_t trial, const std::string& label) const;

 private:
  std::string problem_;
  Location where_;
};

// The text of an error at a location: the position ("file:line:col" or
// "file"), then the problem, then the trial in parentheses.
std::string located_text(const std::string& problem, const Location& where);

// InputError(message, {pos}).
InputError input_error_at(const SourcePos& pos, const std::string& message);

}  // namespace trawl

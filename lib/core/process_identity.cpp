#include "core/process_identity.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "core/env.hpp"
#include "core/text.hpp"

namespace trawl {

namespace {

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::uint64_t namespace_inode(const char* path) {
  struct stat st {};
  return ::stat(path, &st) == 0 ? static_cast<std::uint64_t>(st.st_ino) : 0;
}

// Field 22 of a /proc/<pid>/stat line: when the process started.
std::optional<std::uint64_t> start_ticks_in(const std::string& stat) {
  // The command name (field 2) is in parentheses and may hold spaces or ')':
  // the fields after it start past the last ')'.
  const auto close = stat.rfind(')');
  if (stat.empty() || close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  for (int n = 3; n <= 22 && fields >> field; ++n)
    if (n == 22) {
      const auto ticks = parse_int64(field);
      if (ticks && *ticks >= 0) return static_cast<std::uint64_t>(*ticks);
    }
  return std::nullopt;
}

}  // namespace

std::optional<std::uint64_t> process_start_ticks(std::int64_t pid) {
  return start_ticks_in(first_line("/proc/" + std::to_string(pid) + "/stat"));
}

const ProcessIdentity& this_process() {
  static const ProcessIdentity identity = [] {
    ProcessIdentity me;
    me.host = host_name();
    me.pid = ::getpid();
    me.boot_id = first_line("/proc/sys/kernel/random/boot_id");
    // /proc numbers processes as the namespace that mounted it sees them: in
    // a PID namespace without its own /proc (unshare --pid without
    // --mount-proc) /proc/<pid> is another process, and nothing can be checked.
    const std::string self = first_line("/proc/self/stat");
    if (parse_int64(self.substr(0, self.find(' '))) == me.pid) {
      me.pid_namespace = namespace_inode("/proc/self/ns/pid");
      me.start_ticks = start_ticks_in(self).value_or(0);
    }
    return me;
  }();
  return identity;
}

std::string this_process_tag() {
  const ProcessIdentity& me = this_process();
  std::string tag = me.host + "-" + std::to_string(me.pid);
  const std::uint64_t ns = me.pid_namespace ? me.pid_namespace : namespace_inode("/proc/self/ns/pid");
  if (ns != 0 && ns != initial_pid_namespace) tag += "-ns" + std::to_string(ns);
  return tag;
}

}  // namespace trawl

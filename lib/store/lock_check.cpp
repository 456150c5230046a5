#include "store/lock_check.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <vector>

#include "core/error.hpp"
#include "core/process_identity.hpp"

namespace trawl {

namespace fs = std::filesystem;

namespace {

struct Mount {
  std::string point, type, options;  // options: the mount's and the super block's, comma-joined
};

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescape(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const std::string code = text.substr(i + 1, 3);
    if (text[i] == '\\' && code.size() == 3 && code.find_first_not_of("01234567") == std::string::npos) {
      out += static_cast<char>(std::stoi(code, nullptr, 8));
      i += 3;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::optional<Mount> parse_mount(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> fields;
  for (std::string field; in >> field;) fields.push_back(field);
  std::size_t dash = 6;
  while (dash < fields.size() && fields[dash] != "-") ++dash;
  if (fields.size() < 5 || dash + 3 > fields.size()) return std::nullopt;
  return Mount{unescape(fields[4]), fields[dash + 1], fields[5] + "," + fields[dash + 3]};
}

bool has_option(const std::string& options, const std::string& option) {
  return ("," + options + ",").find("," + option + ",") != std::string::npos;
}

bool under(const std::string& path, const std::string& point) {
  if (point == "/") return true;
  return path.compare(0, point.size(), point) == 0 && (path.size() == point.size() || path[point.size()] == '/');
}

// Whether a second open file description may take the lock a first holds.
bool locks_ignored(const std::string& dir) {
  const std::string probe = dir + "/.trawl-lock-probe-" + this_process_tag();
  const int first = ::open(probe.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (first < 0) return false;  // the lock itself will report why
  const int second = ::open(probe.c_str(), O_RDWR | O_CLOEXEC);
  struct flock request {};
  request.l_type = F_WRLCK;
  request.l_whence = SEEK_SET;
  bool ignored = false;
  if (second >= 0 && ::fcntl(first, F_OFD_SETLK, &request) == 0)
    ignored = ::fcntl(second, F_OFD_SETLK, &request) == 0;
  if (second >= 0) ::close(second);
  ::close(first);
  ::unlink(probe.c_str());
  return ignored;
}

}  // namespace

std::optional<std::string> node_local_locks(const std::string& mountinfo, const std::string& path) {
  std::istringstream lines(mountinfo);
  std::optional<Mount> holder;
  for (std::string line; std::getline(lines, line);) {
    const std::optional<Mount> mount = parse_mount(line);
    // The last, longest mount point above the path is the one it is on.
    if (mount && under(path, mount->point) && (!holder || mount->point.size() >= holder->point.size()))
      holder = mount;
  }
  if (!holder) return std::nullopt;
  const std::string where = holder->type + " mount " + holder->point;
  if (holder->type == "lustre" && has_option(holder->options, "localflock"))
    return "the " + where + " has localflock: its locks are seen only on the node that takes them";
  if (holder->type.rfind("nfs", 0) == 0) {
    if (has_option(holder->options, "nolock"))
      return "the " + where + " has nolock: its locks are seen only on the node that takes them";
    if (has_option(holder->options, "local_lock=posix") || has_option(holder->options, "local_lock=all"))
      return "the " + where + " keeps POSIX locks local (local_lock=posix or all)";
  }
  return std::nullopt;
}

void check_locks_exclude(const std::string& dir) {
  static std::mutex mutex;
  static std::set<std::string> checked;
  std::error_code ec;
  const std::string path = fs::weakly_canonical(fs::absolute(dir.empty() ? "." : dir), ec).string();
  const std::lock_guard<std::mutex> guard(mutex);
  if (!checked.insert(path).second) return;
  std::ifstream in("/proc/self/mountinfo");
  std::ostringstream table;
  table << in.rdbuf();
  std::optional<std::string> why = node_local_locks(table.str(), path);
  if (!why && locks_ignored(path)) why = "a lock taken there does not exclude a second one";
  if (why)
    throw InputError("locks in '" + dir + "' cannot keep two workers from one trial: " + *why +
                     ". Put sweep.dir on a file system whose fcntl locks reach every node (Lustre: mount with "
                     "flock; NFS: with locking), or set TRAWL_LOCK=mkdir for every trawl process of the sweep "
                     "(docs/fault-tolerance.md, \"Many nodes\")");
}

}  // namespace trawl

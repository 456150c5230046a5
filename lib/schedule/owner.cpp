#include "schedule/owner.hpp"

#include <cstdio>

#include "core/text.hpp"

namespace trawl {

std::string owner_of_this_process(const std::string& label, const std::string& suffix) {
  const ProcessIdentity& me = this_process();
  return label + "@" + me.host + ":" + std::to_string(me.pid) + " (boot " + me.boot_id + ", pidns " +
         std::to_string(me.pid_namespace) + ", start " + std::to_string(me.start_ticks) + ")" +
         (suffix.empty() ? "" : " " + suffix);
}

std::optional<ProcessIdentity> owner_process(const std::string& owner) {
  const auto at = owner.find('@');
  const auto colon = owner.find(':', at == std::string::npos ? 0 : at);
  if (at == std::string::npos || colon == std::string::npos) return std::nullopt;
  ProcessIdentity holder;
  holder.host = owner.substr(at + 1, colon - at - 1);
  const auto pid_end = owner.find(' ', colon);
  const auto pid = parse_int64(owner.substr(colon + 1, pid_end - colon - 1));
  if (!pid || *pid <= 0) return std::nullopt;
  holder.pid = *pid;
  if (pid_end == std::string::npos || owner.compare(pid_end, 7, " (boot ") != 0) return holder;
  const auto close = owner.find(')', pid_end);
  if (close == std::string::npos) return std::nullopt;
  char boot[64] = {};
  unsigned long long pidns = 0, start = 0;
  const std::string identity = owner.substr(pid_end + 1, close - pid_end);
  if (std::sscanf(identity.c_str(), "(boot %63[^,], pidns %llu, start %llu)", boot, &pidns, &start) != 3)
    return std::nullopt;
  holder.boot_id = boot;
  holder.pid_namespace = pidns;
  holder.start_ticks = start;
  return holder;
}

bool holder_known_dead(const std::string& owner, const ProcessIdentity& me) {
  const std::optional<ProcessIdentity> holder = owner_process(owner);
  // Each check needs both sides known: an empty boot id or a zero namespace
  // (an older owner, an unreadable /proc) proves nothing.
  if (!holder || holder->host != me.host || holder->boot_id.empty() || holder->boot_id != me.boot_id ||
      holder->pid_namespace == 0 || holder->pid_namespace != me.pid_namespace || holder->start_ticks == 0)
    return false;
  const std::optional<std::uint64_t> started = process_start_ticks(holder->pid);
  return !started || *started != holder->start_ticks;
}

}  // namespace trawl

#include "sweep/trial_log.hpp"

#include <cstdio>
#include <iostream>
#include <sstream>

namespace trawl {

TrialLog::TrialLog(ResultStore& store, Schedule* schedule, std::string prefix, TrialId trial, std::int64_t position,
                   std::int64_t count, bool live)
    : store_(store), schedule_(schedule), prefix_(std::move(prefix)), trial_(trial), position_(position),
      count_(count), live_(live) {}

void TrialLog::on_eval(const EvalPoint& point, double throughput, const char* unit, double learning_rate) {
  store_.eval_point(trial_, point);
  if (shared_) shared_->add_point(point);
  std::ostringstream line;
  line << prefix_ << " trial " << trial_ << " (" << position_ << (count_ ? "/" + std::to_string(count_) : "")
       << ") step " << point.step;
  for (const auto& [name, value] : point.metrics) line << " " << name << "=" << format_metric(value);
  line << " lr=" << format_number(learning_rate, "%.3g") << " " << unit << "=" << static_cast<std::int64_t>(throughput);
  print(line.str() + "\n");
}

void TrialLog::on_step(std::int64_t done, std::int64_t steps) {
  if (!live_) return;
  auto t = std::chrono::steady_clock::now();
  if (t - last_live_ < std::chrono::milliseconds(200) && done != steps) return;
  last_live_ = t;
  std::ostringstream line;
  line << "\r" << prefix_ << " trial " << trial_ << " (" << position_ << (count_ ? "/" + std::to_string(count_) : "")
       << ") step " << done << "/" << steps << " " << (100 * done / steps) << "%";
  std::cout << line.str() << std::flush;
  live_shown_ = true;
}

void TrialLog::print(const std::string& text) {
  if (live_shown_) std::cout << "\r\033[K";
  live_shown_ = false;
  std::cout << text << std::flush;
}

}  // namespace trawl

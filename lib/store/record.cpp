#include "store/record.hpp"

#include "core/error.hpp"
#include "core/overloaded.hpp"
#include "core/text.hpp"

namespace trawl {

namespace {

std::string number(double v) { return format_double(v); }

void add_metrics(std::vector<std::string>& fields, const std::map<std::string, double>& metrics) {
  fields.push_back(std::to_string(metrics.size()));
  for (const auto& [name, value] : metrics) {
    fields.push_back(name);
    fields.push_back(number(value));
  }
}

// Reads fields in order, each conversion checked.
class FieldReader {
 public:
  FieldReader(const std::vector<std::string>& fields, const std::string& where) : fields_(fields), where_(where) {}
  const std::string& text() {
    if (at_ >= fields_.size()) fail("has " + std::to_string(fields_.size()) + " fields, too few for its kind");
    return fields_[at_++];
  }
  std::int64_t integer() {
    const std::string& t = text();
    auto v = parse_int64(t);
    if (!v) fail("field " + std::to_string(at_) + " '" + t + "' is not an integer");
    return *v;
  }
  double real() {
    const std::string& t = text();
    auto v = parse_double(t);
    if (!v) fail("field " + std::to_string(at_) + " '" + t + "' is not a number");
    return *v;
  }
  std::map<std::string, double> metrics() {
    const std::int64_t n = integer();
    if (n < 0 || static_cast<std::size_t>(n) * 2 > fields_.size()) fail("metric count " + std::to_string(n) + " is wrong");
    std::map<std::string, double> m;
    for (std::int64_t i = 0; i < n; ++i) {
      std::string name = text();
      m[name] = real();
    }
    return m;
  }
  TrialStatus status() {
    const std::int64_t v = integer();
    if (v < 0 || static_cast<std::size_t>(v) >= trial_status_names().size())
      fail("status " + std::to_string(v) + " is not a trial status");
    return static_cast<TrialStatus>(v);
  }
  bool at_end() const { return at_ >= fields_.size(); }
  void done() {
    if (at_ != fields_.size()) fail("has " + std::to_string(fields_.size() - at_) + " fields too many");
  }
  [[noreturn]] void fail(const std::string& why) const { throw Error(where_ + ": " + why); }

 private:
  const std::vector<std::string>& fields_;
  const std::string& where_;
  std::size_t at_ = 0;
};

}  // namespace

TrialId trial_of(const Record& record) {
  return std::visit(Overloaded{[](const EventRecord& r) { return r.event.trial; },
                               [](const SweepRecord&) { return TrialId{-1}; }, [](const auto& r) { return r.trial; }},
                    record.body);
}

void set_trial(Record& record, TrialId trial) {
  std::visit(Overloaded{[&](EventRecord& r) { r.event.trial = trial; }, [](SweepRecord&) {},
                        [&](auto& r) { r.trial = trial; }},
             record.body);
}

std::vector<std::string> encode(const Record& record) {
  std::vector<std::string> f;
  auto head = [&](const char* kind) {
    f = {kind, number(record.time), std::to_string(trial_of(record))};
  };
  std::visit(Overloaded{
                 [&](const StartRecord& r) {
                   head(r.lease_until ? "claim" : "start");
                   f.push_back(r.owner);
                   f.push_back(std::to_string(r.attempt));
                   if (r.lease_until) f.push_back(number(*r.lease_until));
                 },
                 [&](const LeaseRecord& r) {
                   head("lease");
                   f.push_back(number(r.lease_until));
                 },
                 [&](const EvalRecord& r) {
                   head("eval");
                   f.push_back(std::to_string(r.point.index));
                   f.push_back(std::to_string(r.point.step));
                   add_metrics(f, r.point.metrics);
                 },
                 [&](const FinishRecord& r) {
                   head("finish");
                   for (std::int64_t v : {static_cast<std::int64_t>(r.status), r.steps}) f.push_back(std::to_string(v));
                   f.push_back(number(r.wall_seconds));
                   f.push_back(std::to_string(r.best_step));
                   add_metrics(f, r.final_metrics);
                   add_metrics(f, r.best_metrics);
                   // Optional trailing fields, absent from older journals.
                   if (r.stopped_early) f.push_back("stopped_early");
                   if (r.trained_by >= 0) {
                     f.push_back("trained_by");
                     f.push_back(std::to_string(r.trained_by));
                   }
                 },
                 [&](const PauseRecord& r) {
                   head("pause");
                   f.push_back(std::to_string(r.steps));
                   f.push_back(std::to_string(r.rung));
                 },
                 [&](const DecisionRecord& r) {
                   head(r.promoted ? "promote" : "prune");
                   f.push_back(std::to_string(r.rung));
                   f.push_back(std::to_string(r.attempt));
                 },
                 [&](const InterruptRecord& r) {
                   head("interrupt");
                   f.push_back(std::to_string(r.steps));
                 },
                 [&](const EventRecord& r) {
                   head("event");
                   f.push_back(r.event.kind);
                   f.push_back(r.event.message);
                 },
                 [&](const SweepRecord& r) {
                   head("sweep");
                   f.push_back(r.spec_hash);
                   f.push_back(r.settings_hash);
                 },
             },
             record.body);
  return f;
}

Record decode(const std::vector<std::string>& fields, const std::string& where) {
  FieldReader in(fields, where);
  const std::string kind = in.text();
  Record record;
  record.time = in.real();
  const TrialId trial = in.integer();
  if (kind == "start" || kind == "claim") {
    StartRecord r{trial, in.text(), in.integer(), std::nullopt};
    if (kind == "claim") r.lease_until = in.real();
    record.body = r;
  } else if (kind == "lease") {
    record.body = LeaseRecord{trial, in.real()};
  } else if (kind == "eval") {
    EvalRecord r{trial, {}};
    r.point.index = in.integer();
    r.point.step = in.integer();
    r.point.metrics = in.metrics();
    record.body = r;
  } else if (kind == "finish") {
    FinishRecord r;
    r.trial = trial;
    r.status = in.status();
    r.steps = in.integer();
    r.wall_seconds = in.real();
    r.best_step = in.integer();
    r.final_metrics = in.metrics();
    r.best_metrics = in.metrics();
    while (!in.at_end()) {
      const std::string field = in.text();
      if (field == "stopped_early") r.stopped_early = true;
      else if (field == "trained_by") r.trained_by = in.integer();
      else in.fail("field '" + field + "' is neither 'stopped_early' nor 'trained_by'");
    }
    record.body = r;
  } else if (kind == "pause") {
    PauseRecord r{trial, in.integer(), in.integer()};
    if (r.steps < 1 || r.rung < 0) in.fail("pause at step " + std::to_string(r.steps) + ", rung " +
                                           std::to_string(r.rung) + " is not valid");
    record.body = r;
  } else if (kind == "promote" || kind == "prune") {
    DecisionRecord r{trial, in.integer(), in.integer(), kind == "promote"};
    if (r.rung < 0) in.fail("rung " + std::to_string(r.rung) + " is not valid");
    record.body = r;
  } else if (kind == "interrupt") {
    record.body = InterruptRecord{trial, in.integer()};
  } else if (kind == "event") {
    record.body = EventRecord{StoreEvent{record.time, trial, in.text(), in.text()}};
  } else if (kind == "sweep") {
    record.body = SweepRecord{in.text(), in.text()};
  } else {
    in.fail("unknown record kind '" + kind + "'");
  }
  if (trial < -1 || (trial < 0 && kind != "event" && kind != "sweep")) in.fail("trial id " + std::to_string(trial) + " is not valid");
  in.done();
  return record;
}

}  // namespace trawl

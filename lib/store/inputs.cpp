#include "store/inputs.hpp"

#include <chrono>
#include <ctime>

#include "core/error.hpp"

namespace trawl {

namespace {

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

[[noreturn]] void refuse_changed(const std::string& path, const std::string& what) {
  throw InputError(path + " was made by a different sweep: " + what +
                   ". Its trials were trained on the old contents, so new ones would not be comparable: restore the "
                   "file, or give the sweep another sweep.dir for the new contents.");
}

}  // namespace

RecordedInputs hash_inputs(const SweepSpec& spec) { return RecordedInputs{input_files(spec), utc_now()}; }

void check_inputs_unchanged(const std::string& path, const std::optional<RecordedInputs>& recorded,
                            const std::string& recorded_spec_hash, const SweepSpec& before) {
  std::vector<InputFile> now;
  try {
    now = input_files(before);
  } catch (const Error& e) {
    refuse_changed(path, std::string("an input it was made from cannot be read now (") + e.what() + ")");
  }
  // `before` is the recorded sweep text, so its inputs come in the recorded
  // order, under the same keys, whatever folder their paths resolve in now.
  if (recorded && recorded->files.size() == now.size())
    for (std::size_t i = 0; i < now.size(); ++i) {
      const InputFile &was = recorded->files[i], &is = now[i];
      if (is.key == was.key && is.hash != was.hash)
        refuse_changed(path, "the contents of " + was.key + " (" + is.path + ") changed since " +
                                 recorded->hashed_at + " (hash " + was.hash + " then, " + is.hash + " now)");
    }
  if (spec_hash(before) != recorded_spec_hash)
    refuse_changed(path, "the contents of one of the files it was made from (data.path, data.train_file, "
                         "data.val_file, model.init, model.path) changed since it was made");
}

}  // namespace trawl

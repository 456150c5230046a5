#include "store/inputs.hpp"

#include <algorithm>
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
  if (recorded) {
    for (const InputFile& was : recorded->files) {
      auto same_input = [&](const InputFile& f) { return f.key == was.key && f.path == was.path; };
      const auto is = std::find_if(now.begin(), now.end(), same_input);
      // A moved sweep folder resolves relative paths elsewhere: then the key's place in the list counts.
      const InputFile* current = is != now.end() ? &*is : nullptr;
      if (!current) {
        const auto index = static_cast<std::size_t>(&was - recorded->files.data());
        if (index < now.size() && now[index].key == was.key) current = &now[index];
      }
      if (current && current->hash != was.hash)
        refuse_changed(path, "the contents of " + was.key + " (" + current->path + ") changed since " +
                                 recorded->hashed_at + " (hash " + was.hash + " then, " + current->hash + " now)");
    }
  }
  if (spec_hash(before) != recorded_spec_hash)
    refuse_changed(path, "the contents of one of the files it was made from (data.path, data.train_file, "
                         "data.val_file, model.init, model.path) changed since it was made");
}

}  // namespace trawl

#include "grid/trial_fields.hpp"

#include <cstdint>
#include <type_traits>

#include "spec/sweep_spec.hpp"

namespace trawl {

namespace {

enum class Stored { as_is, path };

// The row for key → trial.*section.*member, for any member type a Value
// holds (bool, int64, double, string).
template <auto section, auto member, Stored stored = Stored::as_is>
TrialField field(const char* key) {
  using Member = std::remove_reference_t<decltype(std::declval<TrialSettings&>().*section.*member)>;
  static_assert(!(stored == Stored::path && !std::is_same_v<Member, std::string>), "a path is a string");
  TrialField row{key, nullptr, nullptr};
  row.set = [](TrialSettings& trial, const Value& value, const SweepSpec& spec) {
    Member& target = trial.*section.*member;
    if constexpr (stored == Stored::path)
      target = spec.resolve_path(std::get<std::string>(value));
    else
      target = std::get<Member>(value);
  };
  row.number = [](const TrialSettings& trial) -> std::optional<double> {
    if constexpr (std::is_same_v<Member, std::int64_t> || std::is_same_v<Member, double>)
      return static_cast<double>(trial.*section.*member);
    else
      return std::nullopt;
  };
  return row;
}

using T = TrialSettings;
using M = ModelSettings;
using D = DataSettings;
using R = TrainSettings;
using I = InferSettings;

}  // namespace

const std::vector<TrialField>& trial_fields() {
  static const std::vector<TrialField> fields{
      field<&T::model, &M::kind>("model.kind"),
      field<&T::model, &M::path, Stored::path>("model.path"),
      field<&T::model, &M::hidden>("model.hidden"),
      field<&T::model, &M::layers>("model.layers"),
      field<&T::model, &M::dropout>("model.dropout"),
      field<&T::model, &M::activation>("model.activation"),
      field<&T::model, &M::d_model>("model.d_model"),
      field<&T::model, &M::heads>("model.heads"),
      field<&T::model, &M::seq_len>("model.seq_len"),
      field<&T::model, &M::init, Stored::path>("model.init"),
      field<&T::model, &M::lora_rank>("model.lora.rank"),
      field<&T::model, &M::lora_alpha>("model.lora.alpha"),
      field<&T::model, &M::lora_dropout>("model.lora.dropout"),
      field<&T::model, &M::num_labels>("model.num_labels"),

      field<&T::data, &D::kind>("data.kind"),
      field<&T::data, &D::path, Stored::path>("data.path"),
      field<&T::data, &D::train_x>("data.train_x"),
      field<&T::data, &D::train_y>("data.train_y"),
      field<&T::data, &D::val_x>("data.val_x"),
      field<&T::data, &D::val_y>("data.val_y"),
      field<&T::data, &D::train_file, Stored::path>("data.train_file"),
      field<&T::data, &D::val_file, Stored::path>("data.val_file"),
      field<&T::data, &D::tokenizer, Stored::path>("data.tokenizer"),
      field<&T::data, &D::task>("data.task"),
      field<&T::data, &D::shuffle>("data.shuffle"),
      field<&T::data, &D::chat_template, Stored::path>("data.chat_template"),
      field<&T::data, &D::train_on>("data.train_on"),
      field<&T::data, &D::packing>("data.packing"),

      field<&T::train, &R::steps>("train.steps"),
      field<&T::train, &R::batch_size>("train.batch_size"),
      field<&T::train, &R::warmup_steps>("train.warmup_steps"),
      field<&T::train, &R::eval_every>("train.eval_every"),
      field<&T::train, &R::eval_batch_size>("train.eval_batch_size"),
      field<&T::train, &R::lr>("train.lr"),
      field<&T::train, &R::momentum>("train.momentum"),
      field<&T::train, &R::beta1>("train.beta1"),
      field<&T::train, &R::beta2>("train.beta2"),
      field<&T::train, &R::eps>("train.eps"),
      field<&T::train, &R::weight_decay>("train.weight_decay"),
      field<&T::train, &R::min_lr_ratio>("train.min_lr_ratio"),
      field<&T::train, &R::grad_clip>("train.grad_clip"),
      field<&T::train, &R::optimizer>("train.optimizer"),
      field<&T::train, &R::schedule>("train.schedule"),
      field<&T::train, &R::grad_accum>("train.grad_accum"),
      field<&T::train, &R::label_smoothing>("train.label_smoothing"),
      field<&T::train, &R::bucket_mb>("train.bucket_mb"),
      field<&T::train, &R::device>("train.device"),
      field<&T::train, &R::precision>("train.precision"),
      field<&T::train, &R::threads>("train.threads"),
      field<&T::train, &R::eval_at_start>("train.eval_at_start"),
      field<&T::train, &R::activation_checkpointing>("train.activation_checkpointing"),
      field<&T::train, &R::patience>("train.patience"),
      field<&T::train, &R::min_delta>("train.min_delta"),

      field<&T::infer, &I::batch_size>("infer.batch_size"),
      field<&T::infer, &I::warmup>("infer.warmup"),
      field<&T::infer, &I::iterations>("infer.iterations"),
      field<&T::infer, &I::max_new_tokens>("infer.max_new_tokens"),
      field<&T::infer, &I::temperature>("infer.temperature"),
      field<&T::infer, &I::top_k>("infer.top_k"),
      field<&T::infer, &I::top_p>("infer.top_p"),
      field<&T::infer, &I::seed>("infer.seed"),
  };
  return fields;
}

}  // namespace trawl

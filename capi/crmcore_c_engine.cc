// The C API's batch scoring and mergeable partial states (capi/crmcore.h) over the C++
// engine (include/crmcore/engine.h, engine_state.h, engine_state_io.h).
//
// Every exported function runs its body through Guarded() (capi_internal.h). Columns are
// wrapped in engine::ColumnView spans over the caller's memory (no copy); the engine does
// the validation and names the component and row of a bad value.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "capi_internal.h"
#include "crmcore.h"
#include "crmcore/composite_value.h"
#include "crmcore/engine.h"
#include "crmcore/engine_state.h"
#include "crmcore/engine_state_io.h"
#include "crmcore/rfm_score.h"
#include "crmcore/satisfaction.h"
#include "crmcore/status.h"
#include "crmcore/taxonomy.h"
#include "crmcore/value_tier.h"

// The handles: plain C++ objects behind the opaque C types.

// A plan is kept as its raw settings, validated as a whole (crmcore::CompositePlan::Create)
// when it is used, so that weights can be set one at a time.
struct crm_composite_plan {
  crmcore::CompositePlan::Weights weights{};  // all 0: the host picks the components
  crmcore::CompositePlan::Normalizers normalizers{};
  crmcore::MissingPolicy missing = crmcore::MissingPolicy::kReject;
};

struct crm_composite_state {
  crmcore::engine::CompositeState state;
};

struct crm_quantile_state {
  crmcore::engine::QuantileState state;
};

namespace {

using namespace crmcore::capi_internal;  // NOLINT: the C API's shared toolkit

using crmcore::CompositeComponent;
using crmcore::CompositePlan;
using crmcore::MissingPolicy;
using crmcore::NormalizerKind;
using crmcore::RfmDirection;
using crmcore::SatisfactionIndicator;
using crmcore::ValueTier;
using crmcore::engine::ColumnView;
using crmcore::engine::CompositeColumns;
using crmcore::engine::EngineOptions;
using crmcore::engine::MissingEncoding;

// ---------------------------------------------------------------------------
// The value macros of crmcore.h are the core's enum values.

template <typename E>
constexpr int V(E e) {
  return static_cast<int>(e);
}
static_assert(CRM_COLUMN_FLOAT64 == V(ColumnView::Type::kFloat64));
static_assert(CRM_COLUMN_FLOAT32 == V(ColumnView::Type::kFloat32));
static_assert(CRM_COLUMN_INT64 == V(ColumnView::Type::kInt64));
static_assert(CRM_MISSING_NAN == V(MissingEncoding::kNaN));
static_assert(CRM_MISSING_VALIDITY_BITMAP == V(MissingEncoding::kValidityBitmap));
static_assert(CRM_COMPONENT_CURRENT_CONTRIBUTION == V(CompositeComponent::kCurrentContribution));
static_assert(CRM_COMPONENT_FUTURE_CONTRIBUTION == V(CompositeComponent::kFutureContribution));
static_assert(CRM_COMPONENT_CREDIT == V(CompositeComponent::kCredit));
static_assert(CRM_COMPONENT_LOYALTY == V(CompositeComponent::kLoyalty));
static_assert(CRM_COMPONENT_GROWTH_POTENTIAL == V(CompositeComponent::kGrowthPotential));
static_assert(CRM_COMPOSITE_COMPONENT_COUNT == crmcore::kCompositeComponentCount);
static_assert(CRM_NORMALIZER_MIN_MAX == V(NormalizerKind::kMinMax));
static_assert(CRM_NORMALIZER_Z_SCORE == V(NormalizerKind::kZScore));
static_assert(CRM_NORMALIZER_PERCENTILE_RANK == V(NormalizerKind::kPercentileRank));
static_assert(CRM_NORMALIZER_FIXED_BOUNDS == V(NormalizerKind::kFixedBounds));
static_assert(crmcore::TaxonomySize<NormalizerKind>() == 4);
static_assert(CRM_MISSING_POLICY_REJECT == V(MissingPolicy::kReject));
static_assert(CRM_MISSING_POLICY_RENORMALIZE == V(MissingPolicy::kRenormalize));
static_assert(CRM_TIER_VIP == V(ValueTier::kVip));
static_assert(CRM_TIER_MAJOR == V(ValueTier::kMajor));
static_assert(CRM_TIER_ORDINARY == V(ValueTier::kOrdinary));
static_assert(CRM_TIER_SMALL == V(ValueTier::kSmall));
static_assert(crmcore::kValueTierCount == 4);
static_assert(CRM_RFM_HIGHER_IS_BETTER == V(RfmDirection::kHigherIsBetter));
static_assert(CRM_RFM_LOWER_IS_BETTER == V(RfmDirection::kLowerIsBetter));
static_assert(CRM_SATISFACTION_INDICATOR_REPUTATION == V(SatisfactionIndicator::kReputation));
static_assert(CRM_SATISFACTION_INDICATOR_NAME_RECALL == V(SatisfactionIndicator::kNameRecall));
static_assert(CRM_SATISFACTION_INDICATOR_RETURN_RATE == V(SatisfactionIndicator::kReturnRate));
static_assert(CRM_SATISFACTION_INDICATOR_COMPLAINT_RATE ==
              V(SatisfactionIndicator::kComplaintRate));
static_assert(CRM_SATISFACTION_INDICATOR_PURCHASE_AMOUNT ==
              V(SatisfactionIndicator::kPurchaseAmount));
static_assert(CRM_SATISFACTION_INDICATOR_PRICE_SENSITIVITY ==
              V(SatisfactionIndicator::kPriceSensitivity));
static_assert(CRM_SATISFACTION_INDICATOR_COUNT ==
              crmcore::engine::kSatisfactionIndicatorCount);

// The INIT macros carry the core's documented defaults.
constexpr crm_engine_options kEngineOptionsInit = CRM_ENGINE_OPTIONS_INIT;
static_assert(kEngineOptionsInit.threads == EngineOptions{}.threads);
static_assert(kEngineOptionsInit.missing_encoding == V(EngineOptions{}.missing_encoding));
constexpr crm_pyramid_fractions kPyramidInit = CRM_PYRAMID_FRACTIONS_INIT;
static_assert(kPyramidInit.vip_share == crmcore::PyramidFractions{}.vip);
static_assert(kPyramidInit.major_share == crmcore::PyramidFractions{}.major);
static_assert(kPyramidInit.ordinary_share == crmcore::PyramidFractions{}.ordinary);
static_assert(kPyramidInit.small_share == crmcore::PyramidFractions{}.small);
constexpr crm_column kColumnInit = CRM_COLUMN_INIT;

// ---------------------------------------------------------------------------
// C structs → the core's.

absl::StatusOr<EngineOptions> ToCore(const crm_engine_options* o) {
  EngineOptions options;
  if (o == nullptr) return options;
  CRM_RETURN_IF_ERROR(CheckStructSize<crm_engine_options>(o->struct_size, "crm_engine_options"));
  if (o->missing_encoding != CRM_MISSING_NAN &&
      o->missing_encoding != CRM_MISSING_VALIDITY_BITMAP) {
    return absl::InvalidArgumentError(absl::StrCat(
        "crm_engine_options.missing_encoding: unknown value ", o->missing_encoding,
        " (valid: 0 = CRM_MISSING_NAN, 1 = CRM_MISSING_VALIDITY_BITMAP)"));
  }
  options.threads = o->threads;
  options.missing_encoding = static_cast<MissingEncoding>(o->missing_encoding);
  const absl::Status valid = options.Validate();
  if (!valid.ok()) {
    return absl::Status(valid.code(), absl::StrCat("crm_engine_options: ", valid.message()));
  }
  return options;
}

absl::StatusOr<crmcore::PyramidFractions> ToCore(const crm_pyramid_fractions* f) {
  crmcore::PyramidFractions fractions;
  if (f == nullptr) return fractions;
  CRM_RETURN_IF_ERROR(
      CheckStructSize<crm_pyramid_fractions>(f->struct_size, "crm_pyramid_fractions"));
  fractions.vip = f->vip_share;
  fractions.major = f->major_share;
  fractions.ordinary = f->ordinary_share;
  fractions.small = f->small_share;
  return fractions;
}

absl::StatusOr<CompositeComponent> ToComponent(int32_t component) {
  return crmcore::FromValue<CompositeComponent>(component);
}

absl::StatusOr<CompositePlan> Build(const crm_composite_plan& plan) {
  return CompositePlan::Create(plan.weights, plan.normalizers, plan.missing);
}

template <typename T>
ColumnView ViewOf(const crm_column& c) {
  return ColumnView(absl::Span<const T>(static_cast<const T*>(c.data), c.length));
}

// One caller column (whose struct_size was checked) as the engine's view; `name` names it
// in errors.
absl::StatusOr<ColumnView> ToView(const crm_column& c, const std::string& name) {
  if (c.data == nullptr && c.length > 0) {
    return absl::InvalidArgumentError(absl::StrCat(name, ".data is NULL but length is ", c.length));
  }
  ColumnView view;
  switch (c.type) {
    case CRM_COLUMN_FLOAT64: view = ViewOf<double>(c); break;
    case CRM_COLUMN_FLOAT32: view = ViewOf<float>(c); break;
    case CRM_COLUMN_INT64: view = ViewOf<std::int64_t>(c); break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          name, ".type: unknown value ", c.type,
          " (valid: 0 = CRM_COLUMN_FLOAT64, 1 = CRM_COLUMN_FLOAT32, 2 = CRM_COLUMN_INT64)"));
  }
  if (c.validity != nullptr) {
    view = view.WithValidity(absl::MakeConstSpan(c.validity, (c.length + 7) / 8));
  }
  return view;
}

// The caller's column array as the engine's, for the components `plan` uses. Entries are
// checked in order, so entry i + 1 is only read once entry i's struct_size proved that the
// caller's array has this library's stride.
absl::StatusOr<CompositeColumns> ToColumns(const CompositePlan& plan, const crm_column* columns,
                                           std::size_t n_columns) {
  if (n_columns != CRM_COMPOSITE_COMPONENT_COUNT) {
    return absl::InvalidArgumentError(absl::StrCat(
        "n_columns must be CRM_COMPOSITE_COMPONENT_COUNT = ", CRM_COMPOSITE_COMPONENT_COUNT,
        " (one column per component, indexed by CRM_COMPONENT_*), got ", n_columns));
  }
  CRM_RETURN_IF_ERROR(RequireNonNull(columns, "columns"));
  CompositeColumns out;
  for (std::size_t i = 0; i < n_columns; ++i) {
    const crm_column& c = columns[i];
    const auto component = static_cast<CompositeComponent>(i);
    const std::string name = absl::StrCat("columns[", i, "] (", crmcore::Id(component), ")");
    const absl::Status size_ok = CheckStructSize<crm_column>(c.struct_size, "crm_column");
    if (!size_ok.ok()) return absl::InvalidArgumentError(absl::StrCat(name, ": ", size_ok.message()));
    if (!plan.uses(component)) continue;  // never read, as documented
    CRM_ASSIGN_OR_RETURN(out.column[i], ToView(c, name));
  }
  return out;
}

// The caller's six indicator columns as the engine's (all six are read). Entries are
// checked in order, as in ToColumns().
absl::StatusOr<crmcore::engine::SatisfactionIndicatorColumns> ToIndicatorColumns(
    const crm_column* columns, std::size_t n_columns) {
  if (n_columns != CRM_SATISFACTION_INDICATOR_COUNT) {
    return absl::InvalidArgumentError(absl::StrCat(
        "n_columns must be CRM_SATISFACTION_INDICATOR_COUNT = ",
        CRM_SATISFACTION_INDICATOR_COUNT,
        " (one column per indicator, indexed by CRM_SATISFACTION_INDICATOR_*), got ",
        n_columns));
  }
  CRM_RETURN_IF_ERROR(RequireNonNull(columns, "columns"));
  crmcore::engine::SatisfactionIndicatorColumns out;
  for (std::size_t i = 0; i < n_columns; ++i) {
    const crm_column& c = columns[i];
    const std::string name =
        absl::StrCat("columns[", i, "] (", crmcore::Id(static_cast<SatisfactionIndicator>(i)), ")");
    const absl::Status size_ok = CheckStructSize<crm_column>(c.struct_size, "crm_column");
    if (!size_ok.ok()) return absl::InvalidArgumentError(absl::StrCat(name, ": ", size_ok.message()));
    CRM_ASSIGN_OR_RETURN(out.column[i], ToView(c, name));
  }
  return out;
}

// Everything a composite call reads, converted and checked.
struct CompositeCall {
  CompositePlan plan;
  CompositeColumns columns;
  EngineOptions options;
};

absl::StatusOr<CompositeCall> PrepareComposite(const crm_composite_plan* plan,
                                               const crm_column* columns, std::size_t n_columns,
                                               const crm_engine_options* options) {
  CRM_RETURN_IF_ERROR(CheckHandle(plan, "plan"));
  CRM_ASSIGN_OR_RETURN(CompositePlan core_plan, Build(*plan));
  CRM_ASSIGN_OR_RETURN(CompositeColumns core_columns, ToColumns(core_plan, columns, n_columns));
  CRM_ASSIGN_OR_RETURN(EngineOptions core_options, ToCore(options));
  return CompositeCall{std::move(core_plan), core_columns, core_options};
}

// NULL is fine for an empty array only.
absl::Status RequireArray(const void* pointer, std::size_t n, absl::string_view name) {
  if (pointer != nullptr || n == 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(name, " is NULL but n is ", n));
}

// The two-call serialization pattern shared by both state kinds.
template <typename State, typename Serialize>
absl::Status SerializeTwoCall(const State& state, uint8_t* buffer, std::size_t capacity,
                              std::size_t* out_size, Serialize&& serialize) {
  CRM_RETURN_IF_ERROR(RequireNonNull(out_size, "out_size"));
  const std::size_t size = crmcore::engine::SerializedSize(state);
  if (buffer != nullptr) {
    if (capacity < size) {
      return absl::OutOfRangeError(absl::StrCat(
          "buffer capacity is ", capacity, " bytes but the state needs ", size,
          " (call with buffer NULL to learn the size)"));
    }
    CRM_RETURN_IF_ERROR(serialize(state, absl::MakeSpan(buffer, size)));
  }
  *out_size = size;
  return absl::OkStatus();
}

absl::Status RequireBytes(const uint8_t* bytes, std::size_t length) {
  if (bytes != nullptr || length == 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("bytes is NULL but length is ", length));
}

}  // namespace

// ===========================================================================
// Exported functions.

extern "C" {

// --- Options and columns ------------------------------------------------------

crm_status crm_column_init(crm_column* column, size_t struct_size) {
  return Guarded("crm_column_init",
                 [&]() { return InitStruct(column, struct_size, kColumnInit, "crm_column"); });
}

crm_status crm_engine_options_init(crm_engine_options* options, size_t struct_size) {
  return Guarded("crm_engine_options_init", [&]() {
    return InitStruct(options, struct_size, kEngineOptionsInit, "crm_engine_options");
  });
}

const char* crm_engine_target(void) {
  // The target is chosen once per process (only tests force another, in C++).
  try {
    static const std::string name = crmcore::engine::ActiveTarget();
    return name.c_str();
  } catch (...) {  // the string's allocation failed: no exception crosses the C boundary
    return "unknown";
  }
}

crm_status crm_pyramid_fractions_init(crm_pyramid_fractions* fractions, size_t struct_size) {
  return Guarded("crm_pyramid_fractions_init", [&]() {
    return InitStruct(fractions, struct_size, kPyramidInit, "crm_pyramid_fractions");
  });
}

// --- Composite plans ----------------------------------------------------------

crm_status crm_composite_plan_create(crm_composite_plan** out) {
  return Guarded("crm_composite_plan_create", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    *out = NewHandle<crm_composite_plan>();
    return absl::OkStatus();
  });
}

void crm_composite_plan_destroy(crm_composite_plan* plan) {
  DestroyHandle(plan, "crm_composite_plan_destroy");
}

crm_status crm_composite_plan_set_weight(crm_composite_plan* plan, int32_t component,
                                         double weight) {
  return Guarded("crm_composite_plan_set_weight", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(plan, "plan"));
    CRM_ASSIGN_OR_RETURN(const CompositeComponent c, ToComponent(component));
    if (!(weight >= 0.0) || weight == std::numeric_limits<double>::infinity()) {
      return absl::InvalidArgumentError(absl::StrCat("weight of ", crmcore::Id(c),
                                                     " must be finite and >= 0, got ",
                                                     crmcore::FormatDouble(weight)));
    }
    plan->weights[static_cast<std::size_t>(c)] = weight;
    return absl::OkStatus();
  });
}

crm_status crm_composite_plan_set_normalizer(crm_composite_plan* plan, int32_t component,
                                             int32_t normalizer, double fixed_lower,
                                             double fixed_upper) {
  return Guarded("crm_composite_plan_set_normalizer", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(plan, "plan"));
    CRM_ASSIGN_OR_RETURN(const CompositeComponent c, ToComponent(component));
    CRM_ASSIGN_OR_RETURN(const NormalizerKind kind, crmcore::FromValue<NormalizerKind>(normalizer));
    crmcore::NormalizerSpec spec;
    spec.kind = kind;
    if (kind == NormalizerKind::kFixedBounds) {
      spec.fixed_lower = fixed_lower;
      spec.fixed_upper = fixed_upper;
    }
    const absl::Status valid = spec.Validate();
    if (!valid.ok()) {
      return absl::Status(valid.code(),
                          absl::StrCat("component ", crmcore::Id(c), ": ", valid.message()));
    }
    plan->normalizers[static_cast<std::size_t>(c)] = spec;
    return absl::OkStatus();
  });
}

crm_status crm_composite_plan_set_missing_policy(crm_composite_plan* plan, int32_t policy) {
  return Guarded("crm_composite_plan_set_missing_policy", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(plan, "plan"));
    if (policy != CRM_MISSING_POLICY_REJECT && policy != CRM_MISSING_POLICY_RENORMALIZE) {
      return absl::InvalidArgumentError(absl::StrCat(
          "policy: unknown value ", policy,
          " (valid: 0 = CRM_MISSING_POLICY_REJECT, 1 = CRM_MISSING_POLICY_RENORMALIZE)"));
    }
    plan->missing = static_cast<MissingPolicy>(policy);
    return absl::OkStatus();
  });
}

crm_status crm_composite_plan_validate(const crm_composite_plan* plan) {
  return Guarded("crm_composite_plan_validate", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(plan, "plan"));
    return Build(*plan).status();
  });
}

crm_status crm_composite_plan_weight(const crm_composite_plan* plan, int32_t component,
                                     double* out) {
  return Guarded("crm_composite_plan_weight", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(plan, "plan"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    CRM_ASSIGN_OR_RETURN(const CompositeComponent c, ToComponent(component));
    CRM_ASSIGN_OR_RETURN(const CompositePlan core_plan, Build(*plan));
    *out = core_plan.weight(c);
    return absl::OkStatus();
  });
}

// --- Batch scoring ------------------------------------------------------------

crm_status crm_score_composite(const crm_composite_plan* plan, const crm_column* columns,
                               size_t n_columns, const crm_engine_options* options, double* out,
                               size_t out_length) {
  return Guarded("crm_score_composite", [&]() -> absl::Status {
    CRM_ASSIGN_OR_RETURN(const CompositeCall call,
                         PrepareComposite(plan, columns, n_columns, options));
    CRM_RETURN_IF_ERROR(RequireArray(out, out_length, "out"));
    return crmcore::engine::ScoreComposite(call.plan, call.columns,
                                           absl::MakeSpan(out, out_length), call.options);
  });
}

crm_status crm_assign_value_tiers(const double* values, size_t n,
                                  const crm_pyramid_fractions* fractions,
                                  const crm_engine_options* options, int8_t* out_tiers) {
  return Guarded("crm_assign_value_tiers", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireArray(values, n, "values"));
    CRM_RETURN_IF_ERROR(RequireArray(out_tiers, n, "out_tiers"));
    CRM_ASSIGN_OR_RETURN(const crmcore::PyramidFractions core_fractions, ToCore(fractions));
    CRM_ASSIGN_OR_RETURN(const EngineOptions core_options, ToCore(options));
    // The engine writes the CRM_TIER_* codes straight into the caller's array.
    return crmcore::engine::AssignPyramidTiers(absl::MakeConstSpan(values, n),
                                               absl::MakeSpan(out_tiers, n), core_fractions,
                                               core_options);
  });
}

crm_status crm_rfm_quintiles(const double* values, size_t n, int32_t direction,
                             const crm_engine_options* options, int8_t* out_scores) {
  return Guarded("crm_rfm_quintiles", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireArray(values, n, "values"));
    CRM_RETURN_IF_ERROR(RequireArray(out_scores, n, "out_scores"));
    CRM_ASSIGN_OR_RETURN(const EngineOptions core_options, ToCore(options));
    return crmcore::engine::ScoreRfmQuintiles(absl::MakeConstSpan(values, n),
                                              static_cast<RfmDirection>(direction),
                                              absl::MakeSpan(out_scores, n), core_options);
  });
}

crm_status crm_satisfaction_ratios(const double* perceived_value_b, const double* expectation_a,
                                   size_t n, const crm_engine_options* options, double* out_c) {
  return Guarded("crm_satisfaction_ratios", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireArray(perceived_value_b, n, "perceived_value_b"));
    CRM_RETURN_IF_ERROR(RequireArray(expectation_a, n, "expectation_a"));
    CRM_RETURN_IF_ERROR(RequireArray(out_c, n, "out_c"));
    CRM_ASSIGN_OR_RETURN(const EngineOptions core_options, ToCore(options));
    return crmcore::engine::SatisfactionRatios(absl::MakeConstSpan(perceived_value_b, n),
                                               absl::MakeConstSpan(expectation_a, n),
                                               absl::MakeSpan(out_c, n), core_options);
  });
}

crm_status crm_score_satisfaction_index(const crm_column* columns, size_t n_columns,
                                        const double* scale_min, const double* scale_max,
                                        const double* weights, int32_t missing_policy,
                                        const crm_engine_options* options, double* out,
                                        size_t out_length) {
  return Guarded("crm_score_satisfaction_index", [&]() -> absl::Status {
    CRM_ASSIGN_OR_RETURN(const crmcore::engine::SatisfactionIndicatorColumns core_columns,
                         ToIndicatorColumns(columns, n_columns));
    CRM_RETURN_IF_ERROR(RequireNonNull(scale_min, "scale_min"));
    CRM_RETURN_IF_ERROR(RequireNonNull(scale_max, "scale_max"));
    if (missing_policy != CRM_MISSING_POLICY_REJECT &&
        missing_policy != CRM_MISSING_POLICY_RENORMALIZE) {
      return absl::InvalidArgumentError(
          absl::StrCat("missing_policy: unknown value ", missing_policy,
                       " (valid: 0 = CRM_MISSING_POLICY_REJECT, 1 = "
                       "CRM_MISSING_POLICY_RENORMALIZE)"));
    }
    crmcore::engine::SatisfactionIndexPlan::Scales scales;
    crmcore::SatisfactionIndexWeights core_weights;  // NULL: equal weights
    for (std::size_t k = 0; k < scales.size(); ++k) {
      scales[k] = {scale_min[k], scale_max[k]};
      if (weights != nullptr) core_weights.weights[k] = weights[k];
    }
    CRM_ASSIGN_OR_RETURN(const crmcore::engine::SatisfactionIndexPlan plan,
                         crmcore::engine::SatisfactionIndexPlan::Create(
                             scales, core_weights, static_cast<MissingPolicy>(missing_policy)));
    CRM_ASSIGN_OR_RETURN(const EngineOptions core_options, ToCore(options));
    CRM_RETURN_IF_ERROR(RequireArray(out, out_length, "out"));
    return crmcore::engine::ScoreSatisfactionIndex(plan, core_columns,
                                                   absl::MakeSpan(out, out_length), core_options);
  });
}

// --- Composite states -----------------------------------------------------------

crm_status crm_composite_state_create(const crm_composite_plan* plan, const crm_column* columns,
                                      size_t n_columns, const crm_engine_options* options,
                                      crm_composite_state** out) {
  return Guarded("crm_composite_state_create", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    CRM_ASSIGN_OR_RETURN(const CompositeCall call,
                         PrepareComposite(plan, columns, n_columns, options));
    CRM_ASSIGN_OR_RETURN(crmcore::engine::CompositeState state,
                         crmcore::engine::ComputeCompositeState(call.plan, call.columns,
                                                                call.options));
    *out = NewHandle<crm_composite_state>(std::move(state));
    return absl::OkStatus();
  });
}

void crm_composite_state_destroy(crm_composite_state* state) {
  DestroyHandle(state, "crm_composite_state_destroy");
}

crm_status crm_composite_state_update(crm_composite_state* state, const crm_composite_plan* plan,
                                      const crm_column* columns, size_t n_columns,
                                      const crm_engine_options* options) {
  return Guarded("crm_composite_state_update", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(state, "state"));
    CRM_ASSIGN_OR_RETURN(const CompositeCall call,
                         PrepareComposite(plan, columns, n_columns, options));
    return crmcore::engine::UpdateCompositeState(state->state, call.plan, call.columns,
                                                 call.options);
  });
}

crm_status crm_composite_state_merge(crm_composite_state* into, const crm_composite_state* from) {
  return Guarded("crm_composite_state_merge", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(into, "into"));
    CRM_RETURN_IF_ERROR(CheckHandle(from, "from"));
    return crmcore::engine::MergeCompositeStates(into->state, from->state);
  });
}

crm_status crm_composite_state_serialize(const crm_composite_state* state, uint8_t* buffer,
                                         size_t capacity, size_t* out_size) {
  return Guarded("crm_composite_state_serialize", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(state, "state"));
    return SerializeTwoCall(
        state->state, buffer, capacity, out_size,
        [](const crmcore::engine::CompositeState& s, absl::Span<std::uint8_t> bytes) {
          return crmcore::engine::SerializeCompositeState(s, bytes);
        });
  });
}

crm_status crm_composite_state_deserialize(const uint8_t* bytes, size_t length,
                                           crm_composite_state** out) {
  return Guarded("crm_composite_state_deserialize", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    CRM_RETURN_IF_ERROR(RequireBytes(bytes, length));
    CRM_ASSIGN_OR_RETURN(crmcore::engine::CompositeState state,
                         crmcore::engine::DeserializeCompositeState(
                             absl::MakeConstSpan(bytes, length)));
    *out = NewHandle<crm_composite_state>(std::move(state));
    return absl::OkStatus();
  });
}

crm_status crm_composite_state_rows(const crm_composite_state* state, int64_t* out) {
  return Guarded("crm_composite_state_rows", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(state, "state"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    *out = state->state.rows;
    return absl::OkStatus();
  });
}

crm_status crm_score_composite_with_state(const crm_composite_plan* plan,
                                          const crm_column* columns, size_t n_columns,
                                          const crm_composite_state* state,
                                          const crm_engine_options* options, double* out,
                                          size_t out_length) {
  return Guarded("crm_score_composite_with_state", [&]() -> absl::Status {
    CRM_ASSIGN_OR_RETURN(const CompositeCall call,
                         PrepareComposite(plan, columns, n_columns, options));
    CRM_RETURN_IF_ERROR(CheckHandle(state, "state"));
    CRM_RETURN_IF_ERROR(RequireArray(out, out_length, "out"));
    return crmcore::engine::ScoreComposite(call.plan, call.columns, state->state,
                                           absl::MakeSpan(out, out_length), call.options);
  });
}

// --- Quantile states ------------------------------------------------------------

crm_status crm_quantile_state_create(const double* values, size_t n,
                                     const crm_engine_options* options,
                                     crm_quantile_state** out) {
  return Guarded("crm_quantile_state_create", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    CRM_RETURN_IF_ERROR(RequireArray(values, n, "values"));
    CRM_ASSIGN_OR_RETURN(const EngineOptions core_options, ToCore(options));
    CRM_ASSIGN_OR_RETURN(
        crmcore::engine::QuantileState state,
        crmcore::engine::ComputeQuantileState(absl::MakeConstSpan(values, n), core_options));
    *out = NewHandle<crm_quantile_state>(std::move(state));
    return absl::OkStatus();
  });
}

void crm_quantile_state_destroy(crm_quantile_state* state) {
  DestroyHandle(state, "crm_quantile_state_destroy");
}

crm_status crm_quantile_state_update(crm_quantile_state* state, const double* values, size_t n,
                                     const crm_engine_options* options) {
  return Guarded("crm_quantile_state_update", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(state, "state"));
    CRM_RETURN_IF_ERROR(RequireArray(values, n, "values"));
    CRM_ASSIGN_OR_RETURN(const EngineOptions core_options, ToCore(options));
    return crmcore::engine::UpdateQuantileState(state->state, absl::MakeConstSpan(values, n),
                                                core_options);
  });
}

crm_status crm_quantile_state_merge(crm_quantile_state* into, const crm_quantile_state* from) {
  return Guarded("crm_quantile_state_merge", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(into, "into"));
    CRM_RETURN_IF_ERROR(CheckHandle(from, "from"));
    return crmcore::engine::MergeQuantileStates(into->state, from->state);
  });
}

crm_status crm_quantile_state_serialize(const crm_quantile_state* state, uint8_t* buffer,
                                        size_t capacity, size_t* out_size) {
  return Guarded("crm_quantile_state_serialize", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(state, "state"));
    return SerializeTwoCall(
        state->state, buffer, capacity, out_size,
        [](const crmcore::engine::QuantileState& s, absl::Span<std::uint8_t> bytes) {
          return crmcore::engine::SerializeQuantileState(s, bytes);
        });
  });
}

crm_status crm_quantile_state_deserialize(const uint8_t* bytes, size_t length,
                                          crm_quantile_state** out) {
  return Guarded("crm_quantile_state_deserialize", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    CRM_RETURN_IF_ERROR(RequireBytes(bytes, length));
    CRM_ASSIGN_OR_RETURN(
        crmcore::engine::QuantileState state,
        crmcore::engine::DeserializeQuantileState(absl::MakeConstSpan(bytes, length)));
    *out = NewHandle<crm_quantile_state>(std::move(state));
    return absl::OkStatus();
  });
}

crm_status crm_quantile_state_count(const crm_quantile_state* state, int64_t* out) {
  return Guarded("crm_quantile_state_count", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(state, "state"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    *out = state->state.count();
    return absl::OkStatus();
  });
}

crm_status crm_assign_value_tiers_with_state(const double* values, size_t n,
                                             const crm_quantile_state* state,
                                             const crm_pyramid_fractions* fractions,
                                             const crm_engine_options* options,
                                             int8_t* out_tiers) {
  return Guarded("crm_assign_value_tiers_with_state", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(state, "state"));
    CRM_RETURN_IF_ERROR(RequireArray(values, n, "values"));
    CRM_RETURN_IF_ERROR(RequireArray(out_tiers, n, "out_tiers"));
    CRM_ASSIGN_OR_RETURN(const crmcore::PyramidFractions core_fractions, ToCore(fractions));
    CRM_ASSIGN_OR_RETURN(const EngineOptions core_options, ToCore(options));
    CRM_ASSIGN_OR_RETURN(const crmcore::engine::TierCutoffs cutoffs,
                         crmcore::engine::TierCutoffsFrom(state->state, core_fractions));
    return crmcore::engine::AssignTiers(absl::MakeConstSpan(values, n), cutoffs,
                                        absl::MakeSpan(out_tiers, n), core_options);
  });
}

crm_status crm_rfm_quintiles_with_state(const double* values, size_t n,
                                        const crm_quantile_state* state, int32_t direction,
                                        const crm_engine_options* options, int8_t* out_scores) {
  return Guarded("crm_rfm_quintiles_with_state", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(state, "state"));
    CRM_RETURN_IF_ERROR(RequireArray(values, n, "values"));
    CRM_RETURN_IF_ERROR(RequireArray(out_scores, n, "out_scores"));
    CRM_ASSIGN_OR_RETURN(const EngineOptions core_options, ToCore(options));
    CRM_ASSIGN_OR_RETURN(
        const crmcore::engine::RfmThresholds thresholds,
        crmcore::engine::RfmThresholdsFrom(state->state, static_cast<RfmDirection>(direction)));
    return crmcore::engine::ScoreRfm(absl::MakeConstSpan(values, n), thresholds,
                                     absl::MakeSpan(out_scores, n), core_options);
  });
}

}  // extern "C"

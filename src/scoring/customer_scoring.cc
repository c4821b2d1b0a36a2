#include "crmcore/customer_scoring.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "crmcore/clv.h"
#include "crmcore/prediction_intervals.h"
#include "crmcore/composite_value.h"
#include "crmcore/engine.h"
#include "crmcore/rfm_score.h"
#include "crmcore/status.h"
#include "scoring/lifetime_models.h"
#include "engine/parallel.h"

namespace crmcore {
namespace {

// Periods are tracked in a 64-bit mask, so windows may span at most 64 periods.
constexpr int kMaxWindowPeriods = 64;

// The per-period facts of one customer that the classification rules need.
struct PeriodFacts {
  int64_t occasions = 0;            // distinct purchase days in calibration
  int64_t total_value = 0;          // minor units, first purchase included
  int32_t first_day = 0;
  int32_t last_day = 0;
  uint64_t active_periods_mask = 0;  // bit k: an occasion in period k back from the end
  int64_t periods_with_purchase = 0;  // distinct periods counted forward from first_day
  int64_t lifecycle_recent = 0;
  int64_t lifecycle_earlier = 0;
  int64_t in_activity_window = 0;
};

// Collects customer c's facts from its calibration occasions (those on or before
// `end_day`, a prefix of its occasions since they are in day order).
absl::StatusOr<PeriodFacts> CollectPeriodFacts(const CustomerOccasions& occasions, size_t c,
                                               int32_t end_day, const ScoringOptions& options) {
  PeriodFacts facts;
  const absl::Span<const int32_t> days = occasions.days_of(c);
  const absl::Span<const int64_t> values = occasions.values_of(c);
  facts.first_day = days.front();
  const int lifecycle_half = options.lifecycle.window_periods / 2;
  double last_forward_period = -1;
  for (size_t i = 0; i < days.size() && days[i] <= end_day; ++i) {
    if (__builtin_add_overflow(facts.total_value, values[i], &facts.total_value)) {
      return absl::OutOfRangeError("calibration spend overflows int64 minor units");
    }
    const int32_t day = days[i];
    ++facts.occasions;
    facts.last_day = day;
    // Clamped before the conversion, so a tiny period_days cannot overflow int64.
    const auto back = static_cast<int64_t>(
        std::min(std::floor((end_day - day) / options.period_days), double{kMaxWindowPeriods}));
    if (back < kMaxWindowPeriods) facts.active_periods_mask |= uint64_t{1} << back;
    if (back < lifecycle_half) {
      ++facts.lifecycle_recent;
    } else if (back < options.lifecycle.window_periods) {
      ++facts.lifecycle_earlier;
    }
    if (back < options.activity_window_periods) ++facts.in_activity_window;
    const double forward = std::floor((day - facts.first_day) / options.period_days);
    if (forward != last_forward_period) {
      ++facts.periods_with_purchase;
      last_forward_period = forward;
    }
  }
  return facts;
}

// What the lifetime models read from the table: the purchase model's rows and the spend
// model's (frequency, monetary value), from the summary or, for a period model, from the
// period histories. Repeat buyers whose repeat purchases were all worth 0 cannot enter the
// spend model; for it they count as customers without a repeat purchase (population mean
// spend), and `spend_excluded` counts them.
// Move-only: `rows` may point into `x`, which a move keeps but a copy would not.
struct ModelInputs {
  ModelInputs() = default;
  ModelInputs(ModelInputs&&) = default;
  ModelInputs& operator=(ModelInputs&&) = default;
  ModelInputs(const ModelInputs&) = delete;
  ModelInputs& operator=(const ModelInputs&) = delete;

  std::vector<double> x;
  scoring_internal::ModelRows rows;
  std::vector<double> spend_x;
  absl::Span<const double> monetary_value;
  int64_t spend_excluded = 0;
};

absl::StatusOr<ModelInputs> ModelInputsOf(const CustomerTable& table) {
  const RfmSummary& summary = table.summary;
  const size_t n = table.size();
  ModelInputs in;
  if (IsPeriodModel(table.purchase_model.kind)) {
    const PeriodHistories& h = table.period_histories;
    for (const size_t size : {h.frequency.size(), h.recency.size(), h.periods.size(),
                              h.monetary_value.size()}) {
      if (size != n) {
        return absl::InvalidArgumentError(absl::StrCat(
            LifetimeModelDisplayName(table.purchase_model.kind), ": the period histories have ",
            size, " rows, the summary ", n));
      }
    }
    in.rows = {h.frequency, h.recency, h.periods};
    in.spend_x = h.frequency;
    in.monetary_value = h.monetary_value;
  } else {
    in.x.resize(n);
    for (size_t i = 0; i < n; ++i) in.x[i] = static_cast<double>(summary.frequency[i]);
    in.rows = {in.x, summary.recency, summary.T};
    in.spend_x = in.x;
    in.monetary_value = summary.monetary_value;
  }
  for (size_t i = 0; i < n; ++i) {
    if (in.spend_x[i] > 0 && !(in.monetary_value[i] > 0)) {
      in.spend_x[i] = 0;
      ++in.spend_excluded;
    }
  }
  return in;
}

// The delta-method bounds of the model columns and the totals' intervals
// (ScoringOptions::intervals); `model_horizon` the horizon in the purchase model's time.
absl::Status FillIntervals(const ScoringOptions& options, const ClvHorizon& horizon,
                           double model_horizon, const ModelInputs& in, CustomerTable& table) {
  const size_t n = table.size();
  const PurchaseModelFit& model = table.purchase_model;
  const LifetimeModelKind kind = model.kind;
  const char* name = LifetimeModelDisplayName(kind);
  const GammaGammaParams& g = table.gamma_gamma.params;
  auto purchase_dist = ParameterDistribution::FromFit(model.params, model.report.uncertainty);
  if (!purchase_dist.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(name, ": ", purchase_dist.status().message()));
  }
  auto spend_dist = ParameterDistribution::FromFit({g.p, g.q, g.gamma},
                                                   table.gamma_gamma.report.uncertainty);
  if (!spend_dist.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("Gamma-Gamma: ", spend_dist.status().message()));
  }
  const ParameterDistribution both = ParameterDistribution::Stack(*purchase_dist, *spend_dist);
  const ValueRange non_negative;
  CRM_ASSIGN_OR_RETURN(
      PredictionIntervals alive,
      DeltaMethodIntervals(scoring_internal::ProbabilityAlivePrediction(kind, in.rows),
                           *purchase_dist, n, {0.0, 1.0}));
  const ParametricPrediction purchases =
      scoring_internal::ExpectedPurchasesPrediction(kind, model_horizon, in.rows);
  CRM_ASSIGN_OR_RETURN(PredictionIntervals expected,
                       DeltaMethodIntervals(purchases, *purchase_dist, n, non_negative));
  CRM_ASSIGN_OR_RETURN(
      PredictionIntervals spend,
      DeltaMethodIntervals(GammaGammaExpectedMeanSpendPrediction(in.spend_x, in.monetary_value),
                           *spend_dist, n, non_negative));
  const ParametricPrediction clv_of = scoring_internal::ClvPrediction(
      kind, model.params.size(), horizon, in.rows, in.spend_x, in.monetary_value);
  CRM_ASSIGN_OR_RETURN(PredictionIntervals clv,
                       DeltaMethodIntervals(clv_of, both, n, non_negative));
  table.p_alive_lo = std::move(alive.lo);
  table.p_alive_hi = std::move(alive.hi);
  table.expected_purchases_lo = std::move(expected.lo);
  table.expected_purchases_hi = std::move(expected.hi);
  table.expected_mean_spend_lo = std::move(spend.lo);
  table.expected_mean_spend_hi = std::move(spend.hi);
  table.clv_lo = std::move(clv.lo);
  table.clv_hi = std::move(clv.hi);
  table.total_expected_purchases.delta = expected.total;
  table.total_clv.delta = clv.total;
  if (options.bootstrap_samples > 0) {
    const BootstrapOptions bootstrap{options.bootstrap_samples, options.bootstrap_seed};
    CRM_ASSIGN_OR_RETURN(table.total_expected_purchases.bootstrap,
                         BootstrapTotalInterval(purchases, *purchase_dist, n, bootstrap));
    table.total_expected_purchases.has_bootstrap = true;
    CRM_ASSIGN_OR_RETURN(table.total_clv.bootstrap,
                         BootstrapTotalInterval(clv_of, both, n, bootstrap));
    table.total_clv.has_bootstrap = true;
  }
  table.has_intervals = true;
  return absl::OkStatus();
}

// Fits the purchase model and Gamma-Gamma (or takes the given ones) and fills the table's
// model columns.
absl::Status FitLifetimeModels(const ScoringOptions& options, CustomerTable& table) {
  const LifetimeModelKind kind = options.lifetime_model;
  if (IsPeriodModel(kind) && options.given_gamma_gamma) {
    // The period models' spend is per period with a purchase (PeriodHistories); a
    // Gamma-Gamma model fitted elsewhere is per purchase, another quantity.
    return absl::InvalidArgumentError(absl::StrCat(
        "a given Gamma-Gamma model cannot go with ", LifetimeModelDisplayName(kind),
        ": its spend is per period with a purchase, so Gamma-Gamma is fitted on the periods"));
  }
  if (options.given_purchase_model) {
    if (options.given_purchase_model->kind != kind) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the given purchase model is ",
          LifetimeModelDisplayName(options.given_purchase_model->kind), ", not the ",
          LifetimeModelDisplayName(kind), " asked for"));
    }
    table.purchase_model = *options.given_purchase_model;
    CRM_RETURN_IF_ERROR(scoring_internal::ValidatePurchaseModel(table.purchase_model));
  } else {
    CRM_ASSIGN_OR_RETURN(table.purchase_model,
                         scoring_internal::FitPurchaseModel(kind, table, options.fit));
  }
  if (!table.purchase_model.report.converged) {
    return absl::FailedPreconditionError(absl::StrCat(LifetimeModelDisplayName(kind),
                                                      " fit did not converge (",
                                                      table.purchase_model.report.message, ")"));
  }
  if (options.given_gamma_gamma) {
    table.gamma_gamma = *options.given_gamma_gamma;
    CRM_RETURN_IF_ERROR(table.gamma_gamma.params.Validate());
  } else {
    CRM_ASSIGN_OR_RETURN(const ModelInputs in, ModelInputsOf(table));
    CRM_ASSIGN_OR_RETURN(SpendHistories spend,
                         SpendHistories::Create(in.spend_x, in.monetary_value));
    CRM_ASSIGN_OR_RETURN(table.gamma_gamma, FitGammaGamma(spend, options.fit));
  }
  if (!table.gamma_gamma.report.converged) {
    return absl::FailedPreconditionError(
        absl::StrCat("Gamma-Gamma fit did not converge (", table.gamma_gamma.report.message, ")"));
  }
  return ApplyLifetimeModels(options, table);
}

int ActivePeriodsInLast(uint64_t mask, int periods) {
  const uint64_t window = periods >= 64 ? ~uint64_t{0} : (uint64_t{1} << periods) - 1;
  return std::popcount(mask & window);
}

// Applies the core's rules to one customer; the table's vectors are already sized.
absl::Status ClassifyCustomer(const PeriodFacts& facts, int32_t end_day,
                              const ScoringOptions& options, size_t row, CustomerTable& table) {
  const double tenure_periods = (end_day - facts.first_day) / options.period_days;

  LadderFacts ladder;
  ladder.purchase_count = facts.occasions;
  ladder.active_periods_in_window =
      ActivePeriodsInLast(facts.active_periods_mask, options.ladder.client_window_periods);
  CRM_ASSIGN_OR_RETURN(table.ladder_rung[row], ClassifyLadderRung(ladder, options.ladder));

  LifecycleFacts lifecycle;
  lifecycle.tenure_periods = tenure_periods;
  lifecycle.recent_occasions = facts.lifecycle_recent;
  lifecycle.earlier_occasions = facts.lifecycle_earlier;
  CRM_ASSIGN_OR_RETURN(table.lifecycle_stage[row],
                       ClassifyLifecycleStage(lifecycle, options.lifecycle));

  // Everyone in a transaction log has bought, so contact and qualification hold.
  RelationshipFacts relationship;
  relationship.contacted = relationship.has_need = relationship.has_ability = true;
  relationship.purchases_ever = facts.occasions;
  relationship.purchases_in_window = facts.in_activity_window;
  if (table.has_lifetime_model) relationship.p_alive = table.p_alive[row];
  CRM_ASSIGN_OR_RETURN(table.relationship_stage[row],
                       ClassifyRelationshipStage(relationship, options.relationship));

  LoyaltyClassFacts loyalty;
  loyalty.purchase_count = facts.occasions;
  loyalty.tenure_periods = tenure_periods;
  loyalty.repeat_periods = facts.periods_with_purchase;
  CRM_ASSIGN_OR_RETURN(table.loyalty_class[row],
                       ClassifyLoyaltyClass(loyalty, options.loyalty_class));
  return absl::OkStatus();
}

// The composite value (engine.h: identical to ScoreCompositeReference for percentile-rank
// components) and the value tiers of the population.
// `growth` is each customer's growth-potential component (recent minus earlier occasions).
absl::Status ScoreComposite(const ScoringOptions& options, const engine::EngineOptions& engine,
                            const std::vector<double>& growth, CustomerTable& table) {
  const size_t n = table.size();
  // Percentile ranks depend only on the order of the values, so spend enters in exact minor
  // units and loyalty as the repeat count: int64 columns the engine reads in place, with
  // the ranks of spend in major units (any two totals below 2^53 minor units stay apart).
  const absl::Span<const int64_t> current = table.calibration_value_minor;
  const absl::Span<const int64_t> loyalty = table.summary.frequency;
  std::vector<double> future;
  if (!table.has_lifetime_model) {
    future.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const double t = table.summary.T[i];
      future[i] = t > 0 ? static_cast<double>(table.summary.frequency[i]) / t : 0.0;
    }
  }
  CompositePlan::Normalizers normalizers;
  normalizers.fill(NormalizerSpec{NormalizerKind::kPercentileRank});
  CRM_ASSIGN_OR_RETURN(auto plan, CompositePlan::Create(options.weights, normalizers));
  engine::CompositeColumns columns;
  columns.column[static_cast<size_t>(CompositeComponent::kCurrentContribution)] = current;
  columns.column[static_cast<size_t>(CompositeComponent::kFutureContribution)] =
      table.has_lifetime_model ? table.clv : future;
  columns.column[static_cast<size_t>(CompositeComponent::kLoyalty)] = loyalty;
  columns.column[static_cast<size_t>(CompositeComponent::kGrowthPotential)] = growth;
  table.composite_value.resize(n);
  CRM_RETURN_IF_ERROR(engine::ScoreComposite(plan, columns,
                                             absl::MakeSpan(table.composite_value), engine));
  table.value_tier.resize(n);
  return engine::AssignPyramidTiers(table.composite_value, absl::MakeSpan(table.value_tier),
                                    options.pyramid, engine);
}

// The RFM quintile scores (engine.h: identical to RfmQuintileScores of rfm_score.h).
absl::Status ScoreRfm(const engine::EngineOptions& engine, CustomerTable& table) {
  const size_t n = table.size();
  std::vector<double> days_since_last(n), frequency(n), mean_occasion_value(n);
  for (size_t i = 0; i < n; ++i) {
    days_since_last[i] = table.days_since_last_purchase[i];
    frequency[i] = static_cast<double>(table.summary.frequency[i]);
    // M is the mean value of all calibration occasions, the first included: the summary's
    // monetary_value (repeat occasions only) is 0 for every one-time buyer.
    mean_occasion_value[i] = static_cast<double>(table.calibration_value_minor[i]) /
                             static_cast<double>(table.summary.frequency[i] + 1);
  }
  table.rfm_r.resize(n);
  table.rfm_f.resize(n);
  table.rfm_m.resize(n);
  CRM_RETURN_IF_ERROR(engine::ScoreRfmQuintiles(days_since_last, RfmDirection::kLowerIsBetter,
                                                absl::MakeSpan(table.rfm_r), engine));
  CRM_RETURN_IF_ERROR(engine::ScoreRfmQuintiles(frequency, RfmDirection::kHigherIsBetter,
                                                absl::MakeSpan(table.rfm_f), engine));
  return engine::ScoreRfmQuintiles(mean_occasion_value, RfmDirection::kHigherIsBetter,
                                   absl::MakeSpan(table.rfm_m), engine);
}

bool IsValidLifetimeModel(LifetimeModelKind kind) {
  return LifetimeModelSpelling(kind) != absl::string_view("?");
}

}  // namespace

absl::Status ScoringOptions::Validate() const {
  if (!std::isfinite(period_days) || period_days <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("scoring: period_days must be finite and > 0, got ", FormatDouble(period_days)));
  }
  if (activity_window_periods < 1 || activity_window_periods > kMaxWindowPeriods) {
    return absl::InvalidArgumentError(absl::StrCat(
        "scoring: activity_window_periods must be in 1..64, got ", activity_window_periods));
  }
  if (ladder.client_window_periods > kMaxWindowPeriods) {
    return absl::InvalidArgumentError(absl::StrCat(
        "scoring: ladder client_window_periods must be <= 64, got ", ladder.client_window_periods));
  }
  if (weights[static_cast<size_t>(CompositeComponent::kCredit)] != 0.0) {
    return absl::InvalidArgumentError(
        absl::StrCat("scoring: weight of credit must be 0: a transaction log has no credit "
                     "information, got ",
                     FormatDouble(weights[static_cast<size_t>(CompositeComponent::kCredit)])));
  }
  if (!IsValidLifetimeModel(lifetime_model)) {
    return absl::InvalidArgumentError(absl::StrCat("scoring: unknown lifetime model ",
                                                   static_cast<int>(lifetime_model)));
  }
  if (threads < 0 || threads > engine::EngineOptions::kMaxThreads) {
    return absl::InvalidArgumentError(
        absl::StrCat("scoring: threads must be in 0..1024, got ", threads));
  }
  if (!std::isfinite(horizon) || horizon < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("scoring: horizon must be finite and >= 0, got ", FormatDouble(horizon)));
  }
  if (absl::Status valid = clv.Validate(); !valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("scoring: ", valid.message()));
  }
  CRM_RETURN_IF_ERROR(fit.Validate());
  if (bootstrap_samples != 0 && !BootstrapOptions{bootstrap_samples, bootstrap_seed}.Validate().ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "scoring: bootstrap_samples must be 0 or in [20, 1000000], got ", bootstrap_samples));
  }
  CRM_RETURN_IF_ERROR(ladder.Validate());
  CRM_RETURN_IF_ERROR(lifecycle.Validate());
  CRM_RETURN_IF_ERROR(loyalty_class.Validate());
  CRM_RETURN_IF_ERROR(relationship.Validate());
  CRM_RETURN_IF_ERROR(pyramid.Validate());
  return CompositePlan::Create(weights).status();
}

namespace {

// Scores the view; `summary` is its summary, made by the caller with or without moving
// the ids out of the view.
absl::StatusOr<CustomerTable> ScoreSummarized(const CustomerOccasions& occasions,
                                              RfmSummary summary, const ScoringOptions& options) {
  engine::EngineOptions engine;
  engine.threads = options.threads;
  CustomerTable table;
  table.summary = std::move(summary);
  const size_t n = table.size();
  const int32_t end_day = ToDayNumber(table.summary.observation_end);
  if (options.lifetime_model != LifetimeModelKind::kNone) {
    absl::Status fitted = absl::OkStatus();
    if (IsPeriodModel(options.lifetime_model)) {
      absl::StatusOr<PeriodHistories> histories = scoring_internal::PeriodHistoriesFromOccasions(
          occasions, table.summary, options.clv.period_days);
      if (histories.ok()) {
        table.period_histories = *std::move(histories);
      } else {
        fitted = histories.status();
      }
    }
    if (fitted.ok()) fitted = FitLifetimeModels(options, table);
    if (!fitted.ok()) {
      return absl::Status(fitted.code(),
                          absl::StrCat("lifetime model: ", fitted.message(),
                                       "; score without one (lifetime_model = none) instead"));
    }
  }

  table.calibration_value_minor.resize(n);
  table.days_since_last_purchase.resize(n);
  table.ladder_rung.resize(n);
  table.lifecycle_stage.resize(n);
  table.relationship_stage.resize(n);
  table.loyalty_class.resize(n);
  // Of each customer's facts only the growth component outlives the loop. Customers are
  // classified in fixed blocks on the engine's threads, each block writing its own rows;
  // the error reported is the first in row order, whatever the thread count.
  std::vector<double> growth(n);
  const size_t blocks = (n + engine::kEngineBlockRows - 1) / engine::kEngineBlockRows;
  std::vector<absl::Status> errors(blocks);
  engine::internal::ForEachBlock(blocks, engine.ResolvedThreads(), [&](size_t, size_t block) {
    const size_t end = std::min(n, (block + 1) * engine::kEngineBlockRows);
    for (size_t i = block * engine::kEngineBlockRows; i < end; ++i) {
      // Every summary row has a calibration occasion, so the facts have a first day.
      absl::StatusOr<PeriodFacts> collected =
          CollectPeriodFacts(occasions, table.summary.customer[i], end_day, options);
      absl::Status status = collected.status();
      if (collected.ok()) {
        const PeriodFacts& facts = *collected;
        table.calibration_value_minor[i] = facts.total_value;
        table.days_since_last_purchase[i] = end_day - facts.last_day;
        growth[i] = static_cast<double>(facts.lifecycle_recent - facts.lifecycle_earlier);
        status = ClassifyCustomer(facts, end_day, options, i, table);
      }
      if (!status.ok()) {
        errors[block] = absl::Status(status.code(),
                                     absl::StrCat("customer \"", table.summary.customer_ids[i],
                                                  "\": ", status.message()));
        return;
      }
    }
  });
  for (const absl::Status& error : errors) CRM_RETURN_IF_ERROR(error);
  CRM_RETURN_IF_ERROR(ScoreRfm(engine, table));
  CRM_RETURN_IF_ERROR(ScoreComposite(options, engine, growth, table));
  return table;
}

}  // namespace

absl::Status ApplyLifetimeModels(const ScoringOptions& options, CustomerTable& table) {
  const size_t n = table.size();
  if (!std::isfinite(options.horizon) || options.horizon < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "scoring: horizon must be finite and >= 0, got ", FormatDouble(options.horizon)));
  }
  if (absl::Status valid = options.clv.Validate(); !valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("scoring: ", valid.message()));
  }
  const PurchaseModelFit& model = table.purchase_model;
  CRM_RETURN_IF_ERROR(scoring_internal::ValidatePurchaseModel(model));
  CRM_ASSIGN_OR_RETURN(const ModelInputs in, ModelInputsOf(table));
  table.spend_model_excluded = in.spend_excluded;
  table.clv_horizon = options.clv;
  table.clv_horizon.unit = table.summary.unit;
  table.horizon = options.horizon > 0 ? options.horizon : table.clv_horizon.Length();
  // A period model counts time in the CLV's periods, so its horizon is a whole number.
  double model_horizon = table.horizon;
  if (IsPeriodModel(model.kind)) {
    const double periods = table.horizon / table.clv_horizon.PeriodLength();
    model_horizon = std::round(periods);
    if (std::abs(periods - model_horizon) > 1e-9 * std::max(1.0, periods)) {
      const double nearest = std::max(1.0, model_horizon);
      return absl::InvalidArgumentError(absl::StrCat(
          LifetimeModelDisplayName(model.kind), ": the horizon must be a whole number of CLV "
          "periods (", FormatDouble(table.clv_horizon.PeriodLength()), " ",
          TimeUnitName(table.summary.unit), " each), got ", FormatDouble(table.horizon),
          "; ", FormatDouble(nearest), " periods are ",
          FormatDouble(nearest * table.clv_horizon.PeriodLength()), " (or leave the horizon "
          "out: the CLV's periods)"));
    }
  }
  table.p_alive.resize(n);
  table.expected_purchases.resize(n);
  table.expected_mean_spend.resize(n);
  table.clv.resize(n);
  CRM_RETURN_IF_ERROR(scoring_internal::PredictProbabilityAlive(model.kind, model.params, in.rows,
                                                                absl::MakeSpan(table.p_alive)));
  CRM_RETURN_IF_ERROR(scoring_internal::PredictExpectedPurchases(
      model.kind, model.params, model_horizon, in.rows, absl::MakeSpan(table.expected_purchases)));
  CRM_RETURN_IF_ERROR(GammaGammaExpectedMeanSpend(table.gamma_gamma.params, in.spend_x,
                                                  in.monetary_value,
                                                  absl::MakeSpan(table.expected_mean_spend)));
  CRM_RETURN_IF_ERROR(scoring_internal::PredictDiscountedClv(
      model.kind, model.params, table.clv_horizon, table.expected_mean_spend, in.rows,
      absl::MakeSpan(table.clv)));
  if (options.intervals) {
    CRM_RETURN_IF_ERROR(FillIntervals(options, table.clv_horizon, model_horizon, in, table));
  }
  table.has_lifetime_model = true;
  return absl::OkStatus();
}

absl::StatusOr<CustomerTable> ScoreCustomers(const CustomerOccasions& occasions,
                                             const ScoringOptions& options) {
  CRM_RETURN_IF_ERROR(options.Validate());
  CRM_ASSIGN_OR_RETURN(RfmSummary summary, SummarizeOccasions(occasions, options.summary));
  return ScoreSummarized(occasions, std::move(summary), options);
}

absl::StatusOr<CustomerTable> ScoreCustomers(CustomerOccasions&& occasions,
                                             const ScoringOptions& options) {
  CRM_RETURN_IF_ERROR(options.Validate());
  CRM_ASSIGN_OR_RETURN(RfmSummary summary,
                       SummarizeOccasions(std::move(occasions), options.summary));
  return ScoreSummarized(occasions, std::move(summary), options);
}

absl::StatusOr<CustomerTable> ScoreCustomers(const TransactionLog& log,
                                             const ScoringOptions& options) {
  CRM_RETURN_IF_ERROR(options.Validate());
  CRM_ASSIGN_OR_RETURN(const CustomerOccasions occasions, GroupOccasions(log));
  return ScoreCustomers(occasions, options);
}

namespace {

// The population report over the table, with the input counts given.
absl::StatusOr<PopulationSummary> SummarizeTable(PopulationSummary population,
                                                 const CustomerTable& table) {
  population.customers_scored = static_cast<int64_t>(table.size());
  population.customers_first_seen_in_holdout = table.summary.customers_first_seen_in_holdout;
  for (size_t i = 0; i < table.size(); ++i) {
    ++population.value_tier[static_cast<size_t>(table.value_tier[i])];
    ++population.ladder_rung[static_cast<size_t>(table.ladder_rung[i])];
    ++population.lifecycle_stage[static_cast<size_t>(table.lifecycle_stage[i])];
    ++population.relationship_stage[static_cast<size_t>(table.relationship_stage[i])];
    ++population.loyalty_class[static_cast<size_t>(table.loyalty_class[i])];
  }
  std::vector<double> spend(table.size());
  for (size_t i = 0; i < table.size(); ++i) {
    spend[i] = static_cast<double>(table.calibration_value_minor[i]);
  }
  double total_spend = 0;
  for (const double s : spend) total_spend += s;
  // With no spend at all the shares are undefined; they stay 0 rather than failing the run.
  if (!table.value_tier.empty() && total_spend != 0) {
    CRM_ASSIGN_OR_RETURN(PyramidCounts pyramid, SummarizePyramid(spend, table.value_tier));
    population.value_tier_spend_share = pyramid.value_share;
  }
  CRM_ASSIGN_OR_RETURN(population.ladder_funnel, BuildLadderFunnel(table.ladder_rung));
  return population;
}

}  // namespace

absl::StatusOr<PopulationSummary> SummarizePopulation(const CustomerOccasions& occasions,
                                                      const CustomerTable& table) {
  PopulationSummary population;
  population.rows_read = occasions.rows_read;
  population.rows_skipped = occasions.rows_skipped;
  population.transactions = occasions.transaction_count;
  population.customers_in_log = static_cast<int64_t>(occasions.customer_count());
  return SummarizeTable(population, table);
}

absl::StatusOr<PopulationSummary> SummarizePopulation(const TransactionLog& log,
                                                      const CustomerTable& table) {
  PopulationSummary population;
  population.rows_read = log.rows_read;
  population.rows_skipped = log.rows_skipped;
  population.transactions = static_cast<int64_t>(log.size());
  population.customers_in_log = static_cast<int64_t>(log.customer_count());
  return SummarizeTable(population, table);
}

absl::StatusOr<PurchaseHistories> PurchaseHistoriesFromSummary(const RfmSummary& summary) {
  std::vector<double> frequency(summary.frequency.begin(), summary.frequency.end());
  return PurchaseHistories::Create(frequency, summary.recency, summary.T);
}

}  // namespace crmcore

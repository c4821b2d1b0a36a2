// The main job: from a transaction log to one scored, classified row per customer
// and a population summary (docs/domain.md §2, §4, §5, §6.1).
//
//   log --GroupOccasions--> CustomerOccasions --ScoreCustomers--> CustomerTable
//                            (grouped once)       (summary, models, engine, rules)
//
// ScoreCustomers reads the per-customer view (customer_occasions.h), which the log is
// grouped into exactly once: the RFM summary, the per-period facts of the classification
// rules and the population report all come from it. Per customer it applies the core's
// rules: ladder rung (loyalty.h), lifecycle stage (lifecycle.h), relationship stage
// (relationship_stage.h) and loyalty class (loyalty.h). Over the population's columns the
// vectorized engine (engine.h) computes the RFM quintile scores, the composite value and
// the value tiers, with results identical to the scalar references of rfm_score.h,
// composite_value.h and value_tier.h. With a lifetime model (BG/NBD by default; Pareto/NBD,
// MBG/NBD, BG/BB or sBG by LifetimeModelKind, docs/models.md) and Gamma-Gamma, fitted on
// the summary or, for BG/BB and sBG, on the customers' purchases in whole periods
// (PeriodHistories), each customer gets P(alive), expected purchases, expected spend and
// a discounted CLV (clv.h); the CLV is the composite value's future contribution and
// P(alive) feeds the relationship stage's "lost" rule.
//
// Part of the compiled library (crmcore::crmcore).
#ifndef CRMCORE_CUSTOMER_SCORING_H_
#define CRMCORE_CUSTOMER_SCORING_H_

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "crmcore/bgnbd.h"
#include "crmcore/clv.h"
#include "crmcore/customer_occasions.h"
#include "crmcore/gamma_gamma.h"
#include "crmcore/lifecycle.h"
#include "crmcore/model_fit.h"
#include "crmcore/prediction_intervals.h"
#include "crmcore/loyalty.h"
#include "crmcore/relationship_stage.h"
#include "crmcore/rfm_summary.h"
#include "crmcore/taxonomy.h"
#include "crmcore/transaction_log.h"
#include "crmcore/value_tier.h"

namespace crmcore {

/// Which lifetime model ScoreCustomers fits: a purchase (or retention) model for P(alive)
/// and the purchases to come, with Gamma-Gamma for the spend per purchase (docs/models.md
/// says which model fits which business).
enum class LifetimeModelKind : int {
  /// No model: no P(alive), expected purchases or CLV; the composite value's future
  /// contribution is the observed repeat rate frequency / T.
  kNone = 0,
  /// BG/NBD (Fader, Hardie & Lee 2005): non-contractual, continuous time.
  kBgNbdGammaGamma = 1,
  /// Pareto/NBD (Schmittlein, Morrison & Colombo 1987): non-contractual, continuous time.
  kParetoNbdGammaGamma = 2,
  /// MBG/NBD (Batislam, Denizel & Filiztekin 2007): BG/NBD where a customer may also drop
  /// out right after the first purchase.
  kMbgNbdGammaGamma = 3,
  /// BG/BB (Fader, Hardie & Shang 2010): non-contractual, discrete opportunities. Each
  /// customer's history is taken in whole periods (PeriodHistories).
  kBgBbGammaGamma = 4,
  /// sBG (Fader & Hardie 2007): contractual; a customer renews each period until they
  /// cancel, taken to be after their last period with a purchase (PeriodHistories).
  kSbgGammaGamma = 5,
};

/// The kind as `crmcore score --model` and a model file's "model" spell it: "none",
/// "bgnbd", "pareto", "mbgnbd", "bgbb", "sbg" ("?" for a value outside the enum).
const char* LifetimeModelSpelling(LifetimeModelKind kind);
/// For people: "none", "BG/NBD", "Pareto/NBD", "MBG/NBD", "BG/BB", "sBG".
const char* LifetimeModelDisplayName(LifetimeModelKind kind);
/// The kind spelled `spelling` (LifetimeModelSpelling), or nullopt.
std::optional<LifetimeModelKind> LifetimeModelFromSpelling(absl::string_view spelling);
/// True for BG/BB and sBG, which read PeriodHistories instead of (x, t_x, T).
bool IsPeriodModel(LifetimeModelKind kind);

/// A fitted (or given) purchase or retention model: its parameters in the kind's order
/// (ModelParameterNames(LifetimeModelSpelling(kind)), model_file.h: BG/NBD r, alpha, a, b;
/// Pareto/NBD r, alpha, s, beta; MBG/NBD r, alpha, a, b; BG/BB alpha, beta, gamma, delta;
/// sBG alpha, beta) and its fit report (uncertainty included).
struct PurchaseModelFit {
  LifetimeModelKind kind = LifetimeModelKind::kNone;
  std::vector<double> params;
  FitReport report;
};

/// Each customer's calibration purchases in whole periods, the input of the period models
/// (BG/BB, sBG). Periods are ClvHorizon::period_days long and counted back from the
/// observation end, as the activity periods are: period 0 is the last period_days days up
/// to and including it, so customers share calendar periods as a cohort does. The period
/// of a customer's first purchase is their acquisition; the `periods` (n) periods after
/// it, up to period 0, are their opportunities. Per customer:
///  - frequency (x): opportunities with a purchase;
///  - recency (t_x): the last of them, counted from acquisition (0 when x = 0);
///  - periods (n): opportunities observed;
///  - monetary_value: mean spend of those x periods in major units (0 when x = 0), the
///    Gamma-Gamma input of a period model: its spend is per period with a purchase.
/// For sBG a customer is active (renewing) through period t_x after acquisition: active
/// now when t_x = n, cancelled in period t_x + 1 otherwise.
struct PeriodHistories {
  std::vector<double> frequency;
  std::vector<double> recency;
  std::vector<double> periods;
  std::vector<double> monetary_value;
};

/// Everything ScoreCustomers can be told. Defaults are the documented default rules.
struct ScoringOptions {
  /// Unit of recency and T, and the observation end (calibration/holdout split).
  SummaryOptions summary;

  /// Length in days of one activity period, the period of the ladder's client rule
  /// ("purchases in 3 of the last 4 periods", §4.1), of the lifecycle trend (§6.1),
  /// of the relationship stage's activity window (§2.1) and of the loyalty class's
  /// tenure (§2.3). Default: a quarter, 365.25 / 4 days. Periods are counted back from
  /// the observation end: period 0 is the last `period_days` days up to and including it.
  double period_days = 365.25 / 4;

  /// How many of the most recent periods form the relationship stage's activity
  /// window: no purchase in them means the customer is lost (§2.1).
  int activity_window_periods = 4;

  LadderRule ladder;
  LifecycleRule lifecycle;
  LoyaltyClassRule loyalty_class;
  RelationshipStageRule relationship;
  PyramidFractions pyramid;

  /// Weights of the composite value (§5), indexed by CompositeComponent. Every
  /// component is normalized by percentile rank (robust to the heavy tails of spend).
  /// What feeds each component from a transaction log:
  ///  - current contribution: total spend in calibration (first purchase included);
  ///  - future contribution: the discounted CLV with a lifetime model; without one,
  ///    the observed repeat-purchase rate frequency / T (0 when T = 0);
  ///  - credit: no source in a transaction log (weight must stay 0);
  ///  - loyalty: frequency (repeat purchase occasions);
  ///  - growth potential: purchase occasions in the recent half of the lifecycle
  ///    window minus those in the earlier half.
  std::array<double, 5> weights = {0.5, 0.2, 0.0, 0.3, 0.0};

  /// The lifetime model; kNone scores without one.
  LifetimeModelKind lifetime_model = LifetimeModelKind::kBgNbdGammaGamma;
  /// How the CLV is discounted (clv.h: by default 12 months of 30 days at 1 % a month,
  /// the `lifetimes` convention). Its `unit` is ignored: the summary's unit is used.
  ClvHorizon clv;
  /// Horizon of expected_purchases, in the summary's time unit; 0 means the CLV's
  /// horizon (clv.periods × clv.period_days, 360 days by default).
  double horizon = 0;
  /// How the models are fitted. A fit that does not converge is an error (never
  /// silently used): score with lifetime_model = kNone instead.
  FitOptions fit;
  /// Models to score with instead of fitting them (a saved model, model_file.h): the
  /// given model is used as it is and not refitted; the other is fitted. Each must
  /// converge (or be made from parameters) and have valid parameters; the purchase
  /// model's kind must be `lifetime_model`. A period model (BG/BB, sBG) takes no given
  /// Gamma-Gamma model: its spend is per period, fitted on the period histories.
  std::optional<PurchaseModelFit> given_purchase_model;
  std::optional<GammaGammaFit> given_gamma_gamma;

  /// With a lifetime model: also 95 % delta-method intervals of p_alive,
  /// expected_purchases, expected_mean_spend and clv per customer (the *_lo, *_hi columns
  /// of CustomerTable), clamped to their valid range (P(alive) in [0, 1], the others
  /// >= 0), and the population totals of expected purchases and CLV with intervals
  /// (prediction_intervals.h). They reflect the fits' parameter uncertainty only. A fit
  /// whose covariance is not available (singular Hessian) is then FailedPrecondition.
  bool intervals = false;
  /// Parametric-bootstrap draws for the totals' intervals when `intervals` is on: 0 = no
  /// bootstrap, else 20 .. 1'000'000.
  int bootstrap_samples = 200;
  /// Seed of the bootstrap draws (reproducible with this library build).
  uint64_t bootstrap_seed = 1;

  /// Threads of the engine stages (composite value, tiers, RFM scores): 0 = the hardware
  /// concurrency, 1 = the calling thread only. Results do not depend on it.
  int threads = 0;

  /// OK, or InvalidArgument naming the first bad option.
  absl::Status Validate() const;
};

/// One row per customer of `summary` (same order), with the columns the CLI writes.
struct CustomerTable {
  RfmSummary summary;

  /// Total spend in calibration, first purchase included, in minor units.
  std::vector<int64_t> calibration_value_minor;
  /// Days from the last calibration purchase to the observation end.
  std::vector<int32_t> days_since_last_purchase;

  std::vector<int8_t> rfm_r;
  std::vector<int8_t> rfm_f;
  std::vector<int8_t> rfm_m;
  std::vector<LadderRung> ladder_rung;
  std::vector<LifecycleStage> lifecycle_stage;
  std::vector<RelationshipStage> relationship_stage;
  std::vector<LoyaltyClass> loyalty_class;
  /// Composite value in [0, 1] (percentile-rank normalized, weights summing to 1).
  std::vector<double> composite_value;
  std::vector<ValueTier> value_tier;

  /// Filled when a lifetime model was fitted (has_lifetime_model); empty otherwise.
  bool has_lifetime_model = false;
  /// The purchase (or retention) model; its kind is the ScoringOptions::lifetime_model.
  PurchaseModelFit purchase_model;
  GammaGammaFit gamma_gamma;
  /// With a period model (BG/BB, sBG): the histories it was fitted on, one per customer.
  PeriodHistories period_histories;
  /// Repeat buyers left out of the Gamma-Gamma fit because their mean repeat spend is
  /// <= 0 (the model needs positive spend); their expected spend is the
  /// population mean, as for customers without a repeat purchase.
  int64_t spend_model_excluded = 0;
  /// The horizon of expected_purchases, in the summary's time unit (with a period model a
  /// whole number of CLV periods).
  double horizon = 0;
  /// The CLV's discounting, with the summary's unit.
  ClvHorizon clv_horizon;
  std::vector<double> p_alive;
  /// Purchases expected within the horizon after the observation end (BG/BB: periods with
  /// a purchase; sBG: renewals, one payment a period).
  std::vector<double> expected_purchases;
  /// Expected spend per purchase (with a period model: per period with a purchase), in
  /// major units.
  std::vector<double> expected_mean_spend;
  /// Discounted value of the purchases expected within the horizon, in major units.
  std::vector<double> clv;

  /// True when ScoringOptions::intervals filled the bounds below (95 %, delta method).
  bool has_intervals = false;
  std::vector<double> p_alive_lo, p_alive_hi;
  std::vector<double> expected_purchases_lo, expected_purchases_hi;
  std::vector<double> expected_mean_spend_lo, expected_mean_spend_hi;
  std::vector<double> clv_lo, clv_hi;
  /// A population total with its delta-method interval and, when drawn, the bootstrap's.
  struct LifetimeTotal {
    IntervalEstimate delta;
    bool has_bootstrap = false;
    BootstrapInterval bootstrap;
  };
  /// Σ expected_purchases and Σ clv over the customers, with intervals.
  LifetimeTotal total_expected_purchases;
  LifetimeTotal total_clv;

  size_t size() const { return summary.size(); }
};

/// Counts of each value of a taxonomy over the table.
template <Taxonomy E>
using TaxonomyCounts = std::array<int64_t, TaxonomySize<E>()>;

/// What the report and the JSON summary show about the whole population.
struct PopulationSummary {
  int64_t rows_read = 0;
  int64_t rows_skipped = 0;
  int64_t transactions = 0;
  int64_t customers_in_log = 0;
  int64_t customers_scored = 0;
  int64_t customers_first_seen_in_holdout = 0;

  TaxonomyCounts<ValueTier> value_tier{};
  /// Share of total calibration spend held by each tier (the profit pyramid, §5).
  std::array<double, TaxonomySize<ValueTier>()> value_tier_spend_share{};
  TaxonomyCounts<LadderRung> ladder_rung{};
  TaxonomyCounts<LifecycleStage> lifecycle_stage{};
  TaxonomyCounts<RelationshipStage> relationship_stage{};
  TaxonomyCounts<LoyaltyClass> loyalty_class{};
  /// The ladder funnel with rung-to-rung conversion (§4.1).
  LadderFunnel ladder_funnel;
};

/// Scores and classifies every customer of the view (see the file comment).
/// Errors: anything SummarizeOccasions returns; InvalidArgument for bad options or a
/// log the lifetime model cannot be fitted on (e.g. too few repeat buyers);
/// FailedPrecondition when a lifetime-model fit does not converge; OutOfRange naming the
/// customer whose calibration spend overflows int64 minor units.
absl::StatusOr<CustomerTable> ScoreCustomers(const CustomerOccasions& occasions,
                                             const ScoringOptions& options);

/// The same, taking the view's customer ids for the table instead of copying them
/// (SummarizeOccasions(CustomerOccasions&&)): the view is consumed for scoring, though its
/// occasions and counts stay valid for SummarizePopulation(). The ids are taken once the
/// summary is built, so a later error (a fit that does not converge) leaves a view that
/// cannot be summarized again (FailedPrecondition, never a wrong id): group the log again
/// to retry, or use the const& overload when a retry is likely.
absl::StatusOr<CustomerTable> ScoreCustomers(CustomerOccasions&& occasions,
                                             const ScoringOptions& options);

/// The same for a caller holding only the log: validates the options, groups the log
/// (GroupOccasions) and scores the view. Errors: those of GroupOccasions and the above.
absl::StatusOr<CustomerTable> ScoreCustomers(const TransactionLog& log,
                                             const ScoringOptions& options);

/// Fills the model columns of `table` (p_alive, expected_purchases, expected_mean_spend,
/// clv, horizon, clv_horizon, spend_model_excluded, and with options.intervals the interval
/// columns; has_lifetime_model = true) from its summary (a period model: its
/// period_histories) and the parameters in table.purchase_model and table.gamma_gamma, as
/// ScoreCustomers does after fitting: for a host that holds fitted models (the C API's
/// report). Reads options.horizon, options.clv and the interval options. Errors:
/// InvalidArgument for a bad horizon or CLV horizon (a period model's horizon must be a
/// whole number of CLV periods), a purchase model of kind none or with the wrong number of
/// parameters, period histories that do not match the summary; those of the models', CLV
/// and interval functions (invalid parameters or rows, no covariance).
absl::Status ApplyLifetimeModels(const ScoringOptions& options, CustomerTable& table);

/// Summarizes a scored table; `occasions` (or `log`) supplies the input counts.
absl::StatusOr<PopulationSummary> SummarizePopulation(const CustomerOccasions& occasions,
                                                      const CustomerTable& table);
absl::StatusOr<PopulationSummary> SummarizePopulation(const TransactionLog& log,
                                                      const CustomerTable& table);

/// The models' inputs from an RFM summary (the adapter between io and models, which
/// never include each other): its frequency, recency and T columns, validated and
/// compressed by PurchaseHistories::Create(). Errors: those of Create().
absl::StatusOr<PurchaseHistories> PurchaseHistoriesFromSummary(const RfmSummary& summary);

}  // namespace crmcore

#endif  // CRMCORE_CUSTOMER_SCORING_H_

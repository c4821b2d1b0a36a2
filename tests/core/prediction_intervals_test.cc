#include "crmcore/prediction_intervals.h"

#include <cmath>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "crmcore/bgnbd.h"
#include "crmcore/clv.h"
#include "crmcore/gamma_gamma.h"
#include "crmcore/pareto_nbd.h"
#include "model_test_data.h"

namespace crmcore {
namespace {

using ::testing::HasSubstr;

// A linear prediction f_i(θ) = Σ_j c_ij θ_j: the delta method is exact for it,
// se_i = √(c_iᵀ Σ c_i).
ParametricPrediction Linear(const std::vector<std::vector<double>>& c) {
  return [c](absl::Span<const double> p, absl::Span<double> out) {
    for (size_t i = 0; i < out.size(); ++i) {
      out[i] = 0;
      for (size_t j = 0; j < p.size(); ++j) out[i] += c[i][j] * p[j];
    }
    return absl::OkStatus();
  };
}

const ParameterDistribution kTwo{{2.0, 3.0}, {0.04, 0.01, 0.01, 0.09}};

TEST(DeltaMethodTest, ExactForALinearPrediction) {
  const std::vector<std::vector<double>> c = {{1.0, 0.0}, {1.0, -2.0}, {0.5, 0.5}};
  auto intervals = DeltaMethodIntervals(Linear(c), kTwo, 3, {-100.0, 100.0});
  ASSERT_TRUE(intervals.ok()) << intervals.status();
  auto se = [&](double a, double b) {
    return std::sqrt(a * a * 0.04 + 2 * a * b * 0.01 + b * b * 0.09);
  };
  const double expected_se[] = {se(1, 0), se(1, -2), se(0.5, 0.5)};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(intervals->hi[i] - intervals->value[i], 1.959964 * expected_se[i], 1e-8) << i;
    EXPECT_NEAR(intervals->value[i] - intervals->lo[i], 1.959964 * expected_se[i], 1e-8) << i;
  }
  // The total's gradient is the sum of the customers': (2.5, -1.5).
  EXPECT_DOUBLE_EQ(intervals->total.value, 2.0 + (2.0 - 6.0) + 2.5);
  EXPECT_NEAR(intervals->total.hi - intervals->total.value, 1.959964 * se(2.5, -1.5), 1e-8);
}

TEST(DeltaMethodTest, ClampsToTheRange) {
  auto intervals = DeltaMethodIntervals(Linear({{0.01, 0.0}}), kTwo, 1, {0.0, 1.0});
  ASSERT_TRUE(intervals.ok());
  EXPECT_NEAR(intervals->lo[0], 0.02 - 1.959964 * 0.002, 1e-12);  // inside: not clamped
  auto wide = DeltaMethodIntervals(Linear({{0.4, 0.0}}), {{2.0, 3.0}, {4.0, 0, 0, 1}}, 1,
                                   {0.0, 1.0});
  ASSERT_TRUE(wide.ok());
  EXPECT_EQ(wide->lo[0], 0.0);
  EXPECT_EQ(wide->hi[0], 1.0);
  EXPECT_EQ(wide->total.hi, 1.0);  // n · hi
}

TEST(DeltaMethodTest, BgNbdOnCdnow) {
  const testing::CdnowSummary data = testing::LoadCdnowSummary();
  auto fit = FitBgNbd(testing::CdnowHistories());
  ASSERT_TRUE(fit.ok() && fit->report.converged);
  const BgNbdParams& p = fit->params;
  auto dist = ParameterDistribution::FromFit({p.r, p.alpha, p.a, p.b}, fit->report.uncertainty);
  ASSERT_TRUE(dist.ok()) << dist.status();
  const size_t n = data.x.size();
  auto alive = DeltaMethodIntervals(BgNbdProbabilityAlivePrediction(data.x, data.t_x, data.T),
                                    *dist, n, {0.0, 1.0});
  ASSERT_TRUE(alive.ok()) << alive.status();
  auto purchases = DeltaMethodIntervals(
      BgNbdExpectedPurchasesPrediction(39.0, data.x, data.t_x, data.T), *dist, n, {});
  ASSERT_TRUE(purchases.ok()) << purchases.status();
  std::vector<double> direct(n);
  ASSERT_TRUE(BgNbdExpectedPurchases(p, 39.0, data.x, data.t_x, data.T, absl::MakeSpan(direct)).ok());
  size_t widened = 0;
  for (size_t i = 0; i < n; ++i) {
    EXPECT_EQ(purchases->value[i], direct[i]);
    EXPECT_LE(purchases->lo[i], purchases->value[i]);
    EXPECT_GE(purchases->hi[i], purchases->value[i]);
    EXPECT_GE(alive->lo[i], 0.0);
    EXPECT_LE(alive->hi[i], 1.0);
    if (data.x[i] == 0) {  // P(alive) = 1 whatever the parameters
      EXPECT_EQ(alive->lo[i], 1.0);
      EXPECT_EQ(alive->hi[i], 1.0);
    }
    if (purchases->hi[i] > purchases->value[i]) ++widened;
  }
  EXPECT_EQ(widened, n);
  // The population's expected purchases in the 39-week holdout: FHL 2005 report ~1,700
  // expected vs 1,788 actual; the parameter-uncertainty interval is a few percent wide.
  EXPECT_GT(purchases->total.value, 1600);
  EXPECT_LT(purchases->total.value, 1800);
  const double half_width = (purchases->total.hi - purchases->total.lo) / 2;
  EXPECT_GT(half_width / purchases->total.value, 0.005);
  EXPECT_LT(half_width / purchases->total.value, 0.2);

  // The bootstrap agrees with the delta method on the total to ~20 % of the width.
  auto boot = BootstrapTotalInterval(
      BgNbdExpectedPurchasesPrediction(39.0, data.x, data.t_x, data.T), *dist, n,
      {.samples = 400, .seed = 7});
  ASSERT_TRUE(boot.ok()) << boot.status();
  EXPECT_EQ(boot->samples_used, 400);
  EXPECT_NEAR(boot->lo, purchases->total.lo, 0.2 * half_width);
  EXPECT_NEAR(boot->hi, purchases->total.hi, 0.2 * half_width);
}

TEST(BootstrapTest, ReproducibleForASeedAndCloseToTheDeltaMethod) {
  const std::vector<std::vector<double>> c = {{1.0, 2.0}, {0.5, 0.0}};
  const ParameterDistribution small{{2.0, 3.0}, {1e-4, 0.0, 0.0, 4e-4}};
  auto a = BootstrapTotalInterval(Linear(c), small, 2, {.samples = 2000, .seed = 42});
  auto b = BootstrapTotalInterval(Linear(c), small, 2, {.samples = 2000, .seed = 42});
  auto other = BootstrapTotalInterval(Linear(c), small, 2, {.samples = 2000, .seed = 43});
  ASSERT_TRUE(a.ok() && b.ok() && other.ok());
  EXPECT_EQ(a->lo, b->lo);
  EXPECT_EQ(a->hi, b->hi);
  EXPECT_NE(a->lo, other->lo);
  auto delta = DeltaMethodIntervals(Linear(c), small, 2, {});
  ASSERT_TRUE(delta.ok());
  const double half = (delta->total.hi - delta->total.lo) / 2;
  EXPECT_NEAR(a->lo, delta->total.lo, 0.1 * half);
  EXPECT_NEAR(a->hi, delta->total.hi, 0.1 * half);
}

TEST(BootstrapTest, ClvOfTwoStackedFits) {
  const testing::CdnowSummary data = testing::LoadCdnowSummary();
  auto bg = FitBgNbd(testing::CdnowHistories());
  auto spend = SpendHistories::Create(data.x, data.zbar);
  ASSERT_TRUE(spend.ok());
  auto gg = FitGammaGamma(*spend);
  ASSERT_TRUE(bg.ok() && gg.ok() && bg->report.converged && gg->report.converged);
  const BgNbdParams& p = bg->params;
  auto d1 = ParameterDistribution::FromFit({p.r, p.alpha, p.a, p.b}, bg->report.uncertainty);
  auto d2 = ParameterDistribution::FromFit({gg->params.p, gg->params.q, gg->params.gamma},
                                           gg->report.uncertainty);
  ASSERT_TRUE(d1.ok() && d2.ok());
  const ParameterDistribution both = ParameterDistribution::Stack(*d1, *d2);
  ASSERT_EQ(both.params.size(), 7u);
  EXPECT_EQ(both.covariance[0 * 7 + 4], 0.0);  // independent fits
  EXPECT_EQ(both.covariance[5 * 7 + 5], gg->report.uncertainty.covariance[1 * 3 + 1]);
  ClvHorizon horizon;
  horizon.periods = 12;
  horizon.unit = TimeUnit::kWeeks;
  horizon.period_days = 7.0 * 52.0 / 12;  // a month of 52/12 weeks
  const auto clv = DiscountedClvPrediction(false, horizon, data.x, data.t_x, data.T, data.x,
                                           data.zbar);
  const size_t n = data.x.size();
  auto delta = DeltaMethodIntervals(clv, both, n, {});
  ASSERT_TRUE(delta.ok()) << delta.status();
  auto boot = BootstrapTotalInterval(clv, both, n, {.samples = 100, .seed = 1});
  ASSERT_TRUE(boot.ok()) << boot.status();
  EXPECT_LT(boot->lo, delta->total.value);
  EXPECT_GT(boot->hi, delta->total.value);
  EXPECT_LT(delta->total.lo, delta->total.value);
}

// Covers docs/bad-input.md BI-MOD-20.
TEST(PredictionIntervalsBadInputTest, RejectsBadOptionsAndShapes) {
  const auto linear = Linear({{1.0, 0.0}});
  for (const int samples : {0, 19, 1000001}) {
    auto boot = BootstrapTotalInterval(linear, kTwo, 1, {.samples = samples, .seed = 1});
    EXPECT_TRUE(absl::IsInvalidArgument(boot.status())) << samples;
    EXPECT_THAT(boot.status().message(), HasSubstr("samples must be in [20, 1000000]"));
  }
  const ParameterDistribution bad_cov{{2.0, 3.0}, {1.0}};
  EXPECT_THAT(DeltaMethodIntervals(linear, bad_cov, 1, {}).status().message(),
              HasSubstr("covariance must have 2^2 = 4 entries"));
  const ParameterDistribution nan_cov{{2.0, 3.0}, {NAN, 0, 0, 1}};
  EXPECT_TRUE(absl::IsInvalidArgument(DeltaMethodIntervals(linear, nan_cov, 1, {}).status()));
  const ParameterDistribution not_pd{{2.0, 3.0}, {1.0, 2.0, 2.0, 1.0}};
  EXPECT_THAT(BootstrapTotalInterval(linear, not_pd, 1, {}).status().message(),
              HasSubstr("not positive definite"));
  EXPECT_THAT(DeltaMethodIntervals(linear, kTwo, 1, {1.0, 0.0}).status().message(),
              HasSubstr("range lo 1 must be <= hi 0"));
  ParameterUncertainty unavailable;
  unavailable.message = "the Hessian ... is singular";
  auto from = ParameterDistribution::FromFit({1.0, 2.0}, unavailable);
  EXPECT_TRUE(absl::IsFailedPrecondition(from.status()));
  EXPECT_THAT(from.status().message(), HasSubstr("singular"));
  // A model prediction given the wrong number of parameters.
  const std::vector<double> x = {1}, tx = {1}, T = {2};
  EXPECT_THAT(DeltaMethodIntervals(BgNbdProbabilityAlivePrediction(x, tx, T), kTwo, 1, {})
                  .status()
                  .message(),
              HasSubstr("BG/NBD prediction: needs 4 parameters, got 2"));
}

}  // namespace
}  // namespace crmcore

// Fit options, the penalizer (lifetimes' penalizer_coef convention) and the parameter
// uncertainty every converged fit reports, for BG/NBD, Pareto/NBD and Gamma-Gamma.
#include "crmcore/model_fit.h"

#include <array>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <boost/math/special_functions/gamma.hpp>
#include <boost/multiprecision/cpp_bin_float.hpp>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "crmcore/bgnbd.h"
#include "crmcore/gamma_gamma.h"
#include "crmcore/pareto_nbd.h"
#include "model_test_data.h"

namespace crmcore {
namespace {

using ::testing::HasSubstr;
using Real = boost::multiprecision::cpp_bin_float_50;
using testing::CdnowHistories;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// lifetimes' bundled cdnow_customers_summary.csv (ID,frequency,recency,T; weeks).
PurchaseHistories LifetimesCdnowSummary() {
  std::ifstream in(std::string(CRMCORE_TEST_DATA_DIR) + "/cdnow_customers_summary.csv");
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "ID,frequency,recency,T");
  std::vector<double> x, t_x, T;
  while (std::getline(in, line)) {
    std::stringstream fields(line);
    std::string id, f, r, age;
    std::getline(fields, id, ',');
    std::getline(fields, f, ',');
    std::getline(fields, r, ',');
    std::getline(fields, age, ',');
    x.push_back(std::stod(f));
    t_x.push_back(std::stod(r));
    T.push_back(std::stod(age));
  }
  auto histories = PurchaseHistories::Create(x, t_x, T);
  EXPECT_TRUE(histories.ok()) << histories.status();
  return *std::move(histories);
}

SpendHistories CdnowSpend() {
  const testing::CdnowSummary data = testing::LoadCdnowSummary();
  auto spend = SpendHistories::Create(data.x, data.zbar);
  EXPECT_TRUE(spend.ok()) << spend.status();
  return *std::move(spend);
}

// Inverse of a small symmetric positive definite matrix (Gauss-Jordan in long double),
// to turn a reference Hessian into a reference covariance without the library's code.
std::vector<long double> Inverse(std::vector<long double> m, size_t n) {
  std::vector<long double> inv(n * n, 0.0L);
  for (size_t i = 0; i < n; ++i) inv[i * n + i] = 1.0L;
  for (size_t c = 0; c < n; ++c) {
    const long double pivot = m[c * n + c];
    for (size_t j = 0; j < n; ++j) {
      m[c * n + j] /= pivot;
      inv[c * n + j] /= pivot;
    }
    for (size_t r = 0; r < n; ++r) {
      if (r == c) continue;
      const long double f = m[r * n + c];
      for (size_t j = 0; j < n; ++j) {
        m[r * n + j] -= f * m[c * n + j];
        inv[r * n + j] -= f * inv[c * n + j];
      }
    }
  }
  return inv;
}

// The Hessian of −f at `theta` by central differences in 50 digits with step h.
template <typename F>
std::vector<long double> ReferenceNegativeHessian(const F& f, std::vector<Real> theta,
                                                  const Real& h) {
  const size_t n = theta.size();
  std::vector<long double> hessian(n * n);
  auto at = [&](size_t i, int si, size_t j, int sj) {
    std::vector<Real> t = theta;
    t[i] += si * h;
    t[j] += sj * h;
    return f(t);
  };
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i; j < n; ++j) {
      Real d2;
      if (i == j) {
        d2 = (at(i, 1, i, 1) - 2 * f(theta) + at(i, -1, i, -1)) / (4 * h * h);
      } else {
        d2 = (at(i, 1, j, 1) - at(i, 1, j, -1) - at(i, -1, j, 1) + at(i, -1, j, -1)) /
             (4 * h * h);
      }
      hessian[i * n + j] = hessian[j * n + i] = -static_cast<long double>(d2);
    }
  }
  return hessian;
}

// Every covariance entry within `tolerance` of the reference, relative to √(c_ii c_jj).
void ExpectCovarianceNear(const ParameterUncertainty& u, const std::vector<long double>& ref,
                          size_t n, double tolerance) {
  ASSERT_TRUE(u.available) << u.message;
  ASSERT_EQ(u.covariance.size(), n * n);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      const double scale = std::sqrt(static_cast<double>(ref[i * n + i] * ref[j * n + j]));
      EXPECT_NEAR(u.covariance[i * n + j], static_cast<double>(ref[i * n + j]),
                  tolerance * scale)
          << i << "," << j;
    }
  }
}

// ---- Options

// Covers docs/bad-input.md BI-FIT-OPTIONS (penalizer).
TEST(FitOptionsTest, RejectsNegativeOrNonFinitePenalizer) {
  for (const double bad : {-0.1, kNaN, kInf, -kInf}) {
    FitOptions options;
    options.penalizer = bad;
    const absl::Status status = options.Validate();
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << bad;
    EXPECT_THAT(status.message(), HasSubstr("penalizer must be finite and >= 0"));
    EXPECT_TRUE(absl::IsInvalidArgument(FitBgNbd(CdnowHistories(), options).status()));
  }
  for (const double bad : {-1.0, kNaN, kInf}) {
    FitOptions options;
    options.penalizer_max_T = bad;
    EXPECT_THAT(options.Validate().message(), HasSubstr("penalizer_max_T must be finite"));
  }
  FitOptions zero;
  zero.penalizer = 0.0;
  EXPECT_TRUE(zero.Validate().ok());
}

// ---- Penalizer

// lifetimes' BetaGeoFitter(penalizer_coef=0.1) on its cdnow_customers_summary prints
// r 0.2309, alpha 4.2193, a 0.1287, b 0.2671 (alpha back in weeks).
TEST(PenalizerTest, BgNbdMatchesLifetimesOnCdnow) {
  FitOptions options;
  options.penalizer = 0.1;
  options.gradient_tolerance = 1e-10;
  auto fit = FitBgNbd(LifetimesCdnowSummary(), options);
  ASSERT_TRUE(fit.ok()) << fit.status();
  ASSERT_TRUE(fit->report.converged) << fit->report.message;
  EXPECT_NEAR(fit->params.r, 0.2309, 5e-5);
  EXPECT_NEAR(fit->params.alpha, 4.2193, 5e-5);
  EXPECT_NEAR(fit->params.a, 0.1287, 5e-5);
  EXPECT_NEAR(fit->params.b, 0.2671, 5e-5);
  // The reported log-likelihood is the unpenalized one at the estimates.
  auto sum = BgNbdLogLikelihoodSum(fit->params, LifetimesCdnowSummary());
  ASSERT_TRUE(sum.ok());
  EXPECT_NEAR(fit->report.log_likelihood, sum->log_likelihood, 1e-9 * std::fabs(sum->log_likelihood));
}

// The partition-sum fit needs the largest T from the host, and with it fits the same.
TEST(PenalizerTest, FromSumsNeedsMaxTAndThenMatches) {
  const PurchaseHistories histories = CdnowHistories();
  auto evaluate = [&](const BgNbdParams& p) { return BgNbdLogLikelihoodSum(p, histories); };
  FitOptions options;
  options.penalizer = 0.05;
  auto missing = FitBgNbdFromSums(evaluate, options);
  EXPECT_TRUE(absl::IsInvalidArgument(missing.status()));
  EXPECT_THAT(missing.status().message(), HasSubstr("penalizer_max_T > 0"));
  auto pareto_missing = FitParetoNbdFromSums(
      [&](const ParetoNbdParams& p) { return ParetoNbdLogLikelihoodSum(p, histories); }, options);
  EXPECT_TRUE(absl::IsInvalidArgument(pareto_missing.status()));

  options.penalizer_max_T = histories.max_T();
  auto from_sums = FitBgNbdFromSums(evaluate, options);
  auto direct = FitBgNbd(histories, options);
  ASSERT_TRUE(from_sums.ok() && direct.ok());
  EXPECT_DOUBLE_EQ(from_sums->params.alpha, direct->params.alpha);
  EXPECT_DOUBLE_EQ(from_sums->params.b, direct->params.b);
}

// At a penalized optimum the mean log-likelihood's gradient balances the penalty's:
// −(1/W) ∂LL/∂log θ_k + 2 C (s_k θ_k)² = 0, with s = 1/max T for the rates α, β of
// Pareto/NBD and s = 1 for Gamma-Gamma — lifetimes' scaling, checked independently of the
// optimizer's own objective.
TEST(PenalizerTest, ParetoNbdAndGammaGammaStationarityUsesLifetimesScaling) {
  const double C = 0.02;
  FitOptions options;
  options.penalizer = C;
  options.gradient_tolerance = 1e-9;
  const PurchaseHistories histories = CdnowHistories();
  auto pareto = FitParetoNbd(histories, options);
  ASSERT_TRUE(pareto.ok()) << pareto.status();
  ASSERT_TRUE(pareto->report.converged) << pareto->report.message;
  auto psum = ParetoNbdLogLikelihoodSum(pareto->params, histories);
  ASSERT_TRUE(psum.ok());
  const ParetoNbdParams& pp = pareto->params;
  const std::array<double, 4> pscaled = {pp.r, pp.alpha / histories.max_T(), pp.s,
                                         pp.beta / histories.max_T()};
  for (size_t k = 0; k < 4; ++k) {
    const double g = -psum->gradient[k] / psum->weight + 2 * C * pscaled[k] * pscaled[k];
    EXPECT_NEAR(g, 0.0, 1e-9) << k;
    // The penalty matters at this C: the likelihood alone is far from stationary.
    EXPECT_GT(std::fabs(2 * C * pscaled[k] * pscaled[k]), 1e-6) << k;
  }

  const SpendHistories spend = CdnowSpend();
  auto gg = FitGammaGamma(spend, options);
  ASSERT_TRUE(gg.ok()) << gg.status();
  ASSERT_TRUE(gg->report.converged) << gg->report.message;
  auto gsum = GammaGammaLogLikelihoodSum(gg->params, spend);
  ASSERT_TRUE(gsum.ok());
  const std::array<double, 3> gp = {gg->params.p, gg->params.q, gg->params.gamma};
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_NEAR(-gsum->gradient[k] / gsum->weight + 2 * C * gp[k] * gp[k], 0.0, 1e-9) << k;
  }
  EXPECT_NEAR(gg->report.log_likelihood, gsum->log_likelihood, 1e-9 * std::fabs(gsum->log_likelihood));
}

// ---- Uncertainty

// BG/NBD total log-likelihood in 50 digits (FHL 2005 eq. 6, untransformed), the lgamma
// terms shared by rows of equal x.
Real ReferenceBgNbdLl(const PurchaseHistories& h, const std::vector<Real>& th) {
  const Real &r = th[0], &alpha = th[1], &a = th[2], &b = th[3];
  using boost::math::lgamma;
  const Real log_beta_ab = lgamma(a) + lgamma(b) - lgamma(a + b);
  std::map<double, std::array<Real, 3>> by_x;
  Real total = 0;
  for (size_t i = 0; i < h.size(); ++i) {
    const double xd = h.frequency()[i];
    auto it = by_x.find(xd);
    if (it == by_x.end()) {
      const Real x = xd;
      const Real common = lgamma(r + x) - lgamma(r) + r * log(alpha);
      const Real term1 = lgamma(a) + lgamma(b + x) - lgamma(a + b + x) - log_beta_ab;
      const Real term2 = xd > 0 ? lgamma(a + 1) + lgamma(b + x - 1) - lgamma(a + b + x) -
                                      log_beta_ab
                                : Real(0);
      it = by_x.emplace(xd, std::array<Real, 3>{common, term1, term2}).first;
    }
    const Real x = xd, T = h.T()[i], tx = h.recency()[i];
    Real l = exp(it->second[1] - (r + x) * log(alpha + T));
    if (xd > 0) l += exp(it->second[2] - (r + x) * log(alpha + tx));
    total += h.weight()[i] * (it->second[0] + log(l));
  }
  return total;
}

TEST(UncertaintyTest, BgNbdMatchesHighPrecisionHessianAndLifetimes) {
  const PurchaseHistories histories = CdnowHistories();
  auto fit = FitBgNbd(histories);
  ASSERT_TRUE(fit.ok() && fit->report.converged);
  const ParameterUncertainty& u = fit->report.uncertainty;
  ASSERT_TRUE(u.available) << u.message;
  EXPECT_EQ(u.message, "");
  // lifetimes' BetaGeoFitter summary on CDNOW: se(r) 0.0126, se(alpha) 0.378,
  // se(a) 0.186, se(b) 0.705.
  EXPECT_NEAR(u.standard_errors[0], 0.0126, 0.0005);
  EXPECT_NEAR(u.standard_errors[1], 0.378, 0.005);
  EXPECT_NEAR(u.standard_errors[2], 0.186, 0.005);
  EXPECT_NEAR(u.standard_errors[3], 0.705, 0.005);
  const std::vector<Real> theta = {fit->params.r, fit->params.alpha, fit->params.a,
                                   fit->params.b};
  const auto hessian = ReferenceNegativeHessian(
      [&](const std::vector<Real>& t) { return ReferenceBgNbdLl(histories, t); }, theta,
      Real("1e-12"));
  // The default tolerance leaves a total gradient of ~2e-4 (the change of variables'
  // gradient term, which the library drops): ~1e-6 of the Hessian.
  ExpectCovarianceNear(u, Inverse(hessian, 4), 4, 1e-5);
  // The Wald interval is estimate ∓ 1.959964 se.
  EXPECT_DOUBLE_EQ(u.confidence_intervals[1][0], fit->params.alpha - 1.959964 * u.standard_errors[1]);
  EXPECT_DOUBLE_EQ(u.confidence_intervals[1][1], fit->params.alpha + 1.959964 * u.standard_errors[1]);
}

TEST(UncertaintyTest, GammaGammaMatchesHighPrecisionHessian) {
  const SpendHistories spend = CdnowSpend();
  FitOptions options;
  options.gradient_tolerance = 1e-9;
  auto fit = FitGammaGamma(spend, options);
  ASSERT_TRUE(fit.ok() && fit->report.converged);
  const std::vector<Real> theta = {fit->params.p, fit->params.q, fit->params.gamma};
  // FHL 2005 ("RFM and CLV") Gamma-Gamma log-likelihood in 50 digits.
  auto ll = [&](const std::vector<Real>& t) {
    using boost::math::lgamma;
    const Real &p = t[0], &q = t[1], &g = t[2];
    Real total = 0;
    std::map<double, Real> lgamma_terms;  // rows are few distinct x: share the lgammas
    for (size_t i = 0; i < spend.size(); ++i) {
      const Real x = spend.frequency()[i], m = spend.monetary_value()[i];
      auto it = lgamma_terms.find(spend.frequency()[i]);
      if (it == lgamma_terms.end()) {
        it = lgamma_terms.emplace(spend.frequency()[i], lgamma(p * x + q) - lgamma(p * x)).first;
      }
      total += spend.weight()[i] * (it->second - lgamma(q) + q * log(g) +
                                    (p * x - 1) * log(m) + p * x * log(x) -
                                    (p * x + q) * log(g + m * x));
    }
    return total;
  };
  const auto hessian = ReferenceNegativeHessian(ll, theta, Real("1e-12"));
  ExpectCovarianceNear(fit->report.uncertainty, Inverse(hessian, 3), 3, 1e-6);
}

TEST(UncertaintyTest, ParetoNbdMatchesSecondDifferencesOfTheLikelihood) {
  const PurchaseHistories histories = CdnowHistories();
  auto fit = FitParetoNbd(histories);
  ASSERT_TRUE(fit.ok() && fit->report.converged) << fit->report.message;
  const ParetoNbdParams& p = fit->params;
  // Second differences of the double log-likelihood (not of its gradient, which the
  // library uses), in natural parameters with a relative step of 1e-4.
  const std::array<double, 4> theta = {p.r, p.alpha, p.s, p.beta};
  auto ll = [&](std::array<double, 4> t) {
    auto s = ParetoNbdLogLikelihoodSum({t[0], t[1], t[2], t[3]}, histories);
    EXPECT_TRUE(s.ok());
    return s->log_likelihood;
  };
  std::vector<long double> hessian(16);
  for (size_t i = 0; i < 4; ++i) {
    for (size_t j = 0; j < 4; ++j) {
      const double hi = 1e-4 * theta[i], hj = 1e-4 * theta[j];
      auto at = [&](int si, int sj) {
        std::array<double, 4> t = theta;
        t[i] += si * hi;
        t[j] += sj * hj;
        return ll(t);
      };
      hessian[i * 4 + j] = -(at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * hi * hj);
    }
  }
  for (size_t i = 0; i < 4; ++i) {
    for (size_t j = 0; j < i; ++j) {
      hessian[i * 4 + j] = hessian[j * 4 + i] = (hessian[i * 4 + j] + hessian[j * 4 + i]) / 2;
    }
  }
  ExpectCovarianceNear(fit->report.uncertainty, Inverse(hessian, 4), 4, 1e-3);
}

// A likelihood flat in a and b (it depends on r and α only): the fit converges, and the
// Hessian is singular, reported as unavailable with the reason and no NaN.
// Covers docs/bad-input.md BI-MOD-19
TEST(UncertaintyTest, FlatLikelihoodReportsUnavailable) {
  auto evaluate = [](const BgNbdParams& p) -> absl::StatusOr<LogLikelihoodSum<4>> {
    LogLikelihoodSum<4> s;
    s.weight = 100;
    const double u = std::log(p.r) + 1.0, v = std::log(p.alpha) - 0.5;
    s.log_likelihood = -100 * (u * u + v * v);
    s.gradient = {-200 * u, -200 * v, 0.0, 0.0};
    return s;
  };
  auto fit = FitBgNbdFromSums(evaluate);
  ASSERT_TRUE(fit.ok()) << fit.status();
  ASSERT_TRUE(fit->report.converged);
  const ParameterUncertainty& u = fit->report.uncertainty;
  EXPECT_FALSE(u.available);
  EXPECT_THAT(u.message, HasSubstr("singular"));
  EXPECT_TRUE(u.covariance.empty());
  EXPECT_TRUE(u.standard_errors.empty());

}

TEST(UncertaintyTest, NotComputedWhenTheFitDidNotConverge) {
  FitOptions options;
  options.max_iterations = 1;
  auto fit = FitBgNbd(CdnowHistories(), options);
  ASSERT_TRUE(fit.ok());
  ASSERT_FALSE(fit->report.converged);
  EXPECT_FALSE(fit->report.uncertainty.available);
  EXPECT_THAT(fit->report.uncertainty.message, HasSubstr("did not converge"));
}

}  // namespace
}  // namespace crmcore

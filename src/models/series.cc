#include "models/series.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include <boost/math/special_functions/beta.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "crmcore/status.h"
#include "models/model_internal.h"

namespace crmcore::models_internal {

// 2F1 = 1 + (a−1) S' with S' = Σ_{n>=1} (a1)_n (a)_{n−1} z^n / ((c)_n n!), a1 = a+b−1−shape,
// so [1 − (1−z)^(a−1) (1 + (a−1) S')]/(a−1) = −expm1((a−1) L)/(a−1) − (1−z)^(a−1) S',
// L = log(1−z): no division by a−1 and no overflow for large shape.
absl::StatusOr<double> AliveExpectedPurchases(absl::string_view model, double shape,
                                              double alpha_T, double a, double b, double t,
                                              size_t row) {
  if (t == 0.0) return 0.0;
  const double z = t / (alpha_T + t);
  // log(1 − z) = −log1p(t/(α+T)): the difference log(α+T) − log(α+T+t) rounds to 0 once
  // T ≫ t while z itself does not, and the bracket below would come out negative.
  const double log1mz = -std::log1p(t / alpha_T);
  const double am1 = a - 1.0;
  const double a1 = a + b - 1.0 - shape;
  const double c = a + b - 1.0;
  double term = a1 * z / c;  // n = 1
  double sum = term;
  constexpr int kMaxTerms = 1000000;
  int n = 1;
  for (; n < kMaxTerms; ++n) {
    const double dn = static_cast<double>(n);
    term *= (a1 + dn) * (am1 + dn) / ((c + dn) * (dn + 1.0)) * z;
    sum += term;
    // With a large a and z near 1 the terms grow past DBL_MAX before they shrink; the
    // remainder test below would then pass (Inf <= Inf) and 0 · Inf make a silent NaN.
    if (!std::isfinite(sum)) break;
    // Once n > |a1|, |am1| the ratio is below z < 1 and decreasing in magnitude: the
    // remainder is at most |term| z/(1−z).
    if (dn > std::fabs(a1) + 1.0 && dn > std::fabs(am1) + 1.0 &&
        std::fabs(term) * z <= 1e-17 * std::fabs(sum) * (1.0 - z)) {
      break;
    }
    if (term == 0.0) break;
  }
  if (n >= kMaxTerms) {
    return absl::OutOfRangeError(absl::StrCat(
        model, " expected purchases row ", row, ": the hypergeometric series did not converge in ",
        kMaxTerms, " terms (horizon t = ", FormatDouble(t), " is too long relative to alpha + T = ",
        FormatDouble(alpha_T), ")"));
  }
  const double bracket = -Expm1Over(am1, log1mz) - std::exp(am1 * log1mz) * sum;
  // E >= 0 exactly; the bracket is a difference of two nearly equal terms when z is tiny,
  // and a negative result is rounding error only, so 0 is always the closer value.
  const double expected = std::max(c * bracket, 0.0);
  if (!std::isfinite(expected)) {
    return absl::OutOfRangeError(absl::StrCat(
        model, " expected purchases row ", row, ": the hypergeometric series overflows double (a = ",
        FormatDouble(a), ", horizon t = ", FormatDouble(t), ", alpha + T = ",
        FormatDouble(alpha_T), ")"));
  }
  return expected;
}

absl::StatusOr<double> HypergeometricOneBC(absl::string_view what, double b, double c,
                                           double z) {
  if (z >= 1.0) {
    // Σ (b)_k/(c)_k converges iff c > b + 1 (Gauss: 2F1(1, b; c; 1) = (c−1)/(c−b−1)).
    if (c > b + 1.0) return (c - 1.0) / (c - b - 1.0);
    return absl::OutOfRangeError(absl::StrCat(
        what, ": the series diverges at discount 0 (needs c > b + 1, got b = ",
        FormatDouble(b), ", c = ", FormatDouble(c), ")"));
  }
  double term = 1.0;
  double sum = 1.0;
  constexpr int kMaxTerms = 10000000;
  for (int k = 0; k < kMaxTerms; ++k) {
    const double dk = static_cast<double>(k);
    const double ratio = (b + dk) / (c + dk) * z;
    term *= ratio;
    sum += term;
    // The ratio (b+k)/(c+k)·z tends to z monotonically, so every later ratio is at most
    // q = max(ratio, z) and the remainder at most term · q/(1−q) once q < 1.
    // For b > c the ratio falls towards z; for c >= b it rises towards z.
    const double q = std::max(ratio, z);
    if (q < 1.0 && term * q <= 1e-17 * sum * (1.0 - q)) return sum;
    if (!std::isfinite(sum)) break;
  }
  return absl::OutOfRangeError(absl::StrCat(
      what, ": the hypergeometric series 2F1(1, ", FormatDouble(b), "; ", FormatDouble(c), "; ",
      FormatDouble(z), ") did not converge in ", kMaxTerms, " terms (discount too close to 0)"));
}

namespace {

// log(u + v) for u, v > 0 without overflow: a = b = 1.7e308 make a + b infinite, which
// turned log B(a, b+n)/B(a, b) into −Inf and every probability into 0.
double LogOfSum(double u, double v) {
  const double hi = std::max(u, v), lo = std::min(u, v);
  return std::log(hi) + std::log1p(lo / hi);
}

}  // namespace

absl::StatusOr<double> BetaGeometricCountProbability(absl::string_view what, double r,
                                                     double alpha, double a, double b,
                                                     double t, int64_t n,
                                                     bool drop_out_at_start) {
  const double dn = static_cast<double>(n);
  // log B(a, b+n)/B(a, b) = Σ_{k<n} log((b+k)/(a+b+k)) and log Γ(r+n)/Γ(r) = Σ_{k<n}
  // log(r+k), summed term by term for small n: the log-gamma differences they replace
  // lose |log Γ(a+b)|·2^-53 to cancellation (2e-5 at a = 8e9, which made P(X = 0) > 1).
  // log(α/(α+t)) and log(t/(α+t)) by log1p for the same reason: log α − log(α+t) was 0
  // for α = 6e20, t = 100, where r·log(α/(α+t)) = −1700.
  constexpr int64_t kMaxTermwise = 64;
  double log_beta_ratio = 0.0;
  double log_rising_r = 0.0;
  if (n <= kMaxTermwise) {
    for (int64_t k = 0; k < n; ++k) {
      const double dk = static_cast<double>(k);
      log_beta_ratio += std::log(b + dk) - LogOfSum(a, b + dk);
      log_rising_r += std::log(r + dk);
    }
  } else {
    log_beta_ratio = LogGamma(b + dn) + LogGamma(a + b) - LogGamma(a + b + dn) - LogGamma(b);
    log_rising_r = LogGamma(r + dn) - LogGamma(r);
  }
  const double log_q = -std::log1p(t / alpha);   // log(α/(α+t))
  const double log_pp = -std::log1p(alpha / t);  // log(t/(α+t))
  const double log_nb = log_rising_r - LogGamma(dn + 1.0) + r * log_q + dn * log_pp;
  // The beta factors of "alive after the n-th purchase" and "gone after the n-th":
  // B(a, b+n+1) = B(a, b+n)·(b+n)/(a+b+n), B(a+1, b+n) = B(a, b+n)·a/(a+b+n) (MBG/NBD);
  // B(a+1, b+n−1) = B(a, b+n)·a/(b+n−1) (BG/NBD, n > 0).
  double log_alive_factor = 0.0;
  double log_gone_factor = -HUGE_VAL;
  if (drop_out_at_start) {
    const double log_abn = LogOfSum(a, b + dn);
    log_alive_factor = std::log(b + dn) - log_abn;
    log_gone_factor = std::log(a) - log_abn;
  } else if (n > 0) {
    log_gone_factor = std::log(a) - std::log(b + dn - 1.0);
  }
  double probability = std::exp(log_beta_ratio + log_alive_factor + log_nb);
  if (log_gone_factor > -HUGE_VAL) {
    double tail = 1.0;  // P(NB >= 0)
    if (n > 0) {
      using Policy = boost::math::policies::policy<
          boost::math::policies::domain_error<boost::math::policies::ignore_error>,
          boost::math::policies::overflow_error<boost::math::policies::ignore_error>,
          boost::math::policies::evaluation_error<boost::math::policies::ignore_error>,
          boost::math::policies::promote_double<false>>;
      tail = boost::math::ibeta(dn, r, t / (alpha + t), Policy());
    }
    probability += std::exp(log_beta_ratio + log_gone_factor) * tail;
  }
  if (!std::isfinite(probability)) {
    return absl::OutOfRangeError(absl::StrCat(what, ": not finite for n = ", n, ", t = ",
                                              FormatDouble(t)));
  }
  // The sum of the two terms may round past 1; the probability itself cannot.
  return std::min(probability, 1.0);
}

}  // namespace crmcore::models_internal

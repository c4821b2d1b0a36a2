// Forward-mode automatic differentiation with N tangent directions: the Pareto/NBD
// log-likelihood goes through a hypergeometric series whose parameter derivatives have no
// short closed form; carrying the derivatives through the series term by term gives the
// exact gradient of the evaluated sum (not a finite-difference estimate).
#ifndef CRMCORE_SRC_MODELS_DUAL_H_
#define CRMCORE_SRC_MODELS_DUAL_H_

#include <array>
#include <cmath>
#include <cstddef>

#include "models/model_internal.h"

namespace crmcore::models_internal {

template <size_t N>
struct Dual {
  double v = 0.0;
  std::array<double, N> d{};

  Dual() = default;
  Dual(double value) : v(value) {}  // NOLINT: constants promote implicitly
  /// The variable exp(log_value) differentiated with respect to log_value in direction k.
  static Dual LogParameter(double value, size_t k) {
    Dual out(value);
    out.d[k] = value;
    return out;
  }
};

template <size_t N>
Dual<N> Scaled(const Dual<N>& a, double value, double derivative) {
  Dual<N> out(value);
  for (size_t k = 0; k < N; ++k) out.d[k] = derivative * a.d[k];
  return out;
}

template <size_t N>
Dual<N> operator+(const Dual<N>& a, const Dual<N>& b) {
  Dual<N> out(a.v + b.v);
  for (size_t k = 0; k < N; ++k) out.d[k] = a.d[k] + b.d[k];
  return out;
}
template <size_t N>
Dual<N> operator-(const Dual<N>& a, const Dual<N>& b) {
  Dual<N> out(a.v - b.v);
  for (size_t k = 0; k < N; ++k) out.d[k] = a.d[k] - b.d[k];
  return out;
}
template <size_t N>
Dual<N> operator-(const Dual<N>& a) {
  return Scaled(a, -a.v, -1.0);
}
template <size_t N>
Dual<N> operator*(const Dual<N>& a, const Dual<N>& b) {
  Dual<N> out(a.v * b.v);
  for (size_t k = 0; k < N; ++k) out.d[k] = a.d[k] * b.v + a.v * b.d[k];
  return out;
}
template <size_t N>
Dual<N> operator/(const Dual<N>& a, const Dual<N>& b) {
  Dual<N> out(a.v / b.v);
  for (size_t k = 0; k < N; ++k) out.d[k] = (a.d[k] - out.v * b.d[k]) / b.v;
  return out;
}
template <size_t N> Dual<N> operator+(const Dual<N>& a, double b) { return a + Dual<N>(b); }
template <size_t N> Dual<N> operator+(double a, const Dual<N>& b) { return Dual<N>(a) + b; }
template <size_t N> Dual<N> operator-(const Dual<N>& a, double b) { return a - Dual<N>(b); }
template <size_t N> Dual<N> operator-(double a, const Dual<N>& b) { return Dual<N>(a) - b; }
template <size_t N> Dual<N> operator*(const Dual<N>& a, double b) { return Scaled(a, a.v * b, b); }
template <size_t N> Dual<N> operator*(double a, const Dual<N>& b) { return Scaled(b, a * b.v, a); }
template <size_t N> Dual<N> operator/(const Dual<N>& a, double b) { return Scaled(a, a.v / b, 1.0 / b); }

inline double Value(double x) { return x; }
template <size_t N> double Value(const Dual<N>& x) { return x.v; }

inline double Log(double x) { return std::log(x); }
inline double Exp(double x) { return std::exp(x); }
inline double Log1p(double x) { return std::log1p(x); }
inline double Expm1(double x) { return std::expm1(x); }
inline double Lgamma(double x) { return LogGamma(x); }

template <size_t N> Dual<N> Log(const Dual<N>& x) { return Scaled(x, std::log(x.v), 1.0 / x.v); }
template <size_t N> Dual<N> Exp(const Dual<N>& x) {
  const double e = std::exp(x.v);
  return Scaled(x, e, e);
}
template <size_t N> Dual<N> Log1p(const Dual<N>& x) {
  return Scaled(x, std::log1p(x.v), 1.0 / (1.0 + x.v));
}
template <size_t N> Dual<N> Expm1(const Dual<N>& x) {
  return Scaled(x, std::expm1(x.v), std::exp(x.v));
}
template <size_t N> Dual<N> Lgamma(const Dual<N>& x) {
  return Scaled(x, LogGamma(x.v), Digamma(x.v));
}

}  // namespace crmcore::models_internal

#endif  // CRMCORE_SRC_MODELS_DUAL_H_

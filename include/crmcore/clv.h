// Customer lifetime value (docs/domain.md §6.2): the net present value of a customer's cash
// flows, net of acquisition and service cost, and its model-based form — expected
// purchases from BG/NBD or Pareto/NBD times expected spend from Gamma-Gamma, discounted.
//
// Part of the compiled library (crmcore::crmcore).
#ifndef CRMCORE_CLV_H_
#define CRMCORE_CLV_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "crmcore/bgnbd.h"
#include "crmcore/calendar.h"
#include "crmcore/mbgnbd.h"
#include "crmcore/pareto_nbd.h"

namespace crmcore {

/// Net present value of a customer relationship (docs/domain.md §6.2; Gupta & Lehmann 2003):
///
///   NPV = −acquisition_cost + Σ_{k=1..n} (margin_k − service_cost_k) / (1 + d)^k,
///
/// with the acquisition cost paid now and period k's margin and service cost at the end of
/// period k (`margins[k−1]`, `service_costs[k−1]`; `service_costs` may be empty for none).
/// Errors: InvalidArgument for a non-finite amount (naming its period), a negative
/// acquisition cost, unequal lengths, or a discount rate d that is not finite and > −1;
/// OutOfRange when the sum overflows.
absl::StatusOr<double> NetPresentValue(double acquisition_cost, absl::Span<const double> margins,
                                       absl::Span<const double> service_costs,
                                       double discount_rate);

/// How a model-based CLV is discounted. The one convention of crmcore (C++, C API,
/// Python, CLI), with the `lifetimes` library's defaults: `periods` periods of
/// `period_days` days — 12 months of 30 days — each discounted at `discount_rate` a period
/// (1 % a month), the purchases expected in period k valued at its end. `unit` is the time
/// unit of the histories' t_x and T (the summary's), which turns days into that unit: a
/// period is period_days / DaysPerUnit(unit) units (30 days = 30/7 weeks).
struct ClvHorizon {
  int periods = 12;
  double period_days = 30.0;
  double discount_rate = 0.01;
  TimeUnit unit = TimeUnit::kDays;

  /// The period in the unit of t_x and T.
  double PeriodLength() const { return period_days / DaysPerUnit(unit); }
  /// The whole horizon, periods × period length, in the unit of t_x and T.
  double Length() const { return static_cast<double>(periods) * PeriodLength(); }

  /// InvalidArgument naming the field: periods >= 1 (and <= 100000), period_days finite
  /// and > 0, discount_rate finite and > −1, a known unit.
  absl::Status Validate() const;
};

/// Discounted CLV per customer from BG/NBD expected purchases and a spend per purchase
/// (typically GammaGammaExpectedMeanSpend), as in the `lifetimes` library's
/// customer_lifetime_value and Fader, Hardie & Lee (2005, "RFM and CLV", §DERL):
///
///   CLV_i = spend_i · Σ_{k=1..K} (E_i[Y(k L)] − E_i[Y((k−1) L)]) / (1 + d)^k,
///
/// the purchases expected in period k valued at its end. Errors: those of
/// BgNbdExpectedPurchases, invalid horizon, or a spend that is not finite and >= 0
/// (naming the row).
absl::Status BgNbdDiscountedClv(const BgNbdParams& params, const ClvHorizon& horizon,
                                absl::Span<const double> spend, absl::Span<const double> x,
                                absl::Span<const double> t_x, absl::Span<const double> T,
                                absl::Span<double> out);

/// The same with Pareto/NBD expected purchases.
absl::Status ParetoNbdDiscountedClv(const ParetoNbdParams& params, const ClvHorizon& horizon,
                                    absl::Span<const double> spend, absl::Span<const double> x,
                                    absl::Span<const double> t_x, absl::Span<const double> T,
                                    absl::Span<double> out);

/// The same with MBG/NBD expected purchases (MbgNbdExpectedPurchases).
absl::Status MbgNbdDiscountedClv(const MbgNbdParams& params, const ClvHorizon& horizon,
                                 absl::Span<const double> spend, absl::Span<const double> x,
                                 absl::Span<const double> t_x, absl::Span<const double> T,
                                 absl::Span<double> out);

}  // namespace crmcore

#endif  // CRMCORE_CLV_H_

#include "crmcore/lifetime_predictions.h"

#include <cmath>
#include <iterator>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "crmcore/status.h"

namespace crmcore {

namespace {

// Bounds that keep a grid (up to ~10^8 cells) from exhausting memory by a typo.
constexpr int64_t kMaxGridFrequency = 10000;
constexpr int64_t kMaxGridRecencySteps = 10000;

// The grid's rows and columns as prediction columns, one entry per cell.
absl::StatusOr<PredictionGrid> MakeGrid(const char* what, int64_t max_frequency, double T,
                                        int64_t recency_steps, std::vector<double>& x,
                                        std::vector<double>& t_x, std::vector<double>& Ts) {
  if (max_frequency < 0 || max_frequency > kMaxGridFrequency) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": max_frequency must be in [0, ",
                                                   kMaxGridFrequency, "], got ", max_frequency));
  }
  if (recency_steps < 1 || recency_steps > kMaxGridRecencySteps) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": recency_steps must be in [1, ",
                                                   kMaxGridRecencySteps, "], got ",
                                                   recency_steps));
  }
  if (!(std::isfinite(T) && T > 0.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": T must be finite and > 0, got ", FormatDouble(T)));
  }
  PredictionGrid grid;
  grid.T = T;
  for (int64_t i = 0; i <= max_frequency; ++i) grid.frequency.push_back(static_cast<double>(i));
  for (int64_t j = 0; j <= recency_steps; ++j) {
    // The last column is T itself, not T · steps / steps rounded.
    grid.recency.push_back(j == recency_steps
                               ? T
                               : T * static_cast<double>(j) / static_cast<double>(recency_steps));
  }
  const size_t cells = grid.frequency.size() * grid.recency.size();
  x.reserve(cells);
  t_x.reserve(cells);
  Ts.assign(cells, T);
  for (const double f : grid.frequency) {
    for (const double r : grid.recency) {
      x.push_back(f);
      t_x.push_back(f == 0.0 ? 0.0 : r);
    }
  }
  grid.values.assign(cells, 0.0);
  return grid;
}

}  // namespace

const char* RepeatPurchaseModelName(const RepeatPurchaseModel& model) {
  static constexpr const char* kNames[] = {"BG/NBD", "Pareto/NBD", "MBG/NBD"};
  static_assert(std::size(kNames) == std::variant_size_v<RepeatPurchaseModel>);
  return kNames[model.index()];
}

absl::Status ProbabilityAlive(const RepeatPurchaseModel& model, absl::Span<const double> x,
                              absl::Span<const double> t_x, absl::Span<const double> T,
                              absl::Span<double> out) {
  return std::visit(
      [&](const auto& p) {
        using Params = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<Params, BgNbdParams>) {
          return BgNbdProbabilityAlive(p, x, t_x, T, out);
        } else if constexpr (std::is_same_v<Params, ParetoNbdParams>) {
          return ParetoNbdProbabilityAlive(p, x, t_x, T, out);
        } else {
          return MbgNbdProbabilityAlive(p, x, t_x, T, out);
        }
      },
      model);
}

absl::Status ExpectedPurchases(const RepeatPurchaseModel& model, double t,
                               absl::Span<const double> x, absl::Span<const double> t_x,
                               absl::Span<const double> T, absl::Span<double> out) {
  return std::visit(
      [&](const auto& p) {
        using Params = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<Params, BgNbdParams>) {
          return BgNbdExpectedPurchases(p, t, x, t_x, T, out);
        } else if constexpr (std::is_same_v<Params, ParetoNbdParams>) {
          return ParetoNbdExpectedPurchases(p, t, x, t_x, T, out);
        } else {
          return MbgNbdExpectedPurchases(p, t, x, t_x, T, out);
        }
      },
      model);
}

absl::StatusOr<double> ExpectedPurchasesNew(const RepeatPurchaseModel& model, double t) {
  return std::visit(
      [&](const auto& p) {
        using Params = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<Params, BgNbdParams>) {
          return BgNbdExpectedPurchasesNew(p, t);
        } else if constexpr (std::is_same_v<Params, ParetoNbdParams>) {
          return ParetoNbdExpectedPurchasesNew(p, t);
        } else {
          return MbgNbdExpectedPurchasesNew(p, t);
        }
      },
      model);
}

absl::StatusOr<PredictionGrid> ProbabilityAliveGrid(const RepeatPurchaseModel& model,
                                                    int64_t max_frequency, double T,
                                                    int64_t recency_steps) {
  std::vector<double> x, t_x, Ts;
  CRM_ASSIGN_OR_RETURN(PredictionGrid grid, MakeGrid("probability-alive grid", max_frequency,
                                                     T, recency_steps, x, t_x, Ts));
  CRM_RETURN_IF_ERROR(ProbabilityAlive(model, x, t_x, Ts, absl::MakeSpan(grid.values)));
  return grid;
}

absl::StatusOr<PredictionGrid> ExpectedPurchasesGrid(const RepeatPurchaseModel& model,
                                                     double t, int64_t max_frequency,
                                                     double T, int64_t recency_steps) {
  std::vector<double> x, t_x, Ts;
  CRM_ASSIGN_OR_RETURN(PredictionGrid grid, MakeGrid("expected-purchases grid", max_frequency,
                                                     T, recency_steps, x, t_x, Ts));
  CRM_RETURN_IF_ERROR(ExpectedPurchases(model, t, x, t_x, Ts, absl::MakeSpan(grid.values)));
  return grid;
}

}  // namespace crmcore

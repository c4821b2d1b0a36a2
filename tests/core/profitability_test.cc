// Tests of include/crmcore/profitability.h: the quadrant rule at and around each threshold,
// threshold validation, and the §2.8 strategies.
#include "crmcore/profitability.h"

#include <cmath>
#include <limits>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace {

using ::testing::HasSubstr;
using Q = ProfitabilityQuadrant;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

ProfitabilityThresholds Thresholds(double high_profit, double high_loss) {
  ProfitabilityThresholds t;
  t.high_profit = high_profit;
  t.high_loss = high_loss;
  return t;
}

Q MustClassify(double profit, const ProfitabilityThresholds& t = {}) {
  absl::StatusOr<Q> q = ClassifyProfitability(profit, t);
  EXPECT_TRUE(q.ok()) << q.status();
  return *q;
}

TEST(ProfitabilityThresholdsTest, DefaultsAreValid) {
  const ProfitabilityThresholds t;
  EXPECT_EQ(t.high_profit, 1.0);
  EXPECT_EQ(t.high_loss, 0.0);
  EXPECT_TRUE(t.Validate().ok());
}

TEST(ProfitabilityThresholdsTest, RejectsBadHighProfit) {
  for (const double bad : {0.0, -1.0, kNaN, kInf}) {
    const absl::Status status = Thresholds(bad, 0.0).Validate();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(status.message(), HasSubstr("high_profit must be finite and > 0"));
  }
  EXPECT_THAT(Thresholds(-1.0, 0.0).Validate().message(), HasSubstr("got -1"));
}

TEST(ProfitabilityThresholdsTest, RejectsBadHighLoss) {
  for (const double bad : {-0.5, kNaN, kInf}) {
    const absl::Status status = Thresholds(1.0, bad).Validate();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(status.message(), HasSubstr("high_loss must be finite and >= 0"));
  }
  EXPECT_THAT(Thresholds(1.0, -0.5).Validate().message(), HasSubstr("got -0.5"));
}

TEST(ClassifyProfitabilityTest, DefaultThresholds) {
  EXPECT_EQ(MustClassify(3.0), Q::kHighlyProfitable);
  EXPECT_EQ(MustClassify(1.0), Q::kHighlyProfitable);
  EXPECT_EQ(MustClassify(std::nextafter(1.0, 0.0)), Q::kProfitable);
  EXPECT_EQ(MustClassify(5e-324), Q::kProfitable);
  EXPECT_EQ(MustClassify(0.0), Q::kUnprofitable);
  EXPECT_EQ(MustClassify(-0.0), Q::kUnprofitable);
  EXPECT_EQ(MustClassify(-5e-324), Q::kHighlyUnprofitable);
  EXPECT_EQ(MustClassify(-100.0), Q::kHighlyUnprofitable);
}

TEST(ClassifyProfitabilityTest, CustomThresholds) {
  const ProfitabilityThresholds t = Thresholds(1000.0, 50.0);
  EXPECT_EQ(MustClassify(1000.0, t), Q::kHighlyProfitable);
  EXPECT_EQ(MustClassify(std::nextafter(1000.0, 0.0), t), Q::kProfitable);
  EXPECT_EQ(MustClassify(0.01, t), Q::kProfitable);
  EXPECT_EQ(MustClassify(0.0, t), Q::kUnprofitable);
  EXPECT_EQ(MustClassify(-50.0, t), Q::kUnprofitable);
  EXPECT_EQ(MustClassify(std::nextafter(-50.0, -100.0), t), Q::kHighlyUnprofitable);
}

TEST(ClassifyProfitabilityTest, RejectsNonFiniteProfit) {
  for (const double bad : {kNaN, kInf, -kInf}) {
    const absl::Status status = ClassifyProfitability(bad).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(status.message(), HasSubstr("profit must be finite"));
  }
  EXPECT_THAT(ClassifyProfitability(-kInf).status().message(), HasSubstr("got -inf"));
}

TEST(ClassifyProfitabilityTest, RejectsInvalidThresholds) {
  const absl::Status status = ClassifyProfitability(1.0, Thresholds(0.0, 0.0)).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("high_profit must be finite and > 0, got 0"));
}

TEST(QuadrantStrategyTest, EnglishFollowsSection2_8) {
  static_assert(!QuadrantStrategyEn(Q::kHighlyProfitable).empty());
  EXPECT_THAT(std::string(QuadrantStrategyEn(Q::kHighlyProfitable)), HasSubstr("lose none"));
  EXPECT_THAT(std::string(QuadrantStrategyEn(Q::kProfitable)), HasSubstr("raise them"));
  EXPECT_THAT(std::string(QuadrantStrategyEn(Q::kUnprofitable)), HasSubstr("cost to serve"));
  EXPECT_THAT(std::string(QuadrantStrategyEn(Q::kHighlyUnprofitable)), HasSubstr("exiting"));
  EXPECT_EQ(QuadrantStrategyEn(static_cast<Q>(4)), "invalid");
}

TEST(QuadrantStrategyTest, ChineseFollowsSection2_8) {
  EXPECT_THAT(std::string(QuadrantStrategyZh(Q::kHighlyProfitable)), HasSubstr("一个也不能流失"));
  EXPECT_THAT(std::string(QuadrantStrategyZh(Q::kProfitable)), HasSubstr("提升其等级"));
  EXPECT_THAT(std::string(QuadrantStrategyZh(Q::kUnprofitable)), HasSubstr("降低服务成本"));
  EXPECT_THAT(std::string(QuadrantStrategyZh(Q::kHighlyUnprofitable)), HasSubstr("淘汰"));
  EXPECT_EQ(QuadrantStrategyZh(static_cast<Q>(-1)), "invalid");
}

TEST(QuadrantStrategyTest, EveryQuadrantHasItsOwnStrategy) {
  std::set<std::string> en, zh;
  for (const Q q : AllValues<Q>()) {
    en.emplace(QuadrantStrategyEn(q));
    zh.emplace(QuadrantStrategyZh(q));
  }
  EXPECT_EQ(en.size(), TaxonomySize<Q>());
  EXPECT_EQ(zh.size(), TaxonomySize<Q>());
  EXPECT_EQ(en.count("invalid"), 0u);
}

}  // namespace
}  // namespace crmcore

// Tests for include/crmcore/loyalty.h (docs/domain.md §4.1–§4.3 and the loyalty class of §2.3).
#include "crmcore/loyalty.h"

#include <array>
#include <boost/multiprecision/cpp_bin_float.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace {

using ::boost::multiprecision::cpp_bin_float_50;
using ::testing::HasSubstr;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMax = std::numeric_limits<double>::max();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();

// Expects `result` to carry `code` and a message containing every one of `parts`.
template <typename T>
void ExpectError(const absl::StatusOr<T>& result, absl::StatusCode code,
                 const std::vector<std::string>& parts) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), code) << result.status();
  for (const std::string& part : parts) {
    EXPECT_THAT(result.status().message(), HasSubstr(part));
  }
}
void ExpectError(const absl::Status& status, absl::StatusCode code,
                 const std::vector<std::string>& parts) {
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), code) << status;
  for (const std::string& part : parts) EXPECT_THAT(status.message(), HasSubstr(part));
}

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

std::string IdOf(LoyaltyIndicator indicator) { return std::string(Id(indicator)); }

// ---------------------------------------------------------------------------
// §4.1 Ladder rule

TEST(LadderRuleTest, DefaultsAreTheMaterials) {
  const LadderRule rule;
  EXPECT_EQ(rule.client_min_active_periods, 3);
  EXPECT_EQ(rule.client_window_periods, 4);
  EXPECT_EQ(rule.promoter_min_score, 9);
  EXPECT_EQ(rule.advocate_min_referrals, 1);
  EXPECT_TRUE(rule.Validate().ok());
}

TEST(LadderRuleTest, AcceptsEdgesOfEachRange) {
  EXPECT_TRUE(
      (LadderRule{.client_min_active_periods = 4, .client_window_periods = 4}).Validate().ok());
  EXPECT_TRUE(
      (LadderRule{.client_min_active_periods = 1, .client_window_periods = 1}).Validate().ok());
  EXPECT_TRUE((LadderRule{.promoter_min_score = 0}).Validate().ok());
  EXPECT_TRUE((LadderRule{.promoter_min_score = 10}).Validate().ok());
}

TEST(LadderRuleTest, RejectsBadThresholds) {
  ExpectError((LadderRule{.client_window_periods = 0}).Validate(), kInvalid,
              {"client_window_periods", "got 0"});
  ExpectError((LadderRule{.client_min_active_periods = 0}).Validate(), kInvalid,
              {"client_min_active_periods", "got 0"});
  ExpectError((LadderRule{.client_min_active_periods = -2}).Validate(), kInvalid,
              {"client_min_active_periods", "got -2"});
  ExpectError((LadderRule{.client_min_active_periods = 5}).Validate(), kInvalid,
              {"client_min_active_periods must be <= client_window_periods (4)", "got 5"});
  ExpectError((LadderRule{.promoter_min_score = -1}).Validate(), kInvalid,
              {"promoter_min_score", "got -1"});
  ExpectError((LadderRule{.promoter_min_score = 11}).Validate(), kInvalid,
              {"promoter_min_score", "got 11"});
  ExpectError((LadderRule{.advocate_min_referrals = 0}).Validate(), kInvalid,
              {"advocate_min_referrals", "got 0"});
}

// ---------------------------------------------------------------------------
// §4.1 Ladder rung of one customer

LadderFacts Prospect(bool need, bool ability, bool flag) {
  return LadderFacts{
      .qualified_need = need, .qualified_ability = ability, .disqualified_flag = flag};
}

LadderFacts Buyer(int64_t purchases, int active, int64_t referrals = 0,
                  std::optional<int> score = std::nullopt) {
  return LadderFacts{.purchase_count = purchases,
                     .active_periods_in_window = active,
                     .referrals = referrals,
                     .survey_score = score};
}

LadderRung RungOf(const LadderFacts& facts, const LadderRule& rule = {}) {
  const absl::StatusOr<LadderRung> rung = ClassifyLadderRung(facts, rule);
  EXPECT_TRUE(rung.ok()) << rung.status();
  return rung.value_or(static_cast<LadderRung>(-1));
}

TEST(ClassifyLadderRungTest, NonPurchasersByQualification) {
  // need, ability, flag
  EXPECT_EQ(RungOf(Prospect(false, false, false)), LadderRung::kSuspect);
  EXPECT_EQ(RungOf(Prospect(false, true, false)), LadderRung::kSuspect);  // ability, no need
  EXPECT_EQ(RungOf(Prospect(true, false, false)), LadderRung::kDisqualifiedProspect);
  EXPECT_EQ(RungOf(Prospect(true, true, false)), LadderRung::kProspect);
  // The host's flag wins over every qualification fact.
  EXPECT_EQ(RungOf(Prospect(false, false, true)), LadderRung::kDisqualifiedProspect);
  EXPECT_EQ(RungOf(Prospect(false, true, true)), LadderRung::kDisqualifiedProspect);
  EXPECT_EQ(RungOf(Prospect(true, false, true)), LadderRung::kDisqualifiedProspect);
  EXPECT_EQ(RungOf(Prospect(true, true, true)), LadderRung::kDisqualifiedProspect);
}

TEST(ClassifyLadderRungTest, NonPurchaserReferralsAndScoresDoNotLiftThem) {
  LadderFacts facts = Prospect(true, true, false);
  facts.referrals = 5;
  facts.survey_score = 10;
  EXPECT_EQ(RungOf(facts), LadderRung::kProspect);
}

TEST(ClassifyLadderRungTest, PurchasersAreNeverSuspectsOrDisqualified) {
  for (bool need : {false, true}) {
    for (bool ability : {false, true}) {
      for (bool flag : {false, true}) {
        LadderFacts facts = Prospect(need, ability, flag);
        facts.purchase_count = 1;
        EXPECT_EQ(RungOf(facts), LadderRung::kFirstTimeCustomer);
        facts.purchase_count = 2;
        EXPECT_EQ(RungOf(facts), LadderRung::kRepeatCustomer);
      }
    }
  }
}

TEST(ClassifyLadderRungTest, PurchaseCountAroundOneAndTwo) {
  EXPECT_EQ(RungOf(Buyer(1, 0)), LadderRung::kFirstTimeCustomer);
  EXPECT_EQ(RungOf(Buyer(1, 1)), LadderRung::kFirstTimeCustomer);
  EXPECT_EQ(RungOf(Buyer(2, 0)), LadderRung::kRepeatCustomer);
  EXPECT_EQ(RungOf(Buyer(2, 2)), LadderRung::kRepeatCustomer);
}

TEST(ClassifyLadderRungTest, ClientNeedsThreeOfTheLastFourPeriods) {
  EXPECT_EQ(RungOf(Buyer(50, 2)), LadderRung::kRepeatCustomer);  // just below
  EXPECT_EQ(RungOf(Buyer(3, 3)), LadderRung::kClient);           // at
  EXPECT_EQ(RungOf(Buyer(50, 4)), LadderRung::kClient);          // above
}

TEST(ClassifyLadderRungTest, ReferralsAndScoresLiftOnlyClients) {
  EXPECT_EQ(RungOf(Buyer(1, 1, 3, 10)), LadderRung::kFirstTimeCustomer);
  EXPECT_EQ(RungOf(Buyer(5, 2, 3, 10)), LadderRung::kRepeatCustomer);
  EXPECT_EQ(RungOf(Buyer(5, 3, 3, 10)), LadderRung::kAdvocate);
}

TEST(ClassifyLadderRungTest, AdvocateByReferralsAroundOne) {
  EXPECT_EQ(RungOf(Buyer(5, 3, 0)), LadderRung::kClient);
  EXPECT_EQ(RungOf(Buyer(5, 3, 1)), LadderRung::kAdvocate);
  EXPECT_EQ(RungOf(Buyer(5, 3, 7)), LadderRung::kAdvocate);
}

TEST(ClassifyLadderRungTest, AdvocateByPromoterScoreAroundNine) {
  EXPECT_EQ(RungOf(Buyer(5, 3, 0, std::nullopt)), LadderRung::kClient);
  EXPECT_EQ(RungOf(Buyer(5, 3, 0, 0)), LadderRung::kClient);
  EXPECT_EQ(RungOf(Buyer(5, 3, 0, 8)), LadderRung::kClient);
  EXPECT_EQ(RungOf(Buyer(5, 3, 0, 9)), LadderRung::kAdvocate);
  EXPECT_EQ(RungOf(Buyer(5, 3, 0, 10)), LadderRung::kAdvocate);
}

TEST(ClassifyLadderRungTest, CustomRuleMovesEveryThreshold) {
  const LadderRule rule{.client_min_active_periods = 5,
                        .client_window_periods = 6,
                        .promoter_min_score = 10,
                        .advocate_min_referrals = 3};
  EXPECT_EQ(RungOf(Buyer(9, 4), rule), LadderRung::kRepeatCustomer);
  EXPECT_EQ(RungOf(Buyer(9, 5), rule), LadderRung::kClient);
  EXPECT_EQ(RungOf(Buyer(9, 6), rule), LadderRung::kClient);
  EXPECT_EQ(RungOf(Buyer(9, 5, 2, 9), rule), LadderRung::kClient);
  EXPECT_EQ(RungOf(Buyer(9, 5, 3), rule), LadderRung::kAdvocate);
  EXPECT_EQ(RungOf(Buyer(9, 5, 0, 10), rule), LadderRung::kAdvocate);
  ExpectError(ClassifyLadderRung(Buyer(9, 7), rule), kInvalid,
              {"active_periods_in_window", "client_window_periods = 6", "got 7"});
}

TEST(ClassifyLadderRungTest, ClientIsAlwaysARepeatBuyer) {
  const LadderRule one_period{.client_min_active_periods = 1, .client_window_periods = 1};
  EXPECT_EQ(RungOf(Buyer(1, 1), one_period), LadderRung::kFirstTimeCustomer);
  EXPECT_EQ(RungOf(Buyer(2, 0), one_period), LadderRung::kRepeatCustomer);
  EXPECT_EQ(RungOf(Buyer(2, 1), one_period), LadderRung::kClient);
}

TEST(ClassifyLadderRungTest, RejectsImpossibleFacts) {
  ExpectError(ClassifyLadderRung(Buyer(-1, 0)), kInvalid, {"purchase_count", "got -1"});
  ExpectError(ClassifyLadderRung(Buyer(3, 3, -2)), kInvalid, {"referrals", "got -2"});
  ExpectError(ClassifyLadderRung(Buyer(3, -1)), kInvalid, {"active_periods_in_window", "got -1"});
  ExpectError(ClassifyLadderRung(Buyer(9, 5)), kInvalid,
              {"active_periods_in_window", "client_window_periods = 4", "got 5"});
  ExpectError(ClassifyLadderRung(Buyer(2, 3)), kInvalid,
              {"active_periods_in_window must be <= purchase_count (2)", "got 3"});
  ExpectError(ClassifyLadderRung(Buyer(0, 1)), kInvalid,
              {"active_periods_in_window must be <= purchase_count (0)", "got 1"});
  ExpectError(ClassifyLadderRung(Buyer(3, 3, 0, -1)), kInvalid, {"survey_score", "got -1"});
  ExpectError(ClassifyLadderRung(Buyer(3, 3, 0, 11)), kInvalid, {"survey_score", "got 11"});
}

TEST(ClassifyLadderRungTest, RejectsABadRule) {
  ExpectError(ClassifyLadderRung(Buyer(3, 3), LadderRule{.promoter_min_score = 12}), kInvalid,
              {"promoter_min_score", "got 12"});
}

// ---------------------------------------------------------------------------
// §4.1 Ladder funnel (梯度推进)

// 40 suspects, 20 prospects, 10 disqualified, 15 first-time, 8 repeat, 5 clients, 2 advocates.
std::vector<LadderRung> SamplePopulation() {
  const std::array<int, 7> counts = {40, 20, 10, 15, 8, 5, 2};
  std::vector<LadderRung> rungs;
  for (LadderRung rung : AllValues<LadderRung>()) {
    for (int i = 0; i < counts[static_cast<std::size_t>(rung)]; ++i) rungs.push_back(rung);
  }
  return rungs;
}

TEST(LadderFunnelTest, CountsEachRung) {
  const absl::StatusOr<LadderFunnel> funnel = BuildLadderFunnel(SamplePopulation());
  ASSERT_TRUE(funnel.ok()) << funnel.status();
  EXPECT_EQ(funnel->count, (std::array<int64_t, 7>{40, 20, 10, 15, 8, 5, 2}));
  EXPECT_TRUE(funnel->Validate().ok());
}

TEST(LadderFunnelTest, AtOrAboveFollowsTheMainLadder) {
  const LadderFunnel funnel = *BuildLadderFunnel(SamplePopulation());
  EXPECT_EQ(funnel.AtOrAbove(LadderRung::kSuspect), 100);  // everyone
  EXPECT_EQ(funnel.AtOrAbove(LadderRung::kProspect), 50);  // 20 + 15 + 8 + 5 + 2
  EXPECT_EQ(funnel.AtOrAbove(LadderRung::kDisqualifiedProspect), 10);
  EXPECT_EQ(funnel.AtOrAbove(LadderRung::kFirstTimeCustomer), 30);
  EXPECT_EQ(funnel.AtOrAbove(LadderRung::kRepeatCustomer), 15);
  EXPECT_EQ(funnel.AtOrAbove(LadderRung::kClient), 7);
  EXPECT_EQ(funnel.AtOrAbove(LadderRung::kAdvocate), 2);
}

TEST(LadderFunnelTest, ConversionToNextHandWorked) {
  const LadderFunnel funnel = *BuildLadderFunnel(SamplePopulation());
  EXPECT_EQ(*funnel.ConversionToNext(LadderRung::kSuspect), 0.5);            // 50 / 100
  EXPECT_EQ(*funnel.ConversionToNext(LadderRung::kProspect), 0.6);           // 30 / 50
  EXPECT_EQ(*funnel.ConversionToNext(LadderRung::kFirstTimeCustomer), 0.5);  // 15 / 30
  EXPECT_EQ(*funnel.ConversionToNext(LadderRung::kRepeatCustomer), 7.0 / 15.0);
  EXPECT_EQ(*funnel.ConversionToNext(LadderRung::kClient), 2.0 / 7.0);
}

TEST(LadderFunnelTest, DisqualifiedLowerQualificationButNotPurchaseConversion) {
  LadderFunnel funnel = *BuildLadderFunnel(SamplePopulation());
  funnel.count[static_cast<std::size_t>(LadderRung::kDisqualifiedProspect)] += 100;
  EXPECT_EQ(*funnel.ConversionToNext(LadderRung::kSuspect), 0.25);  // 50 / 200
  EXPECT_EQ(*funnel.ConversionToNext(LadderRung::kProspect), 0.6);  // unchanged
}

TEST(LadderFunnelTest, EmptyPopulationCountsZeroAndHasNoConversion) {
  const absl::StatusOr<LadderFunnel> funnel = BuildLadderFunnel({});
  ASSERT_TRUE(funnel.ok());
  for (LadderRung rung : AllValues<LadderRung>()) EXPECT_EQ(funnel->AtOrAbove(rung), 0);
  ExpectError(funnel->ConversionToNext(LadderRung::kSuspect), kInvalid,
              {"'suspect'", "no customer at or above it (0)"});
}

TEST(LadderFunnelTest, ConversionFromAnEmptyRungIsAnErrorIntoOneIsZero) {
  const LadderFunnel funnel = *BuildLadderFunnel(
      std::vector<LadderRung>{LadderRung::kSuspect, LadderRung::kDisqualifiedProspect});
  EXPECT_EQ(*funnel.ConversionToNext(LadderRung::kSuspect), 0.0);
  ExpectError(funnel.ConversionToNext(LadderRung::kProspect), kInvalid,
              {"'prospect'", "no customer at or above it"});
  ExpectError(funnel.ConversionToNext(LadderRung::kClient), kInvalid, {"'client'"});
}

TEST(LadderFunnelTest, RungsWithoutANextRungAreErrors) {
  const LadderFunnel funnel = *BuildLadderFunnel(SamplePopulation());
  ExpectError(funnel.ConversionToNext(LadderRung::kAdvocate), kInvalid,
              {"'advocate'", "no next rung"});
  ExpectError(funnel.ConversionToNext(LadderRung::kDisqualifiedProspect), kInvalid,
              {"'disqualified_prospect'", "no next rung"});
}

TEST(LadderFunnelTest, InvalidRungValues) {
  const LadderFunnel funnel = *BuildLadderFunnel(SamplePopulation());
  EXPECT_EQ(funnel.AtOrAbove(static_cast<LadderRung>(7)), -1);
  EXPECT_EQ(funnel.AtOrAbove(static_cast<LadderRung>(-1)), -1);
  ExpectError(funnel.ConversionToNext(static_cast<LadderRung>(7)), kInvalid,
              {"rung must be a LadderRung", "got 7"});
  ExpectError(funnel.ConversionToNext(static_cast<LadderRung>(-3)), kInvalid, {"got -3"});
}

TEST(LadderFunnelTest, BuildNamesTheIndexOfABadRung) {
  const std::vector<LadderRung> rungs = {LadderRung::kSuspect, LadderRung::kAdvocate,
                                         static_cast<LadderRung>(7)};
  ExpectError(BuildLadderFunnel(rungs), kInvalid, {"rungs[2]", "got 7"});
  const std::vector<LadderRung> negative = {static_cast<LadderRung>(-1)};
  ExpectError(BuildLadderFunnel(negative), kInvalid, {"rungs[0]", "got -1"});
}

TEST(LadderFunnelTest, HandBuiltFunnelIsValidated) {
  LadderFunnel negative;
  negative.count[static_cast<std::size_t>(LadderRung::kRepeatCustomer)] = -4;
  ExpectError(negative.Validate(), kInvalid, {"'repeat_customer'", "got -4"});
  EXPECT_EQ(negative.AtOrAbove(LadderRung::kSuspect), -1);
  ExpectError(negative.ConversionToNext(LadderRung::kSuspect), kInvalid, {"got -4"});

  LadderFunnel full;
  full.count[0] = kInt64Max;
  EXPECT_TRUE(full.Validate().ok());
  EXPECT_EQ(full.AtOrAbove(LadderRung::kSuspect), kInt64Max);
  EXPECT_EQ(*full.ConversionToNext(LadderRung::kSuspect), 0.0);

  LadderFunnel overflowing = full;
  overflowing.count[static_cast<std::size_t>(LadderRung::kAdvocate)] = 1;
  ExpectError(overflowing.Validate(), absl::StatusCode::kOutOfRange, {"overflows", "'advocate'"});
  EXPECT_EQ(overflowing.AtOrAbove(LadderRung::kAdvocate), -1);
  ExpectError(overflowing.ConversionToNext(LadderRung::kClient), absl::StatusCode::kOutOfRange,
              {"overflows"});
}

// ---------------------------------------------------------------------------
// §4.2 Loyalty levels

static_assert(LoyaltyLevelBasis(LoyaltyLevel::kImpulsive) == "intention-based");
static_assert(IsMoreDeveloped(LoyaltyLevel::kBehavioural, LoyaltyLevel::kImpulsive));

TEST(LoyaltyLevelTest, BasisOfEachLevel) {
  EXPECT_EQ(LoyaltyLevelBasis(LoyaltyLevel::kImpulsive), "intention-based");
  EXPECT_EQ(LoyaltyLevelBasis(LoyaltyLevel::kAffective), "preference-based");
  EXPECT_EQ(LoyaltyLevelBasis(LoyaltyLevel::kCognitive), "information-based");
  EXPECT_EQ(LoyaltyLevelBasis(LoyaltyLevel::kBehavioural), "action-based");
  EXPECT_EQ(LoyaltyLevelBasis(static_cast<LoyaltyLevel>(4)), "");
}

TEST(LoyaltyLevelTest, DevelopmentOrderIsImpulsiveAffectiveCognitiveBehavioural) {
  const std::array<LoyaltyLevel, 4> order = {LoyaltyLevel::kImpulsive, LoyaltyLevel::kAffective,
                                             LoyaltyLevel::kCognitive, LoyaltyLevel::kBehavioural};
  for (std::size_t i = 0; i < order.size(); ++i) {
    for (std::size_t j = 0; j < order.size(); ++j) {
      EXPECT_EQ(IsMoreDeveloped(order[i], order[j]), i > j) << i << " vs " << j;
    }
  }
}

TEST(LoyaltyLevelTest, InvalidLevelsAreNeverMoreDeveloped) {
  EXPECT_FALSE(IsMoreDeveloped(static_cast<LoyaltyLevel>(9), LoyaltyLevel::kImpulsive));
  EXPECT_FALSE(IsMoreDeveloped(LoyaltyLevel::kBehavioural, static_cast<LoyaltyLevel>(-1)));
}

// ---------------------------------------------------------------------------
// §4.3 Loyalty index

TEST(LoyaltyIndexTest, InverseIndicators) {
  EXPECT_FALSE(IsInverseLoyaltyIndicator(LoyaltyIndicator::kRepeatPurchaseRate));
  EXPECT_TRUE(IsInverseLoyaltyIndicator(LoyaltyIndicator::kTimeSpentChoosing));
  EXPECT_FALSE(IsInverseLoyaltyIndicator(LoyaltyIndicator::kAttentionToOurBrand));
  EXPECT_TRUE(IsInverseLoyaltyIndicator(LoyaltyIndicator::kAttentionToCompetitors));
  EXPECT_TRUE(IsInverseLoyaltyIndicator(LoyaltyIndicator::kPriceSensitivity));
  EXPECT_FALSE(IsInverseLoyaltyIndicator(LoyaltyIndicator::kProductApproval));
  EXPECT_FALSE(IsInverseLoyaltyIndicator(LoyaltyIndicator::kQualityTolerance));
}

std::array<LoyaltyReading, 7> AllAt(double value) {
  std::array<LoyaltyReading, 7> readings;
  readings.fill(LoyaltyReading{value, 1.0, 5.0});
  return readings;
}

std::array<LoyaltyReading, 7> MostLoyal() {
  std::array<LoyaltyReading, 7> readings = AllAt(5.0);
  for (LoyaltyIndicator indicator : AllValues<LoyaltyIndicator>()) {
    if (IsInverseLoyaltyIndicator(indicator)) {
      readings[static_cast<std::size_t>(indicator)].value = 1.0;
    }
  }
  return readings;
}

TEST(LoyaltyIndexTest, ExtremesOfTheScales) {
  EXPECT_EQ(*LoyaltyIndex(MostLoyal()), 1.0);
  EXPECT_DOUBLE_EQ(*LoyaltyIndex(AllAt(5.0)), 4.0 / 7.0);  // four direct at 1, three inverse at 0
  EXPECT_DOUBLE_EQ(*LoyaltyIndex(AllAt(1.0)), 3.0 / 7.0);
  EXPECT_EQ(*LoyaltyIndex(AllAt(3.0)), 0.5);
  std::array<LoyaltyReading, 7> least = MostLoyal();
  for (LoyaltyReading& reading : least) reading.value = 6.0 - reading.value;
  EXPECT_EQ(*LoyaltyIndex(least), 0.0);
}

TEST(LoyaltyIndexTest, InverseIndicatorCountsAsOneMinusNormalized) {
  // Only price sensitivity weighs: 2 on [0, 8] normalizes to 0.25, counts as 0.75.
  std::array<LoyaltyReading, 7> readings = AllAt(3.0);
  readings[static_cast<std::size_t>(LoyaltyIndicator::kPriceSensitivity)] = {2.0, 0.0, 8.0};
  LoyaltyIndexWeights weights;
  weights.weight.fill(0.0);
  weights.weight[static_cast<std::size_t>(LoyaltyIndicator::kPriceSensitivity)] = 2.5;
  EXPECT_EQ(*LoyaltyIndex(readings, weights), 0.75);
  // The same reading on a direct indicator counts as 0.25.
  readings[static_cast<std::size_t>(LoyaltyIndicator::kProductApproval)] = {2.0, 0.0, 8.0};
  weights.weight.fill(0.0);
  weights.weight[static_cast<std::size_t>(LoyaltyIndicator::kProductApproval)] = 1.0;
  EXPECT_EQ(*LoyaltyIndex(readings, weights), 0.25);
}

// Readings on different scales and unequal weights, against a 50-digit reference.
TEST(LoyaltyIndexTest, MatchesHighPrecisionReference) {
  const std::array<LoyaltyReading, 7> readings = {{
      {0.62, 0.0, 1.0},   // repeat-purchase rate
      {17.0, 2.0, 45.0},  // minutes spent choosing (inverse)
      {3.7, 1.0, 5.0},    // attention to our brand
      {0.3, 0.0, 1.0},    // attention to competitors (inverse)
      {-0.4, -2.0, 1.5},  // price elasticity score (inverse)
      {8.1, 0.0, 10.0},   // product approval
      {2.2, 1.0, 7.0},    // quality tolerance
  }};
  const LoyaltyIndexWeights weights{{0.3, 0.1, 0.15, 0.05, 0.2, 0.13, 0.07}};
  cpp_bin_float_50 weighted = 0, total = 0;
  for (LoyaltyIndicator indicator : AllValues<LoyaltyIndicator>()) {
    const std::size_t i = static_cast<std::size_t>(indicator);
    const cpp_bin_float_50 v = readings[i].value, lo = readings[i].min, hi = readings[i].max;
    cpp_bin_float_50 score = (v - lo) / (hi - lo);
    if (IsInverseLoyaltyIndicator(indicator)) score = 1 - score;
    weighted += cpp_bin_float_50(weights.weight[i]) * score;
    total += weights.weight[i];
  }
  const double expected = static_cast<double>(weighted / total);
  const absl::StatusOr<double> index = LoyaltyIndex(readings, weights);
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_NEAR(*index, expected, 1e-15);
  EXPECT_NEAR(*index, 0.61524, 1e-5);  // the weights sum to 1: Σ w·score by hand
}

TEST(LoyaltyIndexTest, OnlyWeightRatiosMatter) {
  const std::array<LoyaltyReading, 7> readings = {{{0.62, 0.0, 1.0},
                                                   {17.0, 2.0, 45.0},
                                                   {3.7, 1.0, 5.0},
                                                   {0.3, 0.0, 1.0},
                                                   {-0.4, -2.0, 1.5},
                                                   {8.1, 0.0, 10.0},
                                                   {2.2, 1.0, 7.0}}};
  const LoyaltyIndexWeights small{{3, 1, 2, 1, 2, 4, 1}};
  LoyaltyIndexWeights huge = small;
  for (double& w : huge.weight) w *= 1e307;  // their plain sum would overflow
  EXPECT_NEAR(*LoyaltyIndex(readings, small), *LoyaltyIndex(readings, huge), 1e-15);
}

TEST(LoyaltyIndexTest, ValuesAtTheScaleBoundsAndWideScales) {
  std::array<LoyaltyReading, 7> readings = AllAt(3.0);
  readings[0] = {0.0, -kMax, kMax};  // midpoint of the widest scale: 0.5
  EXPECT_EQ(*LoyaltyIndex(readings), 0.5);
  readings[0] = {kMax, -kMax, kMax};
  EXPECT_TRUE(LoyaltyIndex(readings).ok());
}

TEST(LoyaltyIndexTest, RejectsBadReadingsNamingTheIndicator) {
  const LoyaltyIndicator tolerance = LoyaltyIndicator::kQualityTolerance;
  const std::size_t i = static_cast<std::size_t>(tolerance);
  EXPECT_EQ(IdOf(tolerance), "quality_tolerance");
  struct Case {
    LoyaltyReading reading;
    std::vector<std::string> parts;
  };
  const std::vector<Case> cases = {
      {{kNaN, 1.0, 5.0}, {"must be finite", "value nan"}},
      {{3.0, -kInf, 5.0}, {"must be finite", "[-inf, 5]"}},
      {{3.0, 1.0, kInf}, {"must be finite", "[1, inf]"}},
      {{3.0, 1.0, kNaN}, {"must be finite", "nan"}},
      {{3.0, 3.0, 3.0}, {"min < max", "[3, 3]"}},
      {{3.0, 5.0, 1.0}, {"min < max", "[5, 1]"}},
      {{0.999, 1.0, 5.0}, {"must lie in [1, 5]", "got 0.999"}},
      {{5.0001, 1.0, 5.0}, {"must lie in [1, 5]", "got 5.0001"}},
  };
  for (const Case& c : cases) {
    std::array<LoyaltyReading, 7> readings = AllAt(3.0);
    readings[i] = c.reading;
    std::vector<std::string> parts = c.parts;
    parts.push_back("loyalty index: ");
    parts.push_back(" quality_tolerance ");  // named bare, not quoted
    ExpectError(LoyaltyIndex(readings), kInvalid, parts);
  }
}

TEST(LoyaltyIndexTest, RejectsBadWeightsNamingTheIndicator) {
  const std::size_t i = static_cast<std::size_t>(LoyaltyIndicator::kAttentionToCompetitors);
  const std::string name = IdOf(LoyaltyIndicator::kAttentionToCompetitors);
  for (double bad : {-0.5, kNaN, kInf, -kInf}) {
    LoyaltyIndexWeights weights;
    weights.weight[i] = bad;
    // Named bare, not quoted.
    const std::string expected =
        "loyalty index: weight of " + name + " must be finite and >= 0, got " + FormatDouble(bad);
    ExpectError(weights.Validate(), kInvalid, {expected});
    ExpectError(LoyaltyIndex(AllAt(3.0), weights), kInvalid, {expected});
  }
  LoyaltyIndexWeights negative;
  negative.weight[i] = -0.5;
  ExpectError(negative.Validate(), kInvalid, {"got -0.5"});

  LoyaltyIndexWeights zero;
  zero.weight.fill(0.0);
  ExpectError(zero.Validate(), kInvalid, {"loyalty index: weights must not all be zero"});
  ExpectError(LoyaltyIndex(AllAt(3.0), zero), kInvalid,
              {"loyalty index: weights must not all be zero"});
  zero.weight[6] = 1e-300;  // one positive weight is enough
  EXPECT_TRUE(zero.Validate().ok());
}

// ---------------------------------------------------------------------------
// §2.3 Loyalty class

LoyaltyClass ClassOf(int64_t purchases, double tenure, int64_t repeat_periods,
                     const LoyaltyClassRule& rule = {}) {
  const absl::StatusOr<LoyaltyClass> result = ClassifyLoyaltyClass(
      LoyaltyClassFacts{
          .purchase_count = purchases, .tenure_periods = tenure, .repeat_periods = repeat_periods},
      rule);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.value_or(static_cast<LoyaltyClass>(-1));
}

TEST(LoyaltyClassRuleTest, Defaults) {
  const LoyaltyClassRule rule;
  EXPECT_EQ(rule.new_max_tenure_periods, 1.0);
  EXPECT_EQ(rule.regular_min_purchases, 2);
  EXPECT_EQ(rule.long_standing_min_tenure_periods, 4.0);
  EXPECT_EQ(rule.long_standing_min_repeat_periods, 2);
  EXPECT_EQ(rule.loyal_min_period_share, 0.75);
  EXPECT_TRUE(rule.Validate().ok());
}

TEST(LoyaltyClassRuleTest, AcceptsEdges) {
  EXPECT_TRUE((LoyaltyClassRule{.new_max_tenure_periods = 0.0}).Validate().ok());
  EXPECT_TRUE((LoyaltyClassRule{.long_standing_min_tenure_periods = 1.0}).Validate().ok());
  EXPECT_TRUE((LoyaltyClassRule{.long_standing_min_repeat_periods = 1}).Validate().ok());
  EXPECT_TRUE((LoyaltyClassRule{.loyal_min_period_share = 1.0}).Validate().ok());
}

TEST(LoyaltyClassRuleTest, RejectsBadOrUnorderedThresholds) {
  ExpectError((LoyaltyClassRule{.new_max_tenure_periods = kNaN}).Validate(), kInvalid,
              {"new_max_tenure_periods", "got nan"});
  ExpectError((LoyaltyClassRule{.new_max_tenure_periods = -0.5}).Validate(), kInvalid,
              {"new_max_tenure_periods", "got -0.5"});
  ExpectError((LoyaltyClassRule{.new_max_tenure_periods = kInf}).Validate(), kInvalid,
              {"new_max_tenure_periods", "got inf"});
  ExpectError(
      (LoyaltyClassRule{.new_max_tenure_periods = 2.0, .long_standing_min_tenure_periods = 1.5})
          .Validate(),
      kInvalid, {"long_standing_min_tenure_periods", "(2)", "got 1.5"});
  ExpectError((LoyaltyClassRule{.long_standing_min_tenure_periods = kInf}).Validate(), kInvalid,
              {"long_standing_min_tenure_periods", "got inf"});
  ExpectError((LoyaltyClassRule{.long_standing_min_tenure_periods = kNaN}).Validate(), kInvalid,
              {"long_standing_min_tenure_periods", "got nan"});
  ExpectError((LoyaltyClassRule{.regular_min_purchases = 1}).Validate(), kInvalid,
              {"regular_min_purchases", "got 1"});
  ExpectError((LoyaltyClassRule{.long_standing_min_repeat_periods = 0}).Validate(), kInvalid,
              {"long_standing_min_repeat_periods", "got 0"});
  ExpectError((LoyaltyClassRule{.loyal_min_period_share = 0.0}).Validate(), kInvalid,
              {"loyal_min_period_share", "got 0"});
  ExpectError((LoyaltyClassRule{.loyal_min_period_share = 1.01}).Validate(), kInvalid,
              {"loyal_min_period_share", "got 1.01"});
  ExpectError((LoyaltyClassRule{.loyal_min_period_share = kNaN}).Validate(), kInvalid,
              {"loyal_min_period_share", "got nan"});
}

TEST(ClassifyLoyaltyClassTest, NoPurchaseIsNotYetACustomer) {
  EXPECT_EQ(ClassOf(0, 0.0, 0), LoyaltyClass::kNotYetCustomer);
}

TEST(ClassifyLoyaltyClassTest, NewAroundOnePurchaseAndOnePeriod) {
  EXPECT_EQ(ClassOf(1, 0.0, 1), LoyaltyClass::kNew);
  EXPECT_EQ(ClassOf(1, 12.0, 1), LoyaltyClass::kNew);  // one purchase long ago is still new
  EXPECT_EQ(ClassOf(2, std::nextafter(1.0, 0.0), 1), LoyaltyClass::kNew);  // just below
  EXPECT_EQ(ClassOf(9, 0.5, 1), LoyaltyClass::kNew);      // many purchases, all in period one
  EXPECT_EQ(ClassOf(2, 1.0, 1), LoyaltyClass::kRegular);  // at
  EXPECT_EQ(ClassOf(2, 1.0, 2), LoyaltyClass::kRegular);
}

TEST(ClassifyLoyaltyClassTest, LongStandingAroundFourPeriodsAndTwoPurchasePeriods) {
  EXPECT_EQ(ClassOf(6, std::nextafter(4.0, 0.0), 4), LoyaltyClass::kRegular);  // 4 of 4, too young
  EXPECT_EQ(ClassOf(6, 4.0, 2), LoyaltyClass::kLongStanding);                  // 2 of 5 periods
  EXPECT_EQ(ClassOf(6, 4.0, 1), LoyaltyClass::kRegular);  // all purchases in one period
  EXPECT_EQ(ClassOf(6, 20.0, 2), LoyaltyClass::kLongStanding);
}

TEST(ClassifyLoyaltyClassTest, LoyalAroundThreeQuartersOfPeriods) {
  // Tenure 7.5 touches floor(7.5) + 1 = 8 periods.
  EXPECT_EQ(ClassOf(9, 7.5, 5), LoyaltyClass::kLongStanding);  // 0.625
  EXPECT_EQ(ClassOf(9, 7.5, 6), LoyaltyClass::kLoyal);         // 0.75 exactly
  EXPECT_EQ(ClassOf(9, 7.5, 8), LoyaltyClass::kLoyal);         // every period
  // Tenure 4.0 touches 5 periods: 3 of 5 = 0.6, 4 of 5 = 0.8.
  EXPECT_EQ(ClassOf(9, 4.0, 3), LoyaltyClass::kLongStanding);
  EXPECT_EQ(ClassOf(9, 4.0, 4), LoyaltyClass::kLoyal);
}

TEST(ClassifyLoyaltyClassTest, CustomRule) {
  const LoyaltyClassRule rule{.new_max_tenure_periods = 2.0,
                              .regular_min_purchases = 3,
                              .long_standing_min_tenure_periods = 10.0,
                              .long_standing_min_repeat_periods = 3,
                              .loyal_min_period_share = 0.5};
  EXPECT_EQ(ClassOf(2, 5.0, 2, rule), LoyaltyClass::kNew);
  EXPECT_EQ(ClassOf(3, 1.9, 2, rule), LoyaltyClass::kNew);
  EXPECT_EQ(ClassOf(3, 2.0, 2, rule), LoyaltyClass::kRegular);
  EXPECT_EQ(ClassOf(9, 9.9, 9, rule), LoyaltyClass::kRegular);
  EXPECT_EQ(ClassOf(9, 10.0, 2, rule), LoyaltyClass::kRegular);       // 2 purchase periods < 3
  EXPECT_EQ(ClassOf(9, 10.0, 3, rule), LoyaltyClass::kLongStanding);  // 3 of 11
  EXPECT_EQ(ClassOf(9, 11.0, 6, rule), LoyaltyClass::kLoyal);         // 6 of 12 = 0.5
}

TEST(ClassifyLoyaltyClassTest, RejectsImpossibleFacts) {
  const auto classify = [](int64_t purchases, double tenure, int64_t repeat) {
    return ClassifyLoyaltyClass(LoyaltyClassFacts{
        .purchase_count = purchases, .tenure_periods = tenure, .repeat_periods = repeat});
  };
  ExpectError(classify(-1, 0.0, 0), kInvalid, {"purchase_count", "got -1"});
  ExpectError(classify(3, kNaN, 1), kInvalid, {"tenure_periods", "got nan"});
  ExpectError(classify(3, kInf, 1), kInvalid, {"tenure_periods", "got inf"});
  ExpectError(classify(3, -0.25, 1), kInvalid, {"tenure_periods", "got -0.25"});
  ExpectError(classify(3, 2.0, -1), kInvalid, {"repeat_periods", "got -1"});
  ExpectError(classify(3, 9.0, 4), kInvalid, {"purchase_count = 3", "got 4"});
  ExpectError(classify(0, 2.5, 0), kInvalid,
              {"tenure_periods must be 0 without a purchase", "got 2.5"});
  ExpectError(classify(3, 2.0, 0), kInvalid, {"repeat_periods", "for a buyer", "got 0"});
  ExpectError(classify(5, 1.5, 3), kInvalid, {"floor(tenure_periods) + 1 = 2", "got 3"});
  EXPECT_EQ(ClassOf(5, 1.5, 2), LoyaltyClass::kRegular);  // 2 of 2 touched periods is fine
}

TEST(ClassifyLoyaltyClassTest, RejectsABadRule) {
  ExpectError(
      ClassifyLoyaltyClass(LoyaltyClassFacts{}, LoyaltyClassRule{.regular_min_purchases = 0}),
      kInvalid, {"regular_min_purchases", "got 0"});
}

}  // namespace
}  // namespace crmcore

namespace crmcore {
namespace {

TEST(LoyaltyMeasuresTest, RetentionRate) {
  EXPECT_DOUBLE_EQ(*RetentionRate(200, 150), 0.75);
  EXPECT_EQ(*RetentionRate(5, 0), 0.0);
  EXPECT_EQ(*RetentionRate(5, 5), 1.0);
  EXPECT_THAT(RetentionRate(0, 0).status().message(), ::testing::HasSubstr("undefined"));
  EXPECT_THAT(RetentionRate(10, 11).status().message(),
              ::testing::HasSubstr("retained (11) exceeds customers_at_start (10)"));
  EXPECT_EQ(RetentionRate(-1, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RetentionRate(10, -1).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(LoyaltyMeasuresTest, ShareOfWallet) {
  EXPECT_DOUBLE_EQ(*ShareOfWallet(30.0, 120.0), 0.25);
  EXPECT_EQ(*ShareOfWallet(0.0, 1.0), 0.0);
  EXPECT_EQ(*ShareOfWallet(7.5, 7.5), 1.0);
  EXPECT_THAT(ShareOfWallet(0.0, 0.0).status().message(), ::testing::HasSubstr("undefined"));
  EXPECT_THAT(ShareOfWallet(2.0, 1.0).status().message(),
              ::testing::HasSubstr("our_spend (2) exceeds category_spend (1)"));
  EXPECT_THAT(ShareOfWallet(std::numeric_limits<double>::quiet_NaN(), 1.0).status().message(),
              ::testing::HasSubstr("got our_spend = nan"));
  EXPECT_FALSE(ShareOfWallet(1.0, std::numeric_limits<double>::infinity()).ok());
  EXPECT_FALSE(ShareOfWallet(-1.0, 1.0).ok());
}

}  // namespace
}  // namespace crmcore

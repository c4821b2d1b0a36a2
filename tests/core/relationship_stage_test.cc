// Tests for include/crmcore/relationship_stage.h (docs/domain.md §2.1 default rule).
#include "crmcore/relationship_stage.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace {

using ::testing::HasSubstr;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

double Below(double x) { return std::nextafter(x, -kInf); }
double Above(double x) { return std::nextafter(x, kInf); }

void ExpectInvalid(const absl::StatusOr<RelationshipStage>& result,
                   const std::vector<std::string>& parts) {
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << result.status();
  for (const std::string& part : parts) {
    EXPECT_THAT(result.status().message(), HasSubstr(part));
  }
}

RelationshipFacts Prospect(bool contacted, bool has_need, bool has_ability) {
  RelationshipFacts facts;
  facts.contacted = contacted;
  facts.has_need = has_need;
  facts.has_ability = has_ability;
  return facts;
}

RelationshipFacts Buyer(int64_t in_window, int64_t ever, std::optional<double> p_alive) {
  RelationshipFacts facts = Prospect(true, true, true);
  facts.purchases_in_window = in_window;
  facts.purchases_ever = ever;
  facts.p_alive = p_alive;
  return facts;
}

TEST(RelationshipStageRuleTest, DefaultIsValid) {
  const RelationshipStageRule rule;
  EXPECT_EQ(rule.lost_p_alive_below, 0.5);
  EXPECT_TRUE(rule.Validate().ok());
  EXPECT_TRUE(RelationshipStageRule{0.0}.Validate().ok());
  EXPECT_TRUE(RelationshipStageRule{1.0}.Validate().ok());
}

TEST(RelationshipStageRuleTest, RejectsThresholdOutsideUnitInterval) {
  for (const double bad : {kNaN, kInf, -kInf, Below(0.0), -0.1, Above(1.0), 1.5}) {
    const absl::Status status = RelationshipStageRule{bad}.Validate();
    ASSERT_FALSE(status.ok()) << bad;
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr("lost_p_alive_below"));
    EXPECT_THAT(status.message(), HasSubstr(FormatDouble(bad)));
  }
  EXPECT_THAT(RelationshipStageRule{1.5}.Validate().message(),
              HasSubstr("lost_p_alive_below must be finite and in [0, 1], got 1.5"));
  ExpectInvalid(ClassifyRelationshipStage({}, {kNaN}), {"lost_p_alive_below", "nan"});
}

// ---------------------------------------------------------------------------
// Before any purchase: non-customer → potential → target.

TEST(ClassifyRelationshipStageTest, NoContactIsNonCustomer) {
  EXPECT_EQ(*ClassifyRelationshipStage({}), RelationshipStage::kNonCustomer);
  // The rule checks contact first: need and ability without contact are not yet known to
  // the firm, so the person is still a non-customer.
  EXPECT_EQ(*ClassifyRelationshipStage(Prospect(false, true, true)),
            RelationshipStage::kNonCustomer);
}

TEST(ClassifyRelationshipStageTest, ContactWithoutQualificationIsPotential) {
  EXPECT_EQ(*ClassifyRelationshipStage(Prospect(true, false, false)),
            RelationshipStage::kPotential);
  EXPECT_EQ(*ClassifyRelationshipStage(Prospect(true, true, false)),
            RelationshipStage::kPotential);
  EXPECT_EQ(*ClassifyRelationshipStage(Prospect(true, false, true)),
            RelationshipStage::kPotential);
}

TEST(ClassifyRelationshipStageTest, ContactWithNeedAndAbilityIsTarget) {
  EXPECT_EQ(*ClassifyRelationshipStage(Prospect(true, true, true)), RelationshipStage::kTarget);
}

TEST(ClassifyRelationshipStageTest, PAliveIsIgnoredWithoutPurchases) {
  RelationshipFacts facts = Prospect(true, true, true);
  facts.p_alive = 0.0;
  EXPECT_EQ(*ClassifyRelationshipStage(facts), RelationshipStage::kTarget);
  facts = Prospect(false, false, false);
  facts.p_alive = 0.01;
  EXPECT_EQ(*ClassifyRelationshipStage(facts), RelationshipStage::kNonCustomer);
}

// ---------------------------------------------------------------------------
// After a purchase: current or lost.

TEST(ClassifyRelationshipStageTest, PurchaseInWindowIsCurrent) {
  EXPECT_EQ(*ClassifyRelationshipStage(Buyer(1, 1, std::nullopt)), RelationshipStage::kCurrent);
  EXPECT_EQ(*ClassifyRelationshipStage(Buyer(3, 12, std::nullopt)), RelationshipStage::kCurrent);
}

TEST(ClassifyRelationshipStageTest, NoPurchaseInWindowIsLost) {
  EXPECT_EQ(*ClassifyRelationshipStage(Buyer(0, 1, std::nullopt)), RelationshipStage::kLost);
  // A model that still believes in the customer does not revive one without a purchase in
  // the window.
  EXPECT_EQ(*ClassifyRelationshipStage(Buyer(0, 7, 1.0)), RelationshipStage::kLost);
}

TEST(ClassifyRelationshipStageTest, PAliveThresholdBoundary) {
  EXPECT_EQ(*ClassifyRelationshipStage(Buyer(2, 5, 0.5)), RelationshipStage::kCurrent);
  EXPECT_EQ(*ClassifyRelationshipStage(Buyer(2, 5, Above(0.5))), RelationshipStage::kCurrent);
  EXPECT_EQ(*ClassifyRelationshipStage(Buyer(2, 5, Below(0.5))), RelationshipStage::kLost);
  EXPECT_EQ(*ClassifyRelationshipStage(Buyer(2, 5, 1.0)), RelationshipStage::kCurrent);
}

TEST(ClassifyRelationshipStageTest, LowPAliveOverridesAPurchaseInWindow) {
  // Documented precedence: the model's "more likely gone than not" wins over an old purchase
  // still inside a long window.
  EXPECT_EQ(*ClassifyRelationshipStage(Buyer(1, 1, 0.0)), RelationshipStage::kLost);
  EXPECT_EQ(*ClassifyRelationshipStage(Buyer(1, 40, 0.02)), RelationshipStage::kLost);
}

TEST(ClassifyRelationshipStageTest, CustomThreshold) {
  const RelationshipStageRule lenient{0.1};
  EXPECT_EQ(*ClassifyRelationshipStage(Buyer(1, 3, 0.3), lenient), RelationshipStage::kCurrent);
  EXPECT_EQ(*ClassifyRelationshipStage(Buyer(1, 3, 0.1), lenient), RelationshipStage::kCurrent);
  EXPECT_EQ(*ClassifyRelationshipStage(Buyer(1, 3, Below(0.1)), lenient),
            RelationshipStage::kLost);
  // 0 switches the P(alive) test off; 1 marks lost anyone the model is not certain of.
  EXPECT_EQ(*ClassifyRelationshipStage(Buyer(1, 3, 0.0), {0.0}), RelationshipStage::kCurrent);
  EXPECT_EQ(*ClassifyRelationshipStage(Buyer(1, 3, 1.0), {1.0}), RelationshipStage::kCurrent);
  EXPECT_EQ(*ClassifyRelationshipStage(Buyer(1, 3, Below(1.0)), {1.0}), RelationshipStage::kLost);
}

TEST(ClassifyRelationshipStageTest, PurchaseHistoryOutranksProspectFlags) {
  // A walk-in buyer the host never recorded as contacted or qualified is still a customer.
  RelationshipFacts walk_in = Prospect(false, false, false);
  walk_in.purchases_in_window = 1;
  walk_in.purchases_ever = 1;
  EXPECT_EQ(*ClassifyRelationshipStage(walk_in), RelationshipStage::kCurrent);
  walk_in.purchases_in_window = 0;
  EXPECT_EQ(*ClassifyRelationshipStage(walk_in), RelationshipStage::kLost);
}

TEST(ClassifyRelationshipStageTest, EveryCombinationFollowsTheRule) {
  for (const bool contacted : {false, true}) {
    for (const bool need : {false, true}) {
      for (const bool ability : {false, true}) {
        for (int64_t ever = 0; ever <= 2; ++ever) {
          for (int64_t in_window = 0; in_window <= ever; ++in_window) {
            for (const std::optional<double> p : {std::optional<double>(), std::optional(0.2),
                                                  std::optional(0.8)}) {
              RelationshipFacts facts = Prospect(contacted, need, ability);
              facts.purchases_ever = ever;
              facts.purchases_in_window = in_window;
              facts.p_alive = p;
              RelationshipStage expected;
              if (ever > 0) {
                const bool gone = in_window == 0 || (p.has_value() && *p < 0.5);
                expected = gone ? RelationshipStage::kLost : RelationshipStage::kCurrent;
              } else if (!contacted) {
                expected = RelationshipStage::kNonCustomer;
              } else {
                expected = need && ability ? RelationshipStage::kTarget
                                           : RelationshipStage::kPotential;
              }
              EXPECT_EQ(*ClassifyRelationshipStage(facts), expected)
                  << contacted << need << ability << " ever=" << ever
                  << " in_window=" << in_window << " p=" << p.value_or(-1);
            }
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Bad facts.

TEST(ClassifyRelationshipStageTest, RejectsNegativeCounts) {
  ExpectInvalid(ClassifyRelationshipStage(Buyer(0, -1, std::nullopt)),
                {"relationship stage: purchases_ever must be >= 0, got -1"});
  ExpectInvalid(ClassifyRelationshipStage(Buyer(-2, 3, std::nullopt)),
                {"purchases_in_window must be >= 0, got -2"});
  ExpectInvalid(
      ClassifyRelationshipStage(Buyer(0, std::numeric_limits<int64_t>::min(), std::nullopt)),
      {"purchases_ever", "-9223372036854775808"});
}

TEST(ClassifyRelationshipStageTest, RejectsMorePurchasesInWindowThanEver) {
  ExpectInvalid(ClassifyRelationshipStage(Buyer(3, 2, std::nullopt)),
                {"purchases_in_window (3) must not exceed purchases_ever (2)"});
  ExpectInvalid(ClassifyRelationshipStage(Buyer(1, 0, std::nullopt)), {"(1)", "(0)"});
}

TEST(ClassifyRelationshipStageTest, RejectsPAliveOutsideUnitInterval) {
  for (const double bad : {kNaN, kInf, -kInf, Below(0.0), -0.1, Above(1.0), 2.0}) {
    ExpectInvalid(ClassifyRelationshipStage(Buyer(1, 1, bad)),
                  {"p_alive", FormatDouble(bad)});
  }
  ExpectInvalid(ClassifyRelationshipStage(Buyer(1, 1, Above(1.0))),
                {"p_alive must be finite and in [0, 1], got 1.0000000000000002"});
  // Also when the person never bought and P(alive) would otherwise be ignored.
  RelationshipFacts facts;
  facts.p_alive = kNaN;
  ExpectInvalid(ClassifyRelationshipStage(facts), {"p_alive", "nan"});
}

}  // namespace
}  // namespace crmcore

// Tests of include/crmcore/grading.h: every (tier, can_upgrade, bad) combination of the §8
// rule, and the action descriptions.
#include "crmcore/grading.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace {

using ::testing::HasSubstr;
using A = GradingAction;
using T = ValueTier;

TEST(RecommendActionTest, KeyCustomersGetDedicatedService) {
  for (const T tier : {T::kVip, T::kMajor}) {
    for (const bool can_upgrade : {false, true}) {
      EXPECT_EQ(RecommendAction(tier, can_upgrade, false), A::kDedicatedService) << tier;
    }
  }
}

TEST(RecommendActionTest, OrdinaryCustomersDevelopOrReduceService) {
  EXPECT_EQ(RecommendAction(T::kOrdinary, true, false), A::kDevelop);
  EXPECT_EQ(RecommendAction(T::kOrdinary, false, false), A::kReduceService);
}

TEST(RecommendActionTest, SmallCustomersGrowOrExitPolitely) {
  EXPECT_EQ(RecommendAction(T::kSmall, true, false), A::kHelpGrow);
  EXPECT_EQ(RecommendAction(T::kSmall, false, false), A::kPoliteExit);
}

TEST(RecommendActionTest, BadCustomersExitWhateverTheirTier) {
  for (const T tier : AllValues<T>()) {
    for (const bool can_upgrade : {false, true}) {
      EXPECT_EQ(RecommendAction(tier, can_upgrade, true), A::kExit) << tier;
    }
  }
}

TEST(RecommendActionTest, UndeclaredTierIsTreatedAsSmallAsDocumented) {
  EXPECT_EQ(RecommendAction(static_cast<T>(9), true, false), A::kHelpGrow);
  EXPECT_EQ(RecommendAction(static_cast<T>(-1), false, false), A::kPoliteExit);
}

TEST(RecommendActionTest, IsConstexpr) {
  static_assert(RecommendAction(T::kVip, false, false) == A::kDedicatedService);
  static_assert(RecommendAction(T::kSmall, false, true) == A::kExit);
  SUCCEED();
}

TEST(GradingActionDescriptionTest, EnglishFollowsSection8) {
  EXPECT_THAT(std::string(GradingActionDescriptionEn(A::kDedicatedService)),
              HasSubstr("concentrate resources"));
  EXPECT_THAT(std::string(GradingActionDescriptionEn(A::kDedicatedService)),
              HasSubstr("dedicated"));
  EXPECT_THAT(std::string(GradingActionDescriptionEn(A::kDevelop)), HasSubstr("upgrade potential"));
  EXPECT_THAT(std::string(GradingActionDescriptionEn(A::kReduceService)),
              HasSubstr("reduce service"));
  EXPECT_THAT(std::string(GradingActionDescriptionEn(A::kHelpGrow)), HasSubstr("help them grow"));
  EXPECT_THAT(std::string(GradingActionDescriptionEn(A::kPoliteExit)),
              HasSubstr("raising prices and lowering the cost to serve"));
  EXPECT_THAT(std::string(GradingActionDescriptionEn(A::kExit)), HasSubstr("Bad customer"));
}

TEST(GradingActionDescriptionTest, ChineseFollowsSection8) {
  const std::string dedicated(GradingActionDescriptionZh(A::kDedicatedService));
  EXPECT_THAT(dedicated, HasSubstr("集中"));
  EXPECT_THAT(dedicated, HasSubstr("专门服务"));
  EXPECT_THAT(std::string(GradingActionDescriptionZh(A::kDevelop)), HasSubstr("培养"));
  EXPECT_THAT(std::string(GradingActionDescriptionZh(A::kReduceService)), HasSubstr("减少服务"));
  EXPECT_THAT(std::string(GradingActionDescriptionZh(A::kHelpGrow)), HasSubstr("帮助其成长"));
  const std::string polite_exit(GradingActionDescriptionZh(A::kPoliteExit));
  EXPECT_THAT(polite_exit, HasSubstr("提高服务价格"));
  EXPECT_THAT(polite_exit, HasSubstr("降低服务成本"));
  EXPECT_THAT(std::string(GradingActionDescriptionZh(A::kExit)), HasSubstr("坚决淘汰"));
}

TEST(GradingActionDescriptionTest, EveryActionHasItsOwnDescription) {
  std::set<std::string> en, zh;
  for (const A action : AllValues<A>()) {
    en.emplace(GradingActionDescriptionEn(action));
    zh.emplace(GradingActionDescriptionZh(action));
  }
  EXPECT_EQ(en.size(), TaxonomySize<A>());
  EXPECT_EQ(zh.size(), TaxonomySize<A>());
  EXPECT_EQ(en.count("invalid"), 0u);
  EXPECT_EQ(GradingActionDescriptionEn(static_cast<A>(6)), "invalid");
  EXPECT_EQ(GradingActionDescriptionZh(static_cast<A>(-1)), "invalid");
}

}  // namespace
}  // namespace crmcore

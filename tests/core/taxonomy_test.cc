#include "crmcore/taxonomy.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace {

using ::testing::HasSubstr;

// Round-trips every value of E through its id, labels and numeric value, and checks
// that ids are unique snake_case and labels are non-empty.
template <Taxonomy E>
void ExpectRoundTrips() {
  SCOPED_TRACE(std::string(TaxonomyName<E>()));
  std::set<std::string> ids;
  int expected_value = 0;
  for (E e : AllValues<E>()) {
    EXPECT_EQ(static_cast<int>(e), expected_value++);
    EXPECT_TRUE(IsValid(e));
    const absl::string_view id = Id(e);
    EXPECT_TRUE(ids.insert(std::string(id)).second) << "duplicate id " << id;
    for (char c : id) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '_') << id;
    EXPECT_FALSE(LabelEn(e).empty());
    EXPECT_FALSE(LabelZh(e).empty());
    auto parsed = Parse<E>(id);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, e);
    auto by_en = ParseLabel<E>(LabelEn(e));
    ASSERT_TRUE(by_en.ok()) << by_en.status();
    EXPECT_EQ(*by_en, e);
    auto by_zh = ParseLabel<E>(LabelZh(e));
    ASSERT_TRUE(by_zh.ok()) << by_zh.status();
    EXPECT_EQ(*by_zh, e);
    auto by_value = FromValue<E>(static_cast<int>(e));
    ASSERT_TRUE(by_value.ok());
    EXPECT_EQ(*by_value, e);
  }
  EXPECT_EQ(ids.size(), TaxonomySize<E>());
  // Strictness: unknown text and numbers are errors naming the taxonomy and the input.
  auto unknown = Parse<E>("no_such_value");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.status().message(), HasSubstr(std::string(TaxonomyName<E>())));
  EXPECT_THAT(unknown.status().message(), HasSubstr("no_such_value"));
  EXPECT_FALSE(Parse<E>("").ok());
  EXPECT_FALSE(ParseLabel<E>("no such label").ok());
  const int past_end = static_cast<int>(TaxonomySize<E>());
  EXPECT_FALSE(FromValue<E>(past_end).ok());
  EXPECT_FALSE(FromValue<E>(-1).ok());
  EXPECT_FALSE(IsValid(static_cast<E>(past_end)));
  EXPECT_EQ(Id(static_cast<E>(past_end)), "invalid");
}

template <Taxonomy... Es>
void ExpectAllRoundTrip() {
  (ExpectRoundTrips<Es>(), ...);
}

TEST(TaxonomyTest, EveryTaxonomyRoundTrips) {
  ExpectAllRoundTrip<CustomerKind, IndividualFacet, EnterpriseFacet, InformationChannelKind,
                     InformationChannel, InteractionKind, RelationshipStage, ValueTier,
                     LoyaltyClass, ReactionType, RelationshipNature, CustomerSource,
                     NeedSegment, UsageSize, SegmentationAxis, ProfitabilityQuadrant, ChurnType,
                     RelationshipType, CommunicationStyle, RelationshipBond, SatisfactionLevel,
                     SatisfactionIndicator, LadderRung, LoyaltyLevel, LoyaltyIndicator, LoyaltyMeasureGroup,
                     CompositeComponent, NormalizerKind, ScorecardCriterion, ScorecardGrade,
                     LifecycleStage, ManagementPhase, ComplaintStage, ComplaintCause,
                     ComplaintHandlingStep, GradingAction>();
}

// The numeric values cross the C ABI and are stored by hosts: pin them.
TEST(TaxonomyTest, NumericValuesAreStable) {
  EXPECT_EQ(static_cast<int>(LadderRung::kSuspect), 0);
  EXPECT_EQ(static_cast<int>(LadderRung::kAdvocate), 6);
  EXPECT_EQ(static_cast<int>(ValueTier::kVip), 0);
  EXPECT_EQ(static_cast<int>(ValueTier::kSmall), 3);
  EXPECT_EQ(static_cast<int>(RelationshipStage::kLost), 4);
  EXPECT_EQ(static_cast<int>(SatisfactionLevel::kVerySatisfied), 2);
  EXPECT_EQ(static_cast<int>(InformationChannel::kPurchasedDatabase), 11);
  EXPECT_EQ(static_cast<int>(GradingAction::kExit), 5);
  EXPECT_EQ(TaxonomySize<LadderRung>(), 7u);
  EXPECT_EQ(TaxonomySize<LoyaltyIndicator>(), 7u);
  EXPECT_EQ(TaxonomySize<ScorecardCriterion>(), 10u);
  EXPECT_EQ(TaxonomySize<SatisfactionIndicator>(), 6u);
  EXPECT_EQ(TaxonomySize<CompositeComponent>(), 5u);
}

TEST(TaxonomyTest, LabelsMatchTheCourseMaterial) {
  EXPECT_EQ(LabelZh(LadderRung::kAdvocate), "企业拥护者");
  EXPECT_EQ(LabelZh(LadderRung::kDisqualifiedProspect), "不合格的目标客户");
  EXPECT_EQ(LabelZh(ValueTier::kVip), "VIP客户");
  EXPECT_EQ(LabelZh(RelationshipStage::kCurrent), "现实客户");
  EXPECT_EQ(LabelZh(ProfitabilityQuadrant::kHighlyUnprofitable), "赔钱客户");
  EXPECT_EQ(LabelZh(SatisfactionIndicator::kComplaintRate), "投诉率");
  EXPECT_EQ(LabelEn(LadderRung::kFirstTimeCustomer), "first-time customer");
  EXPECT_EQ(Id(LoyaltyClass::kLongStanding), "long_standing");
}

TEST(TaxonomyTest, ParseIsStrict) {
  EXPECT_FALSE(Parse<ValueTier>("VIP").ok());          // id is "vip"; case matters
  EXPECT_FALSE(Parse<ValueTier>(" vip").ok());         // no trimming
  EXPECT_FALSE(Parse<ValueTier>("VIP客户").ok());      // labels only through ParseLabel
  auto by_label = ParseLabel<ValueTier>("VIP客户");
  ASSERT_TRUE(by_label.ok());
  EXPECT_EQ(*by_label, ValueTier::kVip);
  auto error = Parse<ValueTier>("platinum");
  EXPECT_THAT(error.status().message(), HasSubstr("vip, major, ordinary, small"));
}

TEST(TaxonomyTest, SameIdInDifferentTaxonomiesParsesToEach) {
  EXPECT_EQ(*Parse<ScorecardCriterion>("reputation"), ScorecardCriterion::kReputation);
  EXPECT_EQ(*Parse<SatisfactionIndicator>("reputation"), SatisfactionIndicator::kReputation);
}

TEST(TaxonomyTest, InformationChannelKinds) {
  EXPECT_EQ(InformationChannelKindOf(InformationChannel::kSurvey), InformationChannelKind::kDirect);
  EXPECT_EQ(InformationChannelKindOf(InformationChannel::kWebAndCallCenter),
            InformationChannelKind::kDirect);
  EXPECT_EQ(InformationChannelKindOf(InformationChannel::kMedia),
            InformationChannelKind::kIndirect);
  EXPECT_EQ(InformationChannelKindOf(InformationChannel::kPurchasedDatabase),
            InformationChannelKind::kIndirect);
}

TEST(TaxonomyTest, ConstexprAccess) {
  static_assert(Id(LadderRung::kClient) == "client");
  static_assert(AllValues<ValueTier>()[3] == ValueTier::kSmall);
  static_assert(TaxonomySize<GradingAction>() == 6);
}

}  // namespace
}  // namespace crmcore

#include "crmcore/customer.h"

#include <cstdint>
#include <limits>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace crmcore {
namespace {

using ::testing::HasSubstr;

Money Cents(std::int64_t cents) { return Money::FromMinorUnits(cents); }

TEST(Utf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("00001"));
  EXPECT_TRUE(IsValidUtf8("企业客户"));
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80"));  // U+1F600, four bytes
}

TEST(Utf8Test, RejectsMalformedText) {
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE4\xBC"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\x80"));              // lone continuation
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

TEST(CustomerIdTest, TextAndKeyAreDistinct) {
  auto text = CustomerId::FromText("7");
  ASSERT_TRUE(text.ok());
  const CustomerId key = CustomerId::FromKey(7);
  EXPECT_NE(*text, key);
  EXPECT_EQ(text->ToString(), key.ToString());
  EXPECT_TRUE(key.is_key());
  EXPECT_EQ(key.key(), 7u);
  EXPECT_EQ(text->text(), "7");
  EXPECT_EQ(CustomerId::FromKey(std::numeric_limits<std::uint64_t>::max()).ToString(),
            "18446744073709551615");
  absl::flat_hash_set<CustomerId> set = {*text, key, CustomerId::FromKey(7)};
  EXPECT_EQ(set.size(), 2u);
}

TEST(CustomerIdTest, RejectsBadText) {
  EXPECT_EQ(CustomerId::FromText("").status().code(), absl::StatusCode::kInvalidArgument);
  auto nul = CustomerId::FromText(absl::string_view("ab\0c", 4));
  EXPECT_THAT(nul.status().message(), HasSubstr("NUL byte at offset 2"));
  auto bad = CustomerId::FromText("\xC3\x28");
  EXPECT_THAT(bad.status().message(), HasSubstr("not valid UTF-8"));
  EXPECT_TRUE(CustomerId::FromText("客户-0001").ok());
}

Customer MakeIndividual() { return Customer(CustomerId::FromKey(1), CustomerKind::kIndividual); }

TEST(CustomerTest, UnusedPartsAreEmpty) {
  const Customer c = MakeIndividual();
  EXPECT_TRUE(c.transactions().empty());
  EXPECT_FALSE(c.source.has_value());
  EXPECT_EQ(c.PurchaseCount(), 0);
  EXPECT_EQ(c.PurchaseDayCount(), 0);
  EXPECT_FALSE(c.FirstPurchase().has_value());
  EXPECT_EQ(c.NetSpend()->count(), 0);
}

TEST(CustomerTest, FacetsMustMatchTheCustomerKind) {
  Customer person = MakeIndividual();
  EXPECT_TRUE(person.AddFacet({IndividualFacet::kCareer, "occupation", "teacher"}).ok());
  absl::Status wrong = person.AddFacet({EnterpriseFacet::kBusiness, "industry", "retail"});
  EXPECT_EQ(wrong.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(wrong.message(), HasSubstr("\"industry\" is an enterprise facet"));
  Customer firm(CustomerId::FromKey(2), CustomerKind::kEnterprise);
  EXPECT_TRUE(firm.AddFacet({EnterpriseFacet::kPrincipalContact, "name", "王经理"}).ok());
  EXPECT_FALSE(firm.AddFacet({IndividualFacet::kFamily, "children", "2"}).ok());
  EXPECT_FALSE(firm.AddFacet({EnterpriseFacet::kBasic, "", "x"}).ok());
  EXPECT_FALSE(firm.AddFacet({static_cast<EnterpriseFacet>(99), "k", "v"}).ok());
  EXPECT_EQ(person.facets().size(), 1u);
  EXPECT_EQ(firm.facets().size(), 1u);
}

TEST(CustomerTest, TransactionsAndDerivedFacts) {
  Customer c = MakeIndividual();
  ASSERT_TRUE(c.AddTransaction({absl::CivilDay(1997, 1, 5), Cents(2933), {}, "web", false}).ok());
  ASSERT_TRUE(c.AddTransaction({absl::CivilDay(1997, 1, 5), Cents(1000), Cents(300), "", false}).ok());
  ASSERT_TRUE(c.AddTransaction({absl::CivilDay(1997, 3, 1), Cents(500), {}, "", false}).ok());
  ASSERT_TRUE(c.AddTransaction({absl::CivilDay(1997, 4, 1), Cents(-500), {}, "", true}).ok());
  EXPECT_EQ(c.PurchaseCount(), 3);
  EXPECT_EQ(c.PurchaseDayCount(), 2);  // two purchases on 1997-01-05 are one occasion
  EXPECT_EQ(*c.FirstPurchase(), absl::CivilDay(1997, 1, 5));
  EXPECT_EQ(*c.LastPurchase(), absl::CivilDay(1997, 3, 1));  // the refund is not a purchase
  auto spend = c.NetSpend();
  ASSERT_TRUE(spend.ok());
  EXPECT_EQ(spend->Format(), "39.33");
}

TEST(CustomerTest, NegativeAmountOnlyAsRefund) {
  Customer c = MakeIndividual();
  absl::Status negative = c.AddTransaction({absl::CivilDay(1997, 2, 1), Cents(-1), {}, "", false});
  EXPECT_EQ(negative.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(negative.message(), HasSubstr("customer 1"));
  EXPECT_THAT(negative.message(), HasSubstr("1997-02-01"));
  EXPECT_THAT(negative.message(), HasSubstr("-0.01"));
  absl::Status positive_refund = c.AddTransaction({absl::CivilDay(1997, 2, 1), Cents(5), {}, "", true});
  EXPECT_THAT(positive_refund.message(), HasSubstr("refund amount 0.05 must be <= 0"));
  EXPECT_TRUE(c.transactions().empty());
}

TEST(CustomerTest, NetSpendNeverOverflowsSilently) {
  Customer c = MakeIndividual();
  const Money max = Cents(std::numeric_limits<std::int64_t>::max());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.AddTransaction({absl::CivilDay(2000, 1, 1), max, {}, "", false}).ok());
  auto spend = c.NetSpend();
  ASSERT_TRUE(spend.ok());
  EXPECT_EQ(spend->Format(), "276701161105643274.21");  // 3 * (2^63 - 1) cents
  EXPECT_EQ(spend->ToMoney().status().code(), absl::StatusCode::kOutOfRange);
}

TEST(CustomerTest, Interactions) {
  Customer c = MakeIndividual();
  EXPECT_TRUE(c.AddInteraction({absl::CivilDay(1997, 5, 1), InteractionKind::kContact, {}, {}, {}}).ok());
  EXPECT_TRUE(c.AddInteraction({absl::CivilDay(1997, 5, 2), InteractionKind::kComplaint,
                                ComplaintStage::kComplaint, ComplaintCause::kQuality,
                                ComplaintHandlingStep::kFollowUp})
                  .ok());
  EXPECT_EQ(c.ComplaintCount(), 1);
  absl::Status contact_with_cause = c.AddInteraction(
      {absl::CivilDay(1997, 5, 3), InteractionKind::kContact, {}, ComplaintCause::kAttitude, {}});
  EXPECT_THAT(contact_with_cause.message(), HasSubstr("carries complaint details"));
  EXPECT_FALSE(c.AddInteraction({absl::CivilDay(1997, 5, 3), static_cast<InteractionKind>(7), {}, {}, {}}).ok());
  EXPECT_EQ(c.interactions().size(), 2u);
}

TEST(CustomerTest, Referrals) {
  Customer c = MakeIndividual();
  EXPECT_TRUE(c.AddReferral({absl::CivilDay(1997, 6, 1), CustomerId::FromKey(2)}).ok());
  EXPECT_TRUE(c.AddReferral({absl::CivilDay(1997, 6, 2), std::nullopt}).ok());
  EXPECT_THAT(c.AddReferral({absl::CivilDay(1997, 6, 3), CustomerId::FromKey(1)}).message(),
              HasSubstr("cannot refer itself"));
  EXPECT_EQ(c.referrals().size(), 2u);
}

TEST(CustomerTest, SurveyAnswers) {
  Customer c = MakeIndividual();
  EXPECT_TRUE(c.AddSurveyAnswer({absl::CivilDay(1997, 7, 1), 8.0, 9.0, 10}).ok());
  EXPECT_TRUE(c.AddSurveyAnswer({absl::CivilDay(1997, 7, 1), std::nullopt, -3.0, std::nullopt}).ok());
  EXPECT_THAT(c.AddSurveyAnswer({absl::CivilDay(1997, 7, 2), 0.0, 1.0, {}}).message(),
              HasSubstr("expectation must be finite and > 0, got 0"));
  EXPECT_THAT(c.AddSurveyAnswer({absl::CivilDay(1997, 7, 2), 1.0,
                                 std::numeric_limits<double>::quiet_NaN(), {}})
                  .message(),
              HasSubstr("perception must be finite, got nan"));
  EXPECT_THAT(c.AddSurveyAnswer({absl::CivilDay(1997, 7, 2), {}, {}, 11}).message(),
              HasSubstr("recommend score must be in 0..10, got 11"));
  EXPECT_FALSE(c.AddSurveyAnswer({absl::CivilDay(1997, 7, 2), {}, {}, -1}).ok());
  EXPECT_FALSE(c.AddSurveyAnswer({absl::CivilDay(1997, 7, 2),
                                  std::numeric_limits<double>::infinity(), {}, {}})
                   .ok());
  EXPECT_EQ(c.survey_answers().size(), 2u);
}

}  // namespace
}  // namespace crmcore

// The C API (capi/crmcore.h) over the C++ core (include/crmcore/*.h): version, status and
// errors, taxonomies, scalar formulas. Other sections live in capi/crmcore_c_*.cc; all
// share capi_internal.h.
//
// Every exported function runs its body through Guarded() (capi_internal.h). Bodies
// validate pointers and struct sizes, convert the C structs to the core's, and call the core.
#include "crmcore.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <new>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "crmcore/loyalty.h"
#include "crmcore/retention.h"
#include "crmcore/satisfaction.h"
#include "crmcore/scorecard.h"
#include "crmcore/status.h"
#include "crmcore/taxonomy.h"
#include "crmcore/version.h"
#include "capi_internal.h"

// The header's version is the library's (one version for the project); the C header is
// hand-written so it stays readable, and these checks keep it honest.
static_assert(CRM_VERSION_MAJOR == CRMCORE_VERSION_MAJOR, "crmcore.h major != project major");
static_assert(CRM_VERSION_MINOR == CRMCORE_VERSION_MINOR, "crmcore.h minor != project minor");
static_assert(CRM_VERSION_PATCH == CRMCORE_VERSION_PATCH, "crmcore.h patch != project patch");
// int32_t fields are read as the core's int.
static_assert(sizeof(int) == sizeof(int32_t), "crmcore's C API assumes a 32-bit int");

namespace {

using namespace crmcore::capi_internal;  // NOLINT: the C API's shared toolkit

using crmcore::LadderRung;
using crmcore::SatisfactionLevel;
using crmcore::ScorecardCriterion;
using crmcore::ScorecardGrade;

// ---------------------------------------------------------------------------
// The value macros of crmcore.h are the core's enum values.

template <typename E>
constexpr int V(E e) {
  return static_cast<int>(e);
}
static_assert(CRM_SATISFACTION_DISSATISFIED == V(SatisfactionLevel::kDissatisfied));
static_assert(CRM_SATISFACTION_SATISFIED == V(SatisfactionLevel::kSatisfied));
static_assert(CRM_SATISFACTION_VERY_SATISFIED == V(SatisfactionLevel::kVerySatisfied));
static_assert(CRM_LADDER_SUSPECT == V(LadderRung::kSuspect));
static_assert(CRM_LADDER_PROSPECT == V(LadderRung::kProspect));
static_assert(CRM_LADDER_DISQUALIFIED_PROSPECT == V(LadderRung::kDisqualifiedProspect));
static_assert(CRM_LADDER_FIRST_TIME_CUSTOMER == V(LadderRung::kFirstTimeCustomer));
static_assert(CRM_LADDER_REPEAT_CUSTOMER == V(LadderRung::kRepeatCustomer));
static_assert(CRM_LADDER_CLIENT == V(LadderRung::kClient));
static_assert(CRM_LADDER_ADVOCATE == V(LadderRung::kAdvocate));
static_assert(CRM_SCORECARD_CREDIT == V(ScorecardCriterion::kCredit));
static_assert(CRM_SCORECARD_FINANCIAL_STATUS == V(ScorecardCriterion::kFinancialStatus));
static_assert(CRM_SCORECARD_MARKET_COVERAGE == V(ScorecardCriterion::kMarketCoverage));
static_assert(CRM_SCORECARD_SALES_CAPABILITY == V(ScorecardCriterion::kSalesCapability));
static_assert(CRM_SCORECARD_PRODUCT_LINE == V(ScorecardCriterion::kProductLine));
static_assert(CRM_SCORECARD_MANAGEMENT_CAPABILITY ==
              V(ScorecardCriterion::kManagementCapability));
static_assert(CRM_SCORECARD_MANAGEMENT_STABILITY == V(ScorecardCriterion::kManagementStability));
static_assert(CRM_SCORECARD_SCALE == V(ScorecardCriterion::kScale));
static_assert(CRM_SCORECARD_REPUTATION == V(ScorecardCriterion::kReputation));
static_assert(CRM_SCORECARD_ATTITUDE == V(ScorecardCriterion::kAttitude));
static_assert(CRM_SCORECARD_CRITERION_COUNT == crmcore::kScorecardCriterionCount);
static_assert(CRM_GRADE_A == V(ScorecardGrade::kA));
static_assert(CRM_GRADE_B == V(ScorecardGrade::kB));
static_assert(CRM_GRADE_C == V(ScorecardGrade::kC));

// The INIT macros carry the core's documented defaults.
constexpr crm_satisfaction_thresholds kSatisfactionInit = CRM_SATISFACTION_THRESHOLDS_INIT;
static_assert(kSatisfactionInit.satisfied == crmcore::SatisfactionThresholds{}.satisfied);
static_assert(kSatisfactionInit.very_satisfied ==
              crmcore::SatisfactionThresholds{}.very_satisfied);
constexpr crm_ladder_rule kLadderRuleInit = CRM_LADDER_RULE_INIT;
static_assert(kLadderRuleInit.client_min_active_periods ==
              crmcore::LadderRule{}.client_min_active_periods);
static_assert(kLadderRuleInit.client_window_periods == crmcore::LadderRule{}.client_window_periods);
static_assert(kLadderRuleInit.promoter_min_score == crmcore::LadderRule{}.promoter_min_score);
static_assert(kLadderRuleInit.advocate_min_referrals ==
              crmcore::LadderRule{}.advocate_min_referrals);
constexpr crm_ladder_facts kLadderFactsInit = CRM_LADDER_FACTS_INIT;
constexpr crm_grade_cutoffs kGradeCutoffsInit = CRM_GRADE_CUTOFFS_INIT;
static_assert(kGradeCutoffsInit.a_min == crmcore::GradeCutoffs{}.a_min);
static_assert(kGradeCutoffsInit.b_min == crmcore::GradeCutoffs{}.b_min);

absl::StatusOr<crmcore::SatisfactionThresholds> ToCore(const crm_satisfaction_thresholds* t) {
  crmcore::SatisfactionThresholds thresholds;
  if (t == nullptr) return thresholds;
  CRM_RETURN_IF_ERROR(
      CheckStructSize<crm_satisfaction_thresholds>(t->struct_size, "crm_satisfaction_thresholds"));
  thresholds.satisfied = t->satisfied;
  thresholds.very_satisfied = t->very_satisfied;
  return thresholds;
}

absl::StatusOr<crmcore::LadderRule> ToCore(const crm_ladder_rule* r) {
  crmcore::LadderRule rule;
  if (r == nullptr) return rule;
  CRM_RETURN_IF_ERROR(CheckStructSize<crm_ladder_rule>(r->struct_size, "crm_ladder_rule"));
  rule.client_min_active_periods = r->client_min_active_periods;
  rule.client_window_periods = r->client_window_periods;
  rule.promoter_min_score = r->promoter_min_score;
  rule.advocate_min_referrals = r->advocate_min_referrals;
  return rule;
}

absl::StatusOr<crmcore::LadderFacts> ToCore(const crm_ladder_facts& f) {
  CRM_RETURN_IF_ERROR(CheckStructSize<crm_ladder_facts>(f.struct_size, "crm_ladder_facts"));
  crmcore::LadderFacts facts;
  CRM_ASSIGN_OR_RETURN(facts.qualified_need,
                       ReadFlag(f.qualified_need, "crm_ladder_facts.qualified_need"));
  CRM_ASSIGN_OR_RETURN(facts.qualified_ability,
                       ReadFlag(f.qualified_ability, "crm_ladder_facts.qualified_ability"));
  CRM_ASSIGN_OR_RETURN(facts.disqualified_flag,
                       ReadFlag(f.disqualified_flag, "crm_ladder_facts.disqualified_flag"));
  CRM_ASSIGN_OR_RETURN(const bool has_survey_score,
                       ReadFlag(f.has_survey_score, "crm_ladder_facts.has_survey_score"));
  facts.purchase_count = f.purchase_count;
  facts.active_periods_in_window = f.active_periods_in_window;
  facts.referrals = f.referrals;
  if (has_survey_score) facts.survey_score = f.survey_score;
  return facts;
}

absl::StatusOr<crmcore::GradeCutoffs> ToCore(const crm_grade_cutoffs* c) {
  crmcore::GradeCutoffs cutoffs;
  if (c == nullptr) return cutoffs;
  CRM_RETURN_IF_ERROR(CheckStructSize<crm_grade_cutoffs>(c->struct_size, "crm_grade_cutoffs"));
  cutoffs.a_min = c->a_min;
  cutoffs.b_min = c->b_min;
  return cutoffs;
}

// ---------------------------------------------------------------------------
// Taxonomies: crm_taxonomy → the core's enum type.

template <typename E>
struct TaxonomyTag {
  using Enum = E;
};

// Calls visit(TaxonomyTag<E>{}) for the enum E that `taxonomy` names.
template <typename Visit>
absl::Status VisitTaxonomy(int taxonomy, Visit&& visit) {
  using namespace crmcore;  // NOLINT: 36 enum names read better unqualified here.
  switch (taxonomy) {
    case CRM_TAXONOMY_CUSTOMER_KIND: return visit(TaxonomyTag<CustomerKind>{});
    case CRM_TAXONOMY_INDIVIDUAL_FACET: return visit(TaxonomyTag<IndividualFacet>{});
    case CRM_TAXONOMY_ENTERPRISE_FACET: return visit(TaxonomyTag<EnterpriseFacet>{});
    case CRM_TAXONOMY_INFORMATION_CHANNEL_KIND:
      return visit(TaxonomyTag<InformationChannelKind>{});
    case CRM_TAXONOMY_INFORMATION_CHANNEL: return visit(TaxonomyTag<InformationChannel>{});
    case CRM_TAXONOMY_INTERACTION_KIND: return visit(TaxonomyTag<InteractionKind>{});
    case CRM_TAXONOMY_RELATIONSHIP_STAGE: return visit(TaxonomyTag<RelationshipStage>{});
    case CRM_TAXONOMY_VALUE_TIER: return visit(TaxonomyTag<ValueTier>{});
    case CRM_TAXONOMY_LOYALTY_CLASS: return visit(TaxonomyTag<LoyaltyClass>{});
    case CRM_TAXONOMY_REACTION_TYPE: return visit(TaxonomyTag<ReactionType>{});
    case CRM_TAXONOMY_RELATIONSHIP_NATURE: return visit(TaxonomyTag<RelationshipNature>{});
    case CRM_TAXONOMY_CUSTOMER_SOURCE: return visit(TaxonomyTag<CustomerSource>{});
    case CRM_TAXONOMY_NEED_SEGMENT: return visit(TaxonomyTag<NeedSegment>{});
    case CRM_TAXONOMY_USAGE_SIZE: return visit(TaxonomyTag<UsageSize>{});
    case CRM_TAXONOMY_SEGMENTATION_AXIS: return visit(TaxonomyTag<SegmentationAxis>{});
    case CRM_TAXONOMY_PROFITABILITY_QUADRANT: return visit(TaxonomyTag<ProfitabilityQuadrant>{});
    case CRM_TAXONOMY_CHURN_TYPE: return visit(TaxonomyTag<ChurnType>{});
    case CRM_TAXONOMY_RELATIONSHIP_TYPE: return visit(TaxonomyTag<RelationshipType>{});
    case CRM_TAXONOMY_COMMUNICATION_STYLE: return visit(TaxonomyTag<CommunicationStyle>{});
    case CRM_TAXONOMY_RELATIONSHIP_BOND: return visit(TaxonomyTag<RelationshipBond>{});
    case CRM_TAXONOMY_SATISFACTION_LEVEL: return visit(TaxonomyTag<SatisfactionLevel>{});
    case CRM_TAXONOMY_SATISFACTION_INDICATOR: return visit(TaxonomyTag<SatisfactionIndicator>{});
    case CRM_TAXONOMY_LADDER_RUNG: return visit(TaxonomyTag<LadderRung>{});
    case CRM_TAXONOMY_LOYALTY_LEVEL: return visit(TaxonomyTag<LoyaltyLevel>{});
    case CRM_TAXONOMY_LOYALTY_INDICATOR: return visit(TaxonomyTag<LoyaltyIndicator>{});
    case CRM_TAXONOMY_LOYALTY_MEASURE_GROUP: return visit(TaxonomyTag<LoyaltyMeasureGroup>{});
    case CRM_TAXONOMY_COMPOSITE_COMPONENT: return visit(TaxonomyTag<CompositeComponent>{});
    case CRM_TAXONOMY_NORMALIZER_KIND: return visit(TaxonomyTag<NormalizerKind>{});
    case CRM_TAXONOMY_SCORECARD_CRITERION: return visit(TaxonomyTag<ScorecardCriterion>{});
    case CRM_TAXONOMY_SCORECARD_GRADE: return visit(TaxonomyTag<ScorecardGrade>{});
    case CRM_TAXONOMY_LIFECYCLE_STAGE: return visit(TaxonomyTag<LifecycleStage>{});
    case CRM_TAXONOMY_MANAGEMENT_PHASE: return visit(TaxonomyTag<ManagementPhase>{});
    case CRM_TAXONOMY_COMPLAINT_STAGE: return visit(TaxonomyTag<ComplaintStage>{});
    case CRM_TAXONOMY_COMPLAINT_CAUSE: return visit(TaxonomyTag<ComplaintCause>{});
    case CRM_TAXONOMY_COMPLAINT_HANDLING_STEP: return visit(TaxonomyTag<ComplaintHandlingStep>{});
    case CRM_TAXONOMY_GRADING_ACTION: return visit(TaxonomyTag<GradingAction>{});
    default:
      return absl::InvalidArgumentError(absl::StrCat("unknown taxonomy ", taxonomy,
                                                     " (valid: 0..", CRM_TAXONOMY_COUNT - 1,
                                                     ")"));
  }
}

// The core's identifiers and labels are string literals, so .data() is NUL-terminated and
// can be handed to C as is; checked here for every entry of every table.
template <crmcore::Taxonomy E>
constexpr bool EntriesAreNulTerminated() {
  for (const auto& entry : crmcore::TaxonomyTraits<E>::kEntries) {
    for (const absl::string_view text : {entry.id, entry.en, entry.zh}) {
      if (text.data()[text.size()] != '\0') return false;
    }
  }
  return crmcore::TaxonomyName<E>().data()[crmcore::TaxonomyName<E>().size()] == '\0';
}

// The plan for caller weights (NULL: all equal) and cut-offs.
absl::StatusOr<crmcore::ScorecardPlan> MakeScorecardPlan(const double* weights,
                                                         const crmcore::GradeCutoffs& cutoffs) {
  crmcore::ScorecardPlan::Weights core_weights;
  core_weights.fill(1.0);
  if (weights != nullptr) std::copy_n(weights, core_weights.size(), core_weights.begin());
  return crmcore::ScorecardPlan::Create(core_weights, cutoffs);
}

crmcore::ScorecardScores CopyScores(const double* scores) {
  crmcore::ScorecardScores core_scores;
  std::copy_n(scores, core_scores.size(), core_scores.begin());
  return core_scores;
}

}  // namespace

// ===========================================================================
// Exported functions.

extern "C" {

int crm_version_number(void) { return CRMCORE_VERSION_NUMBER; }

const char* crm_version_string(void) { return CRMCORE_VERSION_STRING; }

crm_status crm_check_version(int header_major) {
  if (header_major == CRM_VERSION_MAJOR) {
    ClearMessage();
    return CRM_OK;
  }
  // Written piecewise: formatting an int into an AlphaNum never allocates or throws.
  MessageWriter writer;
  writer.Append("crm_check_version: program compiled against crmcore.h major version ");
  writer.Append(absl::AlphaNum(header_major).Piece());
  writer.Append(", but the loaded library is " CRMCORE_VERSION_STRING " (major ");
  writer.Append(absl::AlphaNum(CRM_VERSION_MAJOR).Piece());
  writer.Append(")");
  return CRM_ERR_VERSION;
}

const char* crm_status_name(crm_status status) {
  switch (status) {
    case CRM_OK: return "CRM_OK";
    case CRM_ERR_INVALID_ARGUMENT: return "CRM_ERR_INVALID_ARGUMENT";
    case CRM_ERR_OUT_OF_RANGE: return "CRM_ERR_OUT_OF_RANGE";
    case CRM_ERR_NOT_FOUND: return "CRM_ERR_NOT_FOUND";
    case CRM_ERR_NO_MEMORY: return "CRM_ERR_NO_MEMORY";
    case CRM_ERR_INTERNAL: return "CRM_ERR_INTERNAL";
    case CRM_ERR_VERSION: return "CRM_ERR_VERSION";
    case CRM_ERR_FAILED_PRECONDITION: return "CRM_ERR_FAILED_PRECONDITION";
    case CRM_ERR_PERMISSION_DENIED: return "CRM_ERR_PERMISSION_DENIED";
    case CRM_ERR_IO: return "CRM_ERR_IO";
    case CRM_ERR_UNSUPPORTED: return "CRM_ERR_UNSUPPORTED";
    default: return "CRM_ERR_UNKNOWN";
  }
}

const char* crm_last_error(void) { return t_message; }

// --- Taxonomies -------------------------------------------------------------

crm_status crm_taxonomy_count(crm_taxonomy t, size_t* out) {
  return Guarded("crm_taxonomy_count", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    return VisitTaxonomy(static_cast<int>(t), [&](auto tag) {
      *out = crmcore::TaxonomySize<typename decltype(tag)::Enum>();
      return absl::OkStatus();
    });
  });
}

crm_status crm_taxonomy_name(crm_taxonomy t, const char** out) {
  return Guarded("crm_taxonomy_name", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    return VisitTaxonomy(static_cast<int>(t), [&](auto tag) {
      *out = crmcore::TaxonomyName<typename decltype(tag)::Enum>().data();
      return absl::OkStatus();
    });
  });
}

crm_status crm_taxonomy_id(crm_taxonomy t, int value, const char** out) {
  return Guarded("crm_taxonomy_id", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    return VisitTaxonomy(static_cast<int>(t), [&](auto tag) -> absl::Status {
      using E = typename decltype(tag)::Enum;
      static_assert(EntriesAreNulTerminated<E>());
      CRM_ASSIGN_OR_RETURN(const E e, crmcore::FromValue<E>(value));
      *out = crmcore::Id(e).data();
      return absl::OkStatus();
    });
  });
}

crm_status crm_taxonomy_label(crm_taxonomy t, int value, crm_language lang, const char** out) {
  return Guarded("crm_taxonomy_label", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    const int language = static_cast<int>(lang);
    if (language != CRM_LANGUAGE_EN && language != CRM_LANGUAGE_ZH) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown language ", language, " (valid: 0 = en, 1 = zh)"));
    }
    return VisitTaxonomy(static_cast<int>(t), [&](auto tag) -> absl::Status {
      using E = typename decltype(tag)::Enum;
      CRM_ASSIGN_OR_RETURN(const E e, crmcore::FromValue<E>(value));
      *out = (language == CRM_LANGUAGE_ZH ? crmcore::LabelZh(e) : crmcore::LabelEn(e)).data();
      return absl::OkStatus();
    });
  });
}

crm_status crm_taxonomy_parse(crm_taxonomy t, const char* text, int* out) {
  return Guarded("crm_taxonomy_parse", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(text, "text"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    const absl::string_view view(text);
    // Checked first so the message below, which quotes the text, is valid UTF-8 too.
    if (!IsValidUtf8(view)) {
      return absl::InvalidArgumentError("text is not valid UTF-8");
    }
    return VisitTaxonomy(static_cast<int>(t), [&](auto tag) -> absl::Status {
      using E = typename decltype(tag)::Enum;
      CRM_ASSIGN_OR_RETURN(const E e, crmcore::Parse<E>(view));
      *out = static_cast<int>(e);
      return absl::OkStatus();
    });
  });
}

// --- Satisfaction -----------------------------------------------------------

crm_status crm_satisfaction_ratio(double perceived_value_b, double expectation_a, double* out) {
  return Guarded("crm_satisfaction_ratio", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    CRM_ASSIGN_OR_RETURN(const double c,
                         crmcore::SatisfactionRatio(perceived_value_b, expectation_a));
    *out = c;
    return absl::OkStatus();
  });
}

crm_status crm_satisfaction_thresholds_init(crm_satisfaction_thresholds* thresholds,
                                            size_t struct_size) {
  return Guarded("crm_satisfaction_thresholds_init", [&]() {
    return InitStruct(thresholds, struct_size, kSatisfactionInit, "crm_satisfaction_thresholds");
  });
}

crm_status crm_satisfaction_level(double c, const crm_satisfaction_thresholds* thresholds,
                                  int* out) {
  return Guarded("crm_satisfaction_level", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    CRM_ASSIGN_OR_RETURN(const crmcore::SatisfactionThresholds core_thresholds,
                         ToCore(thresholds));
    CRM_ASSIGN_OR_RETURN(const SatisfactionLevel level,
                         crmcore::ClassifySatisfaction(c, core_thresholds));
    *out = static_cast<int>(level);
    return absl::OkStatus();
  });
}

// --- Loyalty ladder ---------------------------------------------------------

crm_status crm_ladder_facts_init(crm_ladder_facts* facts, size_t struct_size) {
  return Guarded("crm_ladder_facts_init", [&]() {
    return InitStruct(facts, struct_size, kLadderFactsInit, "crm_ladder_facts");
  });
}

crm_status crm_ladder_rule_init(crm_ladder_rule* rule, size_t struct_size) {
  return Guarded("crm_ladder_rule_init", [&]() {
    return InitStruct(rule, struct_size, kLadderRuleInit, "crm_ladder_rule");
  });
}

crm_status crm_ladder_rung(const crm_ladder_facts* facts, const crm_ladder_rule* rule, int* out) {
  return Guarded("crm_ladder_rung", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(facts, "facts"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    CRM_ASSIGN_OR_RETURN(const crmcore::LadderFacts core_facts, ToCore(*facts));
    CRM_ASSIGN_OR_RETURN(const crmcore::LadderRule core_rule, ToCore(rule));
    CRM_ASSIGN_OR_RETURN(const LadderRung rung, crmcore::ClassifyLadderRung(core_facts, core_rule));
    *out = static_cast<int>(rung);
    return absl::OkStatus();
  });
}

// --- Retention --------------------------------------------------------------

crm_status crm_retention_value(double margin, double retention, double discount, double* out) {
  return Guarded("crm_retention_value", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    CRM_ASSIGN_OR_RETURN(const double value,
                         crmcore::RetentionLifetimeValue(margin, retention, discount));
    *out = value;
    return absl::OkStatus();
  });
}

// --- Scorecard --------------------------------------------------------------

crm_status crm_grade_cutoffs_init(crm_grade_cutoffs* cutoffs, size_t struct_size) {
  return Guarded("crm_grade_cutoffs_init", [&]() {
    return InitStruct(cutoffs, struct_size, kGradeCutoffsInit, "crm_grade_cutoffs");
  });
}

crm_status crm_scorecard_score(const double scores[CRM_SCORECARD_CRITERION_COUNT],
                               const double weights[CRM_SCORECARD_CRITERION_COUNT], double* out) {
  return Guarded("crm_scorecard_score", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(scores, "scores"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    CRM_ASSIGN_OR_RETURN(const crmcore::ScorecardPlan plan,
                         MakeScorecardPlan(weights, crmcore::GradeCutoffs{}));
    CRM_ASSIGN_OR_RETURN(const double score,
                         crmcore::WeightedScorecardScore(plan, CopyScores(scores)));
    *out = score;
    return absl::OkStatus();
  });
}

crm_status crm_scorecard_grade(const double scores[CRM_SCORECARD_CRITERION_COUNT],
                               const double weights[CRM_SCORECARD_CRITERION_COUNT],
                               const crm_grade_cutoffs* cutoffs, int* out) {
  return Guarded("crm_scorecard_grade", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(scores, "scores"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    CRM_ASSIGN_OR_RETURN(const crmcore::GradeCutoffs core_cutoffs, ToCore(cutoffs));
    CRM_ASSIGN_OR_RETURN(const crmcore::ScorecardPlan plan,
                         MakeScorecardPlan(weights, core_cutoffs));
    CRM_ASSIGN_OR_RETURN(const ScorecardGrade grade,
                         crmcore::GradeScorecard(plan, CopyScores(scores)));
    *out = static_cast<int>(grade);
    return absl::OkStatus();
  });
}

}  // extern "C"

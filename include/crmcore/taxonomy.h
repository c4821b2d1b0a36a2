// The classification taxonomies of CRM practice (docs/domain.md §1–8) as closed enums.
//
// Every taxonomy is an `enum class E : int` whose numeric values are stable: they
// cross the C ABI and are stored by hosts, so a value is never renumbered or reused.
// Each value carries an English identifier (snake_case, what files and the C API
// use), an English display label and the original Chinese label of the course
// material. The generic functions at the bottom work on any taxonomy:
//
//   crmcore::Id(crmcore::LadderRung::kAdvocate)        -> "advocate"
//   crmcore::LabelZh(crmcore::LadderRung::kAdvocate)   -> "企业拥护者"
//   crmcore::Parse<crmcore::LadderRung>("advocate")    -> LadderRung::kAdvocate
//   crmcore::Parse<crmcore::LadderRung>("Advocate")    -> InvalidArgument error
//
// Parsing is strict: unknown text is an error, never a default.
#ifndef CRMCORE_TAXONOMY_H_
#define CRMCORE_TAXONOMY_H_

#include <array>
#include <cstddef>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace crmcore {

/// One value of a taxonomy with its identifier and labels.
template <typename E>
struct TaxonomyEntry {
  E value;
  absl::string_view id;  // English identifier, snake_case, unique within E.
  absl::string_view en;  // English display label.
  absl::string_view zh;  // Chinese label from the course material.
};

/// Specialized for every taxonomy enum: `kName` (the taxonomy's identifier) and
/// `kEntries` (every value, in numeric order 0, 1, 2, ...).
template <typename E>
struct TaxonomyTraits;

/// Satisfied by the enums this header declares.
template <typename E>
concept Taxonomy = requires {
  TaxonomyTraits<E>::kName;
  TaxonomyTraits<E>::kEntries;
};

// ---------------------------------------------------------------------------
// §1 Customer model

/// Kind of customer (§1): 个人客户 / 企业客户.
enum class CustomerKind : int { kIndividual = 0, kEnterprise = 1 };

/// Profile facet categories of an individual customer (§1, 八、客户信息).
enum class IndividualFacet : int {
  kBasic = 0,
  kEducation = 1,
  kCareer = 2,
  kFamily = 3,
  kLifestyle = 4,
  kPersonality = 5,
  kSocialNetwork = 6,
};

/// Profile facet categories of an enterprise customer (§1, 八、客户信息).
enum class EnterpriseFacet : int {
  kBasic = 0,
  kCharacteristics = 1,
  kBusiness = 2,
  kTransactions = 3,
  kPrincipalContact = 4,
};

/// Whether customer information came straight from the customer or through a third party (§1).
enum class InformationChannelKind : int { kDirect = 0, kIndirect = 1 };

/// Where customer information came from (§1); `InformationChannelKindOf` gives direct/indirect.
enum class InformationChannel : int {
  kSurvey = 0,
  kMarketingCampaign = 1,
  kServiceProcess = 2,
  kPointOfSale = 3,
  kTradeShow = 4,
  kComplaint = 5,
  kWebAndCallCenter = 6,
  kMedia = 7,
  kBusinessRegistry = 8,
  kFinancialInstitution = 9,
  kConsultancy = 10,
  kPurchasedDatabase = 11,
};

/// The kind of a recorded interaction with a customer (§1).
enum class InteractionKind : int { kContact = 0, kComplaint = 1 };

// ---------------------------------------------------------------------------
// §2 Classification taxonomies (一、辨析客户)

/// §2.1 Relationship stage (按客户与企业的关系所处的阶段).
enum class RelationshipStage : int {
  kNonCustomer = 0,
  kPotential = 1,
  kTarget = 2,
  kCurrent = 3,
  kLost = 4,
};

/// §2.2 Value tier (按客户的价值); the customer pyramid, most valuable first.
enum class ValueTier : int { kVip = 0, kMajor = 1, kOrdinary = 2, kSmall = 3 };

/// §2.3 Loyalty class (按客户的忠诚程度), in order of development.
enum class LoyaltyClass : int {
  kNotYetCustomer = 0,
  kNew = 1,
  kRegular = 2,
  kLongStanding = 3,
  kLoyal = 4,
};

/// §2.4 The customer's reaction to the firm (按企业对客户的不同反应); host-assigned.
enum class ReactionType : int {
  kCompliant = 0,
  kCaring = 1,
  kAdaptive = 2,
  kIndifferent = 3,
};

/// §2.5 Nature of the relationship (按客户与企业的关系性质).
enum class RelationshipNature : int {
  kConsumer = 0,
  kEnterprise = 1,
  kChannelMember = 2,
  kInternalCustomer = 3,
};

/// §2.6 Source of the customer (按客户的来源).
enum class CustomerSource : int {
  kEndCustomer = 0,
  kIntermediateCustomer = 1,
  kPublicInterestCustomer = 2,
};

/// §2.7 Need-based segment (客户细分, 需求为基准).
enum class NeedSegment : int {
  kBrandLoyal = 0,
  kServiceSeeker = 1,
  kQualitySeeker = 2,
  kPriceSensitive = 3,
  kConvenienceSeeker = 4,
};

/// §2.7 Usage size: heavy user 大用户 / light user 小用户.
enum class UsageSize : int { kHeavyUser = 0, kLightUser = 1 };

/// §2.7 The three axes of segmentation (客户细分三维分析体系).
enum class SegmentationAxis : int { kValue = 0, kDemographics = 1, kBehaviour = 2 };

/// §2.8 Profitability quadrant (客户区隔的策略); strategies are in profitability.h.
enum class ProfitabilityQuadrant : int {
  kHighlyProfitable = 0,
  kProfitable = 1,
  kUnprofitable = 2,
  kHighlyUnprofitable = 3,
};

/// §2.9 Churn type (客户流失).
enum class ChurnType : int { kVoluntary = 0, kInvoluntary = 1 };

/// §2.10 Relationship type (客户关系的类型).
enum class RelationshipType : int {
  kSupplier = 0,
  kPartner = 1,
  kOutsider = 2,
  kFriend = 3,
};

/// §2.11 Communication style (沟通风格).
enum class CommunicationStyle : int {
  kThinker = 0,
  kSensor = 1,
  kIntuitor = 2,
  kFeeler = 3,
};

/// §2.12 Relationship-marketing bond (关系营销形态).
enum class RelationshipBond : int {
  kKinship = 0,
  kGeographic = 1,
  kBusiness = 2,
  kCultural = 3,
  kIncidental = 4,
};

// ---------------------------------------------------------------------------
// §3 Satisfaction

/// §3.2 The three levels of satisfaction (客户满意的三个层次).
enum class SatisfactionLevel : int {
  kDissatisfied = 0,
  kSatisfied = 1,
  kVerySatisfied = 2,
};

/// §3.4 The six satisfaction indicators (衡量客户满意度的六个指标).
enum class SatisfactionIndicator : int {
  kReputation = 0,
  kNameRecall = 1,
  kReturnRate = 2,
  kComplaintRate = 3,
  kPurchaseAmount = 4,
  kPriceSensitivity = 5,
};

// ---------------------------------------------------------------------------
// §4 Loyalty

/// §4.1 The loyalty ladder (客户忠诚度阶梯, Jill Griffin), bottom rung first.
enum class LadderRung : int {
  kSuspect = 0,
  kProspect = 1,
  kDisqualifiedProspect = 2,
  kFirstTimeCustomer = 3,
  kRepeatCustomer = 4,
  kClient = 5,
  kAdvocate = 6,
};

/// §4.2 The four loyalty levels (客户忠诚度的四个层次), in order of development.
enum class LoyaltyLevel : int {
  kImpulsive = 0,
  kAffective = 1,
  kCognitive = 2,
  kBehavioural = 3,
};

/// §4.3 The seven loyalty indicators (客户忠诚度测评).
enum class LoyaltyIndicator : int {
  kRepeatPurchaseRate = 0,
  kTimeSpentChoosing = 1,
  kAttentionToOurBrand = 2,
  kAttentionToCompetitors = 3,
  kPriceSensitivity = 4,
  kProductApproval = 5,
  kQualityTolerance = 6,
};

/// §4.3 Citibank's four groups of loyalty measures.
enum class LoyaltyMeasureGroup : int {
  kProductAndProcessSatisfaction = 0,
  kValueDrivers = 1,
  kLoyaltyDrivers = 2,
  kLoyaltyIndex = 3,
};

// ---------------------------------------------------------------------------
// §5 Composite value and the evaluation scorecard

/// §5 The five components of composite customer value (客户综合价值模型).
enum class CompositeComponent : int {
  kCurrentContribution = 0,
  kFutureContribution = 1,
  kCredit = 2,
  kLoyalty = 3,
  kGrowthPotential = 4,
};

/// §5 How a component is normalized before weighting.
enum class NormalizerKind : int {
  kMinMax = 0,
  kZScore = 1,
  kPercentileRank = 2,
  kFixedBounds = 3,
};

/// §5 The ten criteria of the enterprise evaluation scorecard (客户评估与分析).
enum class ScorecardCriterion : int {
  kCredit = 0,
  kFinancialStatus = 1,
  kMarketCoverage = 2,
  kSalesCapability = 3,
  kProductLine = 4,
  kManagementCapability = 5,
  kManagementStability = 6,
  kScale = 7,
  kReputation = 8,
  kAttitude = 9,
};

/// §5 The scorecard grade.
enum class ScorecardGrade : int { kA = 0, kB = 1, kC = 2 };

// ---------------------------------------------------------------------------
// §6 Lifecycle

/// §6.1 Lifecycle stage (客户生命周期).
enum class LifecycleStage : int {
  kExploration = 0,
  kFormation = 1,
  kStability = 2,
  kDecline = 3,
};

/// §6.1 The management view of the lifecycle.
enum class ManagementPhase : int {
  kAttract = 0,
  kAcquire = 1,
  kManage = 2,
  kRetain = 3,
};

// ---------------------------------------------------------------------------
// §7 Complaints

/// §7 Where a customer's dissatisfaction stands (潜在化抱怨 → 投诉).
enum class ComplaintStage : int { kLatentDissatisfaction = 0, kComplaint = 1 };

/// §7 Causes of complaints.
enum class ComplaintCause : int {
  kQuality = 0,
  kAttitude = 1,
  kDeception = 2,
  kBeyondStandard = 3,
  kMismatchedMeasures = 4,
  kCustomerConduct = 5,
};

/// §7 Complaint handling steps, in the order they are carried out.
enum class ComplaintHandlingStep : int {
  kLetVent = 0,
  kRecordAndJudge = 1,
  kResolve = 2,
  kFollowUp = 3,
  kThank = 4,
};

// ---------------------------------------------------------------------------
// §8 Grading management

/// §8 What grading management (客户的分级管理) recommends for a customer.
enum class GradingAction : int {
  kDedicatedService = 0,
  kDevelop = 1,
  kReduceService = 2,
  kHelpGrow = 3,
  kPoliteExit = 4,
  kExit = 5,
};

// ---------------------------------------------------------------------------
// The tables. Order must follow the numeric values (checked below).

#define CRMCORE_TAXONOMY_(E, name, ...)                                   \
  template <>                                                             \
  struct TaxonomyTraits<E> {                                              \
    static constexpr absl::string_view kName = name;                      \
    static constexpr TaxonomyEntry<E> kEntries[] = {__VA_ARGS__};         \
  }

CRMCORE_TAXONOMY_(CustomerKind, "customer_kind",
                  {CustomerKind::kIndividual, "individual", "individual", "个人客户"},
                  {CustomerKind::kEnterprise, "enterprise", "enterprise", "企业客户"});

CRMCORE_TAXONOMY_(IndividualFacet, "individual_facet",
                  {IndividualFacet::kBasic, "basic", "basic information", "基本信息"},
                  {IndividualFacet::kEducation, "education", "education", "教育情况"},
                  {IndividualFacet::kCareer, "career", "career", "事业情况"},
                  {IndividualFacet::kFamily, "family", "family", "家庭情况"},
                  {IndividualFacet::kLifestyle, "lifestyle", "lifestyle", "生活情况"},
                  {IndividualFacet::kPersonality, "personality", "personality", "个性情况"},
                  {IndividualFacet::kSocialNetwork, "social_network", "social network",
                   "人际情况"});

CRMCORE_TAXONOMY_(EnterpriseFacet, "enterprise_facet",
                  {EnterpriseFacet::kBasic, "basic", "basic information", "基本信息"},
                  {EnterpriseFacet::kCharacteristics, "characteristics",
                   "customer characteristics", "客户特征"},
                  {EnterpriseFacet::kBusiness, "business", "business situation", "业务情况"},
                  {EnterpriseFacet::kTransactions, "transactions", "transactions", "交易情况"},
                  {EnterpriseFacet::kPrincipalContact, "principal_contact",
                   "principal contact", "负责人信息"});

CRMCORE_TAXONOMY_(InformationChannelKind, "information_channel_kind",
                  {InformationChannelKind::kDirect, "direct", "direct", "直接渠道"},
                  {InformationChannelKind::kIndirect, "indirect", "indirect", "间接渠道"});

CRMCORE_TAXONOMY_(
    InformationChannel, "information_channel",
    {InformationChannel::kSurvey, "survey", "survey", "调查"},
    {InformationChannel::kMarketingCampaign, "marketing_campaign", "marketing campaign",
     "营销活动"},
    {InformationChannel::kServiceProcess, "service_process", "service process", "服务过程"},
    {InformationChannel::kPointOfSale, "point_of_sale", "point of sale", "销售终端"},
    {InformationChannel::kTradeShow, "trade_show", "trade show", "展会"},
    {InformationChannel::kComplaint, "complaint", "complaint", "投诉"},
    {InformationChannel::kWebAndCallCenter, "web_and_call_center", "web and call center",
     "网络和呼叫中心"},
    {InformationChannel::kMedia, "media", "media", "媒介"},
    {InformationChannel::kBusinessRegistry, "business_registry", "business registry",
     "工商部门"},
    {InformationChannel::kFinancialInstitution, "financial_institution",
     "financial institution", "金融机构"},
    {InformationChannel::kConsultancy, "consultancy", "consultancy", "咨询公司"},
    {InformationChannel::kPurchasedDatabase, "purchased_database",
     "purchased or rented database", "购买/租用数据库"});

CRMCORE_TAXONOMY_(InteractionKind, "interaction_kind",
                  {InteractionKind::kContact, "contact", "contact", "接触"},
                  {InteractionKind::kComplaint, "complaint", "complaint", "投诉"});

CRMCORE_TAXONOMY_(RelationshipStage, "relationship_stage",
                  {RelationshipStage::kNonCustomer, "non_customer", "non-customer", "非客户"},
                  {RelationshipStage::kPotential, "potential", "potential customer",
                   "潜在客户"},
                  {RelationshipStage::kTarget, "target", "target customer", "目标客户"},
                  {RelationshipStage::kCurrent, "current", "current customer", "现实客户"},
                  {RelationshipStage::kLost, "lost", "lost customer", "流失客户"});

CRMCORE_TAXONOMY_(ValueTier, "value_tier",
                  {ValueTier::kVip, "vip", "VIP customer", "VIP客户"},
                  {ValueTier::kMajor, "major", "major customer", "主要客户"},
                  {ValueTier::kOrdinary, "ordinary", "ordinary customer", "普通客户"},
                  {ValueTier::kSmall, "small", "small customer", "小客户"});

CRMCORE_TAXONOMY_(LoyaltyClass, "loyalty_class",
                  {LoyaltyClass::kNotYetCustomer, "not_yet_customer", "not yet a customer",
                   "潜在客户"},
                  {LoyaltyClass::kNew, "new", "new customer", "新客户"},
                  {LoyaltyClass::kRegular, "regular", "regular customer", "常客户"},
                  {LoyaltyClass::kLongStanding, "long_standing", "long-standing customer",
                   "老客户"},
                  {LoyaltyClass::kLoyal, "loyal", "loyal customer", "忠诚客户"});

CRMCORE_TAXONOMY_(ReactionType, "reaction_type",
                  {ReactionType::kCompliant, "compliant", "compliant", "屈从型"},
                  {ReactionType::kCaring, "caring", "caring", "关怀型"},
                  {ReactionType::kAdaptive, "adaptive", "adaptive", "适应型"},
                  {ReactionType::kIndifferent, "indifferent", "indifferent", "冷漠型"});

CRMCORE_TAXONOMY_(RelationshipNature, "relationship_nature",
                  {RelationshipNature::kConsumer, "consumer", "consumer", "消费者"},
                  {RelationshipNature::kEnterprise, "enterprise", "enterprise", "企业"},
                  {RelationshipNature::kChannelMember, "channel_member", "channel member",
                   "渠道成员"},
                  {RelationshipNature::kInternalCustomer, "internal_customer",
                   "internal customer", "内部客户"});

CRMCORE_TAXONOMY_(CustomerSource, "customer_source",
                  {CustomerSource::kEndCustomer, "end_customer", "end customer", "终端客户"},
                  {CustomerSource::kIntermediateCustomer, "intermediate_customer",
                   "intermediate customer", "中间客户"},
                  {CustomerSource::kPublicInterestCustomer, "public_interest_customer",
                   "public-interest customer", "公利客户"});

CRMCORE_TAXONOMY_(NeedSegment, "need_segment",
                  {NeedSegment::kBrandLoyal, "brand_loyal", "brand-loyal", "品牌忠实者"},
                  {NeedSegment::kServiceSeeker, "service_seeker", "service seeker",
                   "服务追求者"},
                  {NeedSegment::kQualitySeeker, "quality_seeker", "quality seeker",
                   "质量追求者"},
                  {NeedSegment::kPriceSensitive, "price_sensitive", "price-sensitive",
                   "价格敏感者"},
                  {NeedSegment::kConvenienceSeeker, "convenience_seeker", "convenience seeker",
                   "方便简捷型"});

CRMCORE_TAXONOMY_(UsageSize, "usage_size",
                  {UsageSize::kHeavyUser, "heavy_user", "heavy user", "大用户"},
                  {UsageSize::kLightUser, "light_user", "light user", "小用户"});

CRMCORE_TAXONOMY_(SegmentationAxis, "segmentation_axis",
                  {SegmentationAxis::kValue, "value", "value", "价值"},
                  {SegmentationAxis::kDemographics, "demographics", "demographics",
                   "人口统计"},
                  {SegmentationAxis::kBehaviour, "behaviour", "behaviour", "行为"});

CRMCORE_TAXONOMY_(ProfitabilityQuadrant, "profitability_quadrant",
                  {ProfitabilityQuadrant::kHighlyProfitable, "highly_profitable",
                   "highly profitable", "最赚钱客户"},
                  {ProfitabilityQuadrant::kProfitable, "profitable", "profitable",
                   "次赚钱客户"},
                  {ProfitabilityQuadrant::kUnprofitable, "unprofitable", "unprofitable",
                   "不赚钱客户"},
                  {ProfitabilityQuadrant::kHighlyUnprofitable, "highly_unprofitable",
                   "highly unprofitable", "赔钱客户"});

CRMCORE_TAXONOMY_(ChurnType, "churn_type",
                  {ChurnType::kVoluntary, "voluntary", "active (voluntary) churn",
                   "主动流失"},
                  {ChurnType::kInvoluntary, "involuntary", "passive (involuntary) churn",
                   "被动流失"});

CRMCORE_TAXONOMY_(RelationshipType, "relationship_type",
                  {RelationshipType::kSupplier, "supplier", "supplier", "供应商"},
                  {RelationshipType::kPartner, "partner", "partner", "伙伴"},
                  {RelationshipType::kOutsider, "outsider", "outsider", "外人"},
                  {RelationshipType::kFriend, "friend", "friend", "朋友"});

CRMCORE_TAXONOMY_(CommunicationStyle, "communication_style",
                  {CommunicationStyle::kThinker, "thinker", "thinker", "分析论"},
                  {CommunicationStyle::kSensor, "sensor", "sensor", "行动论"},
                  {CommunicationStyle::kIntuitor, "intuitor", "intuitor", "直观论"},
                  {CommunicationStyle::kFeeler, "feeler", "feeler", "人际论"});

CRMCORE_TAXONOMY_(RelationshipBond, "relationship_bond",
                  {RelationshipBond::kKinship, "kinship", "kinship", "亲缘"},
                  {RelationshipBond::kGeographic, "geographic", "geographic", "地缘"},
                  {RelationshipBond::kBusiness, "business", "business", "业缘"},
                  {RelationshipBond::kCultural, "cultural", "cultural or custom",
                   "文化习俗"},
                  {RelationshipBond::kIncidental, "incidental", "incidental", "偶发性"});

CRMCORE_TAXONOMY_(SatisfactionLevel, "satisfaction_level",
                  {SatisfactionLevel::kDissatisfied, "dissatisfied", "dissatisfied",
                   "不满意"},
                  {SatisfactionLevel::kSatisfied, "satisfied", "satisfied", "满意"},
                  {SatisfactionLevel::kVerySatisfied, "very_satisfied", "very satisfied",
                   "非常满意"});

CRMCORE_TAXONOMY_(SatisfactionIndicator, "satisfaction_indicator",
                  {SatisfactionIndicator::kReputation, "reputation", "reputation", "美誉度"},
                  {SatisfactionIndicator::kNameRecall, "name_recall", "name recall", "指名度"},
                  {SatisfactionIndicator::kReturnRate, "return_rate", "return rate", "回头率"},
                  {SatisfactionIndicator::kComplaintRate, "complaint_rate", "complaint rate",
                   "投诉率"},
                  {SatisfactionIndicator::kPurchaseAmount, "purchase_amount",
                   "purchase amount", "购买额"},
                  {SatisfactionIndicator::kPriceSensitivity, "price_sensitivity",
                   "price sensitivity", "对价格的敏感度"});

CRMCORE_TAXONOMY_(LadderRung, "ladder_rung",
                  {LadderRung::kSuspect, "suspect", "suspect", "潜在客户"},
                  {LadderRung::kProspect, "prospect", "prospect", "目标客户"},
                  {LadderRung::kDisqualifiedProspect, "disqualified_prospect",
                   "disqualified prospect", "不合格的目标客户"},
                  {LadderRung::kFirstTimeCustomer, "first_time_customer",
                   "first-time customer", "第一次购买者"},
                  {LadderRung::kRepeatCustomer, "repeat_customer", "repeat customer",
                   "重复购买者"},
                  {LadderRung::kClient, "client", "client", "长期客户"},
                  {LadderRung::kAdvocate, "advocate", "advocate", "企业拥护者"});

CRMCORE_TAXONOMY_(LoyaltyLevel, "loyalty_level",
                  {LoyaltyLevel::kImpulsive, "impulsive", "impulsive loyalty", "冲动型忠诚"},
                  {LoyaltyLevel::kAffective, "affective", "affective loyalty", "情感型忠诚"},
                  {LoyaltyLevel::kCognitive, "cognitive", "cognitive loyalty", "认知型忠诚"},
                  {LoyaltyLevel::kBehavioural, "behavioural", "behavioural loyalty",
                   "行为型忠诚"});

CRMCORE_TAXONOMY_(LoyaltyIndicator, "loyalty_indicator",
                  {LoyaltyIndicator::kRepeatPurchaseRate, "repeat_purchase_rate",
                   "repeat-purchase rate", "重复购买率"},
                  {LoyaltyIndicator::kTimeSpentChoosing, "time_spent_choosing",
                   "time spent choosing", "挑选时间"},
                  {LoyaltyIndicator::kAttentionToOurBrand, "attention_to_our_brand",
                   "attention to our brand", "对本企业品牌的关注程度"},
                  {LoyaltyIndicator::kAttentionToCompetitors, "attention_to_competitors",
                   "attention to competitors", "对竞争产品的关注程度"},
                  {LoyaltyIndicator::kPriceSensitivity, "price_sensitivity",
                   "price sensitivity", "对价格的敏感度"},
                  {LoyaltyIndicator::kProductApproval, "product_approval", "product approval",
                   "对产品的认同度"},
                  {LoyaltyIndicator::kQualityTolerance, "quality_tolerance",
                   "tolerance of quality problems", "对产品质量的承受力"});

// Chinese labels of the Citibank groups are crmcore's translations (the material
// names the groups in English).
CRMCORE_TAXONOMY_(LoyaltyMeasureGroup, "loyalty_measure_group",
                  {LoyaltyMeasureGroup::kProductAndProcessSatisfaction,
                   "product_and_process_satisfaction",
                   "satisfaction with product and process", "对产品和过程的满意度"},
                  {LoyaltyMeasureGroup::kValueDrivers, "value_drivers", "value drivers",
                   "价值驱动因素"},
                  {LoyaltyMeasureGroup::kLoyaltyDrivers, "loyalty_drivers", "loyalty drivers",
                   "忠诚驱动因素"},
                  {LoyaltyMeasureGroup::kLoyaltyIndex, "loyalty_index",
                   "loyalty index (purchase volume, repeat frequency, usage frequency, spend growth)",
                   "忠诚度指数"});

CRMCORE_TAXONOMY_(CompositeComponent, "composite_component",
                  {CompositeComponent::kCurrentContribution, "current_contribution",
                   "current contribution", "当前贡献度"},
                  {CompositeComponent::kFutureContribution, "future_contribution",
                   "future contribution", "未来贡献度"},
                  {CompositeComponent::kCredit, "credit", "credit", "信用度"},
                  {CompositeComponent::kLoyalty, "loyalty", "loyalty", "忠诚度"},
                  {CompositeComponent::kGrowthPotential, "growth_potential",
                   "growth potential", "成长潜力"});

CRMCORE_TAXONOMY_(NormalizerKind, "normalizer_kind",
                  {NormalizerKind::kMinMax, "min_max", "min-max", "极差标准化"},
                  {NormalizerKind::kZScore, "z_score", "z-score", "标准差标准化"},
                  {NormalizerKind::kPercentileRank, "percentile_rank", "percentile rank",
                   "百分位排名"},
                  {NormalizerKind::kFixedBounds, "fixed_bounds", "fixed bounds",
                   "固定区间"});

CRMCORE_TAXONOMY_(ScorecardCriterion, "scorecard_criterion",
                  {ScorecardCriterion::kCredit, "credit", "credit", "信用"},
                  {ScorecardCriterion::kFinancialStatus, "financial_status",
                   "financial status", "财务状况"},
                  {ScorecardCriterion::kMarketCoverage, "market_coverage", "market coverage",
                   "市场覆盖范围"},
                  {ScorecardCriterion::kSalesCapability, "sales_capability",
                   "sales capability and results", "销售能力和业绩"},
                  {ScorecardCriterion::kProductLine, "product_line", "product line",
                   "产品线"},
                  {ScorecardCriterion::kManagementCapability, "management_capability",
                   "management capability", "管理能力"},
                  {ScorecardCriterion::kManagementStability, "management_stability",
                   "management stability", "管理层的稳定性"},
                  {ScorecardCriterion::kScale, "scale", "scale", "规模"},
                  {ScorecardCriterion::kReputation, "reputation", "reputation", "声誉"},
                  {ScorecardCriterion::kAttitude, "attitude", "attitude", "态度"});

CRMCORE_TAXONOMY_(ScorecardGrade, "scorecard_grade",
                  {ScorecardGrade::kA, "a", "grade A", "A级"},
                  {ScorecardGrade::kB, "b", "grade B", "B级"},
                  {ScorecardGrade::kC, "c", "grade C", "C级"});

CRMCORE_TAXONOMY_(LifecycleStage, "lifecycle_stage",
                  {LifecycleStage::kExploration, "exploration", "exploration", "考察期"},
                  {LifecycleStage::kFormation, "formation", "formation", "形成期"},
                  {LifecycleStage::kStability, "stability", "stability", "稳定期"},
                  {LifecycleStage::kDecline, "decline", "decline", "退化期"});

CRMCORE_TAXONOMY_(ManagementPhase, "management_phase",
                  {ManagementPhase::kAttract, "attract", "attract", "吸引"},
                  {ManagementPhase::kAcquire, "acquire", "acquire", "获得"},
                  {ManagementPhase::kManage, "manage", "manage", "管理"},
                  {ManagementPhase::kRetain, "retain", "retain", "挽留"});

CRMCORE_TAXONOMY_(ComplaintStage, "complaint_stage",
                  {ComplaintStage::kLatentDissatisfaction, "latent_dissatisfaction",
                   "latent dissatisfaction", "潜在化抱怨"},
                  {ComplaintStage::kComplaint, "complaint", "complaint", "投诉"});

CRMCORE_TAXONOMY_(ComplaintCause, "complaint_cause",
                  {ComplaintCause::kQuality, "quality", "product or service quality",
                   "产品或服务质量"},
                  {ComplaintCause::kAttitude, "attitude", "service attitude", "服务态度"},
                  {ComplaintCause::kDeception, "deception", "deception", "欺诈"},
                  {ComplaintCause::kBeyondStandard, "beyond_standard",
                   "demands beyond the firm's standard", "超出企业标准的要求"},
                  {ComplaintCause::kMismatchedMeasures, "mismatched_measures",
                   "mismatched measures", "措施不当"},
                  {ComplaintCause::kCustomerConduct, "customer_conduct",
                   "customer's own conduct", "客户自身原因"});

CRMCORE_TAXONOMY_(ComplaintHandlingStep, "complaint_handling_step",
                  {ComplaintHandlingStep::kLetVent, "let_vent", "let the customer vent",
                   "让客户发泄"},
                  {ComplaintHandlingStep::kRecordAndJudge, "record_and_judge",
                   "record and judge validity", "记录并判断"},
                  {ComplaintHandlingStep::kResolve, "resolve",
                   "propose and carry out a solution", "提出并实施解决方案"},
                  {ComplaintHandlingStep::kFollowUp, "follow_up", "follow up", "跟踪服务"},
                  {ComplaintHandlingStep::kThank, "thank", "thank the customer", "感谢客户"});

CRMCORE_TAXONOMY_(GradingAction, "grading_action",
                  {GradingAction::kDedicatedService, "dedicated_service",
                   "dedicated service, concentrated resources", "集中资源, 专门服务"},
                  {GradingAction::kDevelop, "develop", "develop toward a higher grade",
                   "培养升级"},
                  {GradingAction::kReduceService, "reduce_service", "reduce service",
                   "减少服务"},
                  {GradingAction::kHelpGrow, "help_grow", "help the customer grow",
                   "帮助成长"},
                  {GradingAction::kPoliteExit, "polite_exit",
                   "polite exit (raise price, lower cost to serve)", "礼貌淘汰"},
                  {GradingAction::kExit, "exit", "exit", "坚决淘汰"});

#undef CRMCORE_TAXONOMY_

// ---------------------------------------------------------------------------
// Generic access to any taxonomy.

/// Number of values of taxonomy E.
template <Taxonomy E>
constexpr std::size_t TaxonomySize() {
  return std::size(TaxonomyTraits<E>::kEntries);
}

/// The taxonomy's own identifier, e.g. "ladder_rung".
template <Taxonomy E>
constexpr absl::string_view TaxonomyName() {
  return TaxonomyTraits<E>::kName;
}

/// Every value of E in numeric order.
template <Taxonomy E>
constexpr std::array<E, TaxonomySize<E>()> AllValues() {
  std::array<E, TaxonomySize<E>()> values{};
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = TaxonomyTraits<E>::kEntries[i].value;
  return values;
}

/// True when `e` is one of E's declared values. An enum class can hold any int
/// (a cast from host data), so code that indexes by value checks this first.
template <Taxonomy E>
constexpr bool IsValid(E e) {
  const int v = static_cast<int>(e);
  return v >= 0 && static_cast<std::size_t>(v) < TaxonomySize<E>();
}

namespace taxonomy_internal {

// The table row of `e`, which must be valid. (Callers test IsValid() first rather than
// compare a pointer with nullptr: gcc cannot constant-evaluate that under ASan.)
template <Taxonomy E>
constexpr const TaxonomyEntry<E>& Entry(E e) {
  return TaxonomyTraits<E>::kEntries[static_cast<std::size_t>(e)];
}

// Checks at compile time that each table lists its values as 0, 1, 2, ... with
// unique identifiers, so Entry() can index and Parse() is unambiguous.
template <Taxonomy E>
constexpr bool TableIsWellFormed() {
  const auto& entries = TaxonomyTraits<E>::kEntries;
  for (std::size_t i = 0; i < std::size(entries); ++i) {
    if (static_cast<std::size_t>(entries[i].value) != i) return false;
    if (entries[i].id.empty() || entries[i].en.empty() || entries[i].zh.empty()) return false;
    for (std::size_t j = 0; j < i; ++j) {
      if (entries[j].id == entries[i].id) return false;
    }
  }
  return true;
}

}  // namespace taxonomy_internal

/// English identifier of `e` (snake_case, e.g. "first_time_customer"); "invalid"
/// for a value E does not declare.
template <Taxonomy E>
constexpr absl::string_view Id(E e) {
  return IsValid(e) ? taxonomy_internal::Entry(e).id : absl::string_view("invalid");
}

/// English display label of `e`; "invalid" for a value E does not declare.
template <Taxonomy E>
constexpr absl::string_view LabelEn(E e) {
  return IsValid(e) ? taxonomy_internal::Entry(e).en : absl::string_view("invalid");
}

/// Chinese label of `e` (UTF-8); "invalid" for a value E does not declare.
template <Taxonomy E>
constexpr absl::string_view LabelZh(E e) {
  return IsValid(e) ? taxonomy_internal::Entry(e).zh : absl::string_view("invalid");
}

/// Parses an English identifier exactly (case-sensitive, no trimming). Unknown text
/// is InvalidArgument; the message names the taxonomy, the text and the accepted ids.
template <Taxonomy E>
absl::StatusOr<E> Parse(absl::string_view text) {
  for (const auto& entry : TaxonomyTraits<E>::kEntries) {
    if (entry.id == text) return entry.value;
  }
  std::string accepted;
  for (const auto& entry : TaxonomyTraits<E>::kEntries) {
    absl::StrAppend(&accepted, accepted.empty() ? "" : ", ", entry.id);
  }
  return absl::InvalidArgumentError(absl::StrCat(TaxonomyTraits<E>::kName, ": unknown value \"",
                                                 text, "\" (expected one of: ", accepted, ")"));
}

/// Like Parse(), but also accepts the exact English or Chinese display label.
/// Useful for host data typed by people (e.g. "VIP客户"); still strict: no defaults.
template <Taxonomy E>
absl::StatusOr<E> ParseLabel(absl::string_view text) {
  for (const auto& entry : TaxonomyTraits<E>::kEntries) {
    if (entry.id == text || entry.en == text || entry.zh == text) return entry.value;
  }
  return absl::InvalidArgumentError(absl::StrCat(TaxonomyTraits<E>::kName,
                                                 ": unknown identifier or label \"", text,
                                                 "\""));
}

/// Converts a stored numeric value back to E; values E does not declare are
/// InvalidArgument (hosts and the C ABI pass ints).
template <Taxonomy E>
absl::StatusOr<E> FromValue(int value) {
  const E e = static_cast<E>(value);
  if (!IsValid(e)) {
    return absl::InvalidArgumentError(absl::StrCat(TaxonomyTraits<E>::kName,
                                                   ": unknown numeric value ", value,
                                                   " (valid: 0..", TaxonomySize<E>() - 1, ")"));
  }
  return e;
}

/// Streams the identifier (used by GoogleTest and logging).
template <Taxonomy E>
std::ostream& operator<<(std::ostream& os, E e) {
  return os << Id(e);
}

/// Whether a channel of customer information is direct or indirect (§1).
constexpr InformationChannelKind InformationChannelKindOf(InformationChannel channel) {
  return static_cast<int>(channel) <= static_cast<int>(InformationChannel::kWebAndCallCenter)
             ? InformationChannelKind::kDirect
             : InformationChannelKind::kIndirect;
}

#define CRMCORE_CHECK_TAXONOMY_(E) \
  static_assert(taxonomy_internal::TableIsWellFormed<E>(), #E " table is not in value order")
CRMCORE_CHECK_TAXONOMY_(CustomerKind);
CRMCORE_CHECK_TAXONOMY_(IndividualFacet);
CRMCORE_CHECK_TAXONOMY_(EnterpriseFacet);
CRMCORE_CHECK_TAXONOMY_(InformationChannelKind);
CRMCORE_CHECK_TAXONOMY_(InformationChannel);
CRMCORE_CHECK_TAXONOMY_(InteractionKind);
CRMCORE_CHECK_TAXONOMY_(RelationshipStage);
CRMCORE_CHECK_TAXONOMY_(ValueTier);
CRMCORE_CHECK_TAXONOMY_(LoyaltyClass);
CRMCORE_CHECK_TAXONOMY_(ReactionType);
CRMCORE_CHECK_TAXONOMY_(RelationshipNature);
CRMCORE_CHECK_TAXONOMY_(CustomerSource);
CRMCORE_CHECK_TAXONOMY_(NeedSegment);
CRMCORE_CHECK_TAXONOMY_(UsageSize);
CRMCORE_CHECK_TAXONOMY_(SegmentationAxis);
CRMCORE_CHECK_TAXONOMY_(ProfitabilityQuadrant);
CRMCORE_CHECK_TAXONOMY_(ChurnType);
CRMCORE_CHECK_TAXONOMY_(RelationshipType);
CRMCORE_CHECK_TAXONOMY_(CommunicationStyle);
CRMCORE_CHECK_TAXONOMY_(RelationshipBond);
CRMCORE_CHECK_TAXONOMY_(SatisfactionLevel);
CRMCORE_CHECK_TAXONOMY_(SatisfactionIndicator);
CRMCORE_CHECK_TAXONOMY_(LadderRung);
CRMCORE_CHECK_TAXONOMY_(LoyaltyLevel);
CRMCORE_CHECK_TAXONOMY_(LoyaltyIndicator);
CRMCORE_CHECK_TAXONOMY_(LoyaltyMeasureGroup);
CRMCORE_CHECK_TAXONOMY_(CompositeComponent);
CRMCORE_CHECK_TAXONOMY_(NormalizerKind);
CRMCORE_CHECK_TAXONOMY_(ScorecardCriterion);
CRMCORE_CHECK_TAXONOMY_(ScorecardGrade);
CRMCORE_CHECK_TAXONOMY_(LifecycleStage);
CRMCORE_CHECK_TAXONOMY_(ManagementPhase);
CRMCORE_CHECK_TAXONOMY_(ComplaintStage);
CRMCORE_CHECK_TAXONOMY_(ComplaintCause);
CRMCORE_CHECK_TAXONOMY_(ComplaintHandlingStep);
CRMCORE_CHECK_TAXONOMY_(GradingAction);
#undef CRMCORE_CHECK_TAXONOMY_

}  // namespace crmcore

#endif  // CRMCORE_TAXONOMY_H_

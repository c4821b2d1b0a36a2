// The C API's ingest and models sections against the C++ path they wrap, on the CDNOW
// sample: the same summary, estimates and predictions, bit for bit (the C layer converts
// and validates; it must not compute anything differently).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "crmcore.h"
#include "crmcore/bgnbd.h"
#include "crmcore/clv.h"
#include "crmcore/customer_scoring.h"
#include "crmcore/gamma_gamma.h"
#include "crmcore/mbgnbd.h"
#include "crmcore/model_fit.h"
#include "crmcore/pareto_nbd.h"
#include "crmcore/prediction_intervals.h"
#include "crmcore/rfm_summary.h"
#include "crmcore/transaction_log.h"
#include "gtest/gtest.h"

namespace {

const std::string kSample = std::string(CRMCORE_TEST_DATA_DIR) + "/CDNOW_sample.txt";

crmcore::RfmSummary CoreSummary() {
  crmcore::TransactionLogOptions ingest;
  ingest.whitespace_delimited = true;
  ingest.has_header = false;
  ingest.customer = crmcore::ColumnRef::At(2);
  ingest.date = crmcore::ColumnRef::At(3);
  ingest.amount = crmcore::ColumnRef::At(5);
  ingest.date_format = "%Y%m%d";
  auto log = crmcore::LoadTransactionLog(kSample, ingest);
  EXPECT_TRUE(log.ok()) << log.status();
  crmcore::SummaryOptions options;
  options.unit = crmcore::TimeUnit::kWeeks;
  options.observation_end = absl::CivilDay(1997, 9, 30);
  auto summary = crmcore::SummarizeTransactions(*log, options);
  EXPECT_TRUE(summary.ok()) << summary.status();
  return *std::move(summary);
}

crm_summary* CSummary() {
  crm_ingest_options o = CRM_INGEST_OPTIONS_INIT;
  o.whitespace_delimited = 1;
  o.has_header = 0;
  o.customer_index = 2;
  o.date_index = 3;
  o.amount_index = 5;
  o.date_format = "%Y%m%d";
  o.observation_end = "1997-09-30";
  o.time_unit = CRM_TIME_UNIT_WEEKS;
  crm_summary* s = nullptr;
  EXPECT_EQ(crm_summary_load_path(kSample.c_str(), &o, &s), CRM_OK) << crm_last_error();
  return s;
}

std::vector<double> Column(const crm_summary* s, int which) {
  const double* values = nullptr;
  size_t length = 0;
  EXPECT_EQ(crm_summary_column(s, which, &values, &length), CRM_OK) << crm_last_error();
  return std::vector<double>(values, values + length);
}

std::vector<double> Params(const crm_model* m) {
  size_t count = 0;
  EXPECT_EQ(crm_model_param_count(m, &count), CRM_OK);
  std::vector<double> out(count);
  EXPECT_EQ(crm_model_params(m, out.data(), count), CRM_OK);
  return out;
}

class CapiVsCore : public ::testing::Test {
 protected:
  void SetUp() override {
    core_ = CoreSummary();
    c_ = CSummary();
    ASSERT_NE(c_, nullptr);
    x_ = Column(c_, CRM_SUMMARY_FREQUENCY);
    t_x_ = Column(c_, CRM_SUMMARY_RECENCY);
    T_ = Column(c_, CRM_SUMMARY_T);
    m_ = Column(c_, CRM_SUMMARY_MONETARY_VALUE);
  }
  void TearDown() override { crm_summary_destroy(c_); }

  crmcore::RfmSummary core_;
  crm_summary* c_ = nullptr;
  std::vector<double> x_, t_x_, T_, m_;
};

TEST_F(CapiVsCore, SummaryIsTheCoreSummary) {
  ASSERT_EQ(x_.size(), core_.size());
  EXPECT_EQ(x_, std::vector<double>(core_.frequency.begin(), core_.frequency.end()));
  EXPECT_EQ(t_x_, core_.recency);
  EXPECT_EQ(T_, core_.T);
  EXPECT_EQ(m_, core_.monetary_value);
  EXPECT_EQ(Column(c_, CRM_SUMMARY_HOLDOUT_MONETARY_VALUE), core_.holdout_monetary_value);
  for (size_t i = 0; i < core_.size(); i += 97) {
    const char* id = nullptr;
    size_t length = 0;
    ASSERT_EQ(crm_summary_customer_id(c_, i, &id, &length), CRM_OK);
    EXPECT_EQ(std::string(id, length), core_.customer_ids[i]);
  }
}

TEST_F(CapiVsCore, BgNbdFitAndPredictionsAreTheCore) {
  auto histories = crmcore::PurchaseHistoriesFromSummary(core_);
  ASSERT_TRUE(histories.ok());
  auto fit = crmcore::FitBgNbd(*histories);
  ASSERT_TRUE(fit.ok());
  crm_model* model = nullptr;
  ASSERT_EQ(crm_model_fit_summary(CRM_MODEL_BGNBD, c_, nullptr, &model), CRM_OK);
  const crmcore::BgNbdParams& p = fit->params;
  EXPECT_EQ(Params(model), (std::vector<double>{p.r, p.alpha, p.a, p.b}));
  double ll = 0;
  ASSERT_EQ(crm_model_fit_info(model, CRM_FIT_INFO_LOG_LIKELIHOOD, &ll), CRM_OK);
  EXPECT_EQ(ll, fit->report.log_likelihood);

  const size_t n = x_.size();
  std::vector<double> c_out(n), core_out(n);
  ASSERT_EQ(crm_model_p_alive(model, x_.data(), t_x_.data(), T_.data(), n, c_out.data()), CRM_OK);
  ASSERT_TRUE(crmcore::BgNbdProbabilityAlive(p, x_, t_x_, T_, absl::MakeSpan(core_out)).ok());
  EXPECT_EQ(c_out, core_out);
  ASSERT_EQ(crm_model_expected_purchases(model, 39.0, x_.data(), t_x_.data(), T_.data(), n,
                                         c_out.data()),
            CRM_OK);
  ASSERT_TRUE(
      crmcore::BgNbdExpectedPurchases(p, 39.0, x_, t_x_, T_, absl::MakeSpan(core_out)).ok());
  EXPECT_EQ(c_out, core_out);

  double sum = 0;
  std::vector<double> gradient(4);
  ASSERT_EQ(crm_model_log_likelihood(CRM_MODEL_BGNBD, Params(model).data(), 4, x_.data(),
                                     t_x_.data(), T_.data(), nullptr, n, &sum, gradient.data()),
            CRM_OK);
  auto core_sum = crmcore::BgNbdLogLikelihoodSum(p, *histories);
  ASSERT_TRUE(core_sum.ok());
  EXPECT_EQ(sum, core_sum->log_likelihood);
  EXPECT_EQ(gradient, std::vector<double>(core_sum->gradient.begin(), core_sum->gradient.end()));

  // The covariance, standard errors and prediction intervals are the core's.
  const crmcore::ParameterUncertainty& u = fit->report.uncertainty;
  ASSERT_TRUE(u.available) << u.message;
  std::vector<double> cov(16), se(4);
  ASSERT_EQ(crm_model_covariance(model, cov.data(), 16), CRM_OK);
  ASSERT_EQ(crm_model_standard_errors(model, se.data(), 4), CRM_OK);
  EXPECT_EQ(cov, u.covariance);
  EXPECT_EQ(se, u.standard_errors);
  auto dist = crmcore::ParameterDistribution::FromFit({p.r, p.alpha, p.a, p.b}, u);
  ASSERT_TRUE(dist.ok());
  auto core_intervals = crmcore::DeltaMethodIntervals(
      crmcore::BgNbdExpectedPurchasesPrediction(39.0, x_, t_x_, T_), *dist, n, {});
  ASSERT_TRUE(core_intervals.ok());
  std::vector<double> lo(n), hi(n), total(3);
  ASSERT_EQ(crm_prediction_intervals(CRM_PREDICT_EXPECTED_PURCHASES, model, nullptr, 39.0,
                                     nullptr, x_.data(), t_x_.data(), T_.data(), nullptr, n,
                                     lo.data(), hi.data(), total.data()),
            CRM_OK)
      << crm_last_error();
  EXPECT_EQ(lo, core_intervals->lo);
  EXPECT_EQ(hi, core_intervals->hi);
  EXPECT_EQ(total, (std::vector<double>{core_intervals->total.value, core_intervals->total.lo,
                                        core_intervals->total.hi}));
  crm_model_destroy(model);
}

TEST_F(CapiVsCore, MbgNbdCountProbabilitiesAndClvAreTheCore) {
  auto histories = crmcore::PurchaseHistoriesFromSummary(core_);
  ASSERT_TRUE(histories.ok());
  auto fit = crmcore::FitMbgNbd(*histories);
  ASSERT_TRUE(fit.ok());
  auto spend = crmcore::SpendHistories::Create(x_, core_.monetary_value);
  ASSERT_TRUE(spend.ok());
  auto gg = crmcore::FitGammaGamma(*spend);
  ASSERT_TRUE(gg.ok());
  crm_model* model = nullptr;
  crm_model* c_gg = nullptr;
  ASSERT_EQ(crm_model_fit_summary(CRM_MODEL_MBGNBD, c_, nullptr, &model), CRM_OK);
  ASSERT_EQ(crm_model_fit_summary(CRM_MODEL_GAMMA_GAMMA, c_, nullptr, &c_gg), CRM_OK);
  const crmcore::MbgNbdParams& p = fit->params;
  EXPECT_EQ(Params(model), (std::vector<double>{p.r, p.alpha, p.a, p.b}));

  const size_t n = x_.size();
  for (const int64_t k : {int64_t{0}, int64_t{1}, int64_t{5}}) {
    double c_value = -1;
    ASSERT_EQ(crm_model_purchase_count_probability(model, k, 20.0, &c_value), CRM_OK)
        << crm_last_error();
    EXPECT_EQ(c_value, *crmcore::MbgNbdPurchaseCountProbability(p, 20.0, k));
    std::vector<double> c_out(n), core_out(n);
    ASSERT_EQ(crm_model_conditional_purchase_count_probability(model, k, 20.0, x_.data(),
                                                               t_x_.data(), T_.data(), n,
                                                               c_out.data()),
              CRM_OK)
        << crm_last_error();
    ASSERT_TRUE(crmcore::MbgNbdConditionalPurchaseCountProbability(p, 20.0, k, x_, t_x_, T_,
                                                                   absl::MakeSpan(core_out))
                    .ok());
    EXPECT_EQ(c_out, core_out);
  }

  std::vector<double> c_clv(n), core_spend(n), core_clv(n);
  ASSERT_TRUE(crmcore::GammaGammaExpectedMeanSpend(gg->params, x_, m_,
                                                   absl::MakeSpan(core_spend))
                  .ok());
  crm_clv_options o = CRM_CLV_OPTIONS_INIT;
  o.time_unit = CRM_TIME_UNIT_WEEKS;  // the summary's unit
  crmcore::ClvHorizon horizon;
  horizon.unit = crmcore::TimeUnit::kWeeks;
  ASSERT_EQ(crm_clv(model, c_gg, x_.data(), t_x_.data(), T_.data(), m_.data(), n, &o,
                    c_clv.data()),
            CRM_OK)
      << crm_last_error();
  ASSERT_TRUE(crmcore::MbgNbdDiscountedClv(p, horizon, core_spend, x_, t_x_, T_,
                                           absl::MakeSpan(core_clv))
                  .ok());
  EXPECT_EQ(c_clv, core_clv);
  crm_model_destroy(model);
  crm_model_destroy(c_gg);
}

TEST_F(CapiVsCore, ParetoNbdGammaGammaAndClvAreTheCore) {
  auto histories = crmcore::PurchaseHistoriesFromSummary(core_);
  ASSERT_TRUE(histories.ok());
  auto pareto = crmcore::FitParetoNbd(*histories);
  ASSERT_TRUE(pareto.ok());
  auto spend = crmcore::SpendHistories::Create(x_, core_.monetary_value);
  ASSERT_TRUE(spend.ok());
  auto gg = crmcore::FitGammaGamma(*spend);
  ASSERT_TRUE(gg.ok());

  crm_model* c_pareto = nullptr;
  crm_model* c_gg = nullptr;
  ASSERT_EQ(crm_model_fit_summary(CRM_MODEL_PARETO_NBD, c_, nullptr, &c_pareto), CRM_OK);
  ASSERT_EQ(crm_model_fit_summary(CRM_MODEL_GAMMA_GAMMA, c_, nullptr, &c_gg), CRM_OK);
  const crmcore::ParetoNbdParams& pp = pareto->params;
  EXPECT_EQ(Params(c_pareto), (std::vector<double>{pp.r, pp.alpha, pp.s, pp.beta}));
  EXPECT_EQ(Params(c_gg), (std::vector<double>{gg->params.p, gg->params.q, gg->params.gamma}));

  const size_t n = x_.size();
  std::vector<double> c_out(n), core_spend(n), core_clv(n);
  ASSERT_EQ(crm_model_expected_mean_spend(c_gg, x_.data(), m_.data(), n, c_out.data()), CRM_OK);
  ASSERT_TRUE(crmcore::GammaGammaExpectedMeanSpend(gg->params, x_, m_,
                                                   absl::MakeSpan(core_spend))
                  .ok());
  EXPECT_EQ(c_out, core_spend);

  crm_clv_options o = CRM_CLV_OPTIONS_INIT;
  o.periods = 6;
  o.time_unit = CRM_TIME_UNIT_WEEKS;
  o.period_days = 30.4;
  o.discount_rate = 0.008;
  crmcore::ClvHorizon horizon;
  horizon.periods = 6;
  horizon.unit = crmcore::TimeUnit::kWeeks;
  horizon.period_days = 30.4;
  horizon.discount_rate = 0.008;
  ASSERT_EQ(crm_clv(c_pareto, c_gg, x_.data(), t_x_.data(), T_.data(), m_.data(), n, &o,
                    c_out.data()),
            CRM_OK)
      << crm_last_error();
  ASSERT_TRUE(crmcore::ParetoNbdDiscountedClv(pp, horizon, core_spend, x_, t_x_, T_,
                                              absl::MakeSpan(core_clv))
                  .ok());
  EXPECT_EQ(c_out, core_clv);

  // The Pareto/NBD log-likelihood sum and its gradient, for partition-wise fits.
  double sum = 0;
  std::vector<double> gradient(4);
  ASSERT_EQ(crm_model_log_likelihood(CRM_MODEL_PARETO_NBD, Params(c_pareto).data(), 4,
                                     x_.data(), t_x_.data(), T_.data(), nullptr, n, &sum,
                                     gradient.data()),
            CRM_OK)
      << crm_last_error();
  auto core_sum = crmcore::ParetoNbdLogLikelihoodSum(pp, *histories);
  ASSERT_TRUE(core_sum.ok()) << core_sum.status();
  EXPECT_EQ(sum, core_sum->log_likelihood);
  EXPECT_EQ(gradient, std::vector<double>(core_sum->gradient.begin(), core_sum->gradient.end()));
  crm_model_destroy(c_pareto);
  crm_model_destroy(c_gg);
}

}  // namespace

// The C API's report section (capi/crmcore.h, "The HTML report"): the page of a summary
// and its fitted models (crmcore/html_report.h), written to a file through a temporary
// file renamed into place.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <initializer_list>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "capi_internal.h"
#include "capi_model.h"
#include "capi_summary.h"
#include "crmcore.h"
#include "crmcore/customer_scoring.h"
#include "crmcore/html_report.h"
#include "crmcore/status.h"

using namespace crmcore::capi_internal;  // NOLINT: the C API's shared toolkit

namespace {

constexpr crm_report_options kReportInit = CRM_REPORT_OPTIONS_INIT;

absl::Status CheckModel(const crm_model* model, const char* name, std::initializer_list<int> kinds,
                        const char* what) {
  CRM_RETURN_IF_ERROR(CheckHandle(model, name));
  if (std::find(kinds.begin(), kinds.end(), model->kind) == kinds.end()) {
    return absl::InvalidArgumentError(absl::StrCat(name, " must be a ", what, " model"));
  }
  if (model->fitted && !model->report.converged) {
    return absl::FailedPreconditionError(absl::StrCat(
        name, ": the fit did not converge (", model->report.message,
        "); its parameters are not estimates"));
  }
  return absl::OkStatus();
}

// A model's fit report for the page; one made from given parameters says so.
crmcore::FitReport ReportOf(const crm_model& model) {
  if (model.fitted) return model.report;
  crmcore::FitReport report;
  report.message = "parameters given by the host (not fitted)";
  return report;
}

absl::Status CannotWrite(const std::string& path, int error) {
  return absl::DataLossError(absl::StrCat("cannot write ", path, ": ", std::strerror(error)));
}

// Writes `text` to `path` through a new file beside it (created with O_EXCL, so never an
// existing file, and mode 0666 less the umask, as any new file) that is flushed to disk
// and renamed over `path`; on failure the temporary file is removed and `path` unchanged.
absl::Status WriteFileReplacing(const std::string& path, const std::string& text) {
  static std::atomic<uint64_t> counter{0};
  std::string temporary;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    temporary = absl::StrCat(path, ".tmp.", getpid(), ".", counter.fetch_add(1));
    fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) return CannotWrite(path, errno);
  }
  if (fd < 0) return CannotWrite(path, EEXIST);
  const auto fail = [&](int error) {
    close(fd);
    unlink(temporary.c_str());
    return CannotWrite(path, error);
  };
  for (size_t done = 0; done < text.size();) {
    const ssize_t wrote = write(fd, text.data() + done, text.size() - done);
    if (wrote < 0) {
      if (errno == EINTR) continue;
      return fail(errno);
    }
    done += static_cast<size_t>(wrote);
  }
  if (fsync(fd) != 0) return fail(errno);
  if (close(fd) != 0) {
    const int error = errno;
    unlink(temporary.c_str());
    return CannotWrite(path, error);
  }
  if (rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    unlink(temporary.c_str());
    return CannotWrite(path, error);
  }
  return absl::OkStatus();
}

}  // namespace

extern "C" {

crm_status crm_report_options_init(crm_report_options* options, size_t struct_size) {
  return Guarded("crm_report_options_init", [&]() {
    return InitStruct(options, struct_size, kReportInit, "crm_report_options");
  });
}

crm_status crm_report_write_html(const crm_summary* summary, const crm_model* transaction_model,
                                 const crm_model* spend_model, const crm_report_options* options,
                                 const char* path) {
  return Guarded("crm_report_write_html", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(summary, "summary"));
    CRM_RETURN_IF_ERROR(CheckModel(transaction_model, "transaction_model",
                                   {CRM_MODEL_BGNBD, CRM_MODEL_PARETO_NBD, CRM_MODEL_MBGNBD},
                                   "BG/NBD, Pareto/NBD or MBG/NBD"));
    CRM_RETURN_IF_ERROR(
        CheckModel(spend_model, "spend_model", {CRM_MODEL_GAMMA_GAMMA}, "Gamma-Gamma"));
    CRM_RETURN_IF_ERROR(RequireNonNull(path, "path"));
    if (*path == '\0') return absl::InvalidArgumentError("path must not be empty");
    crm_report_options o = kReportInit;
    if (options != nullptr) {
      CRM_RETURN_IF_ERROR(
          CheckStructSize<crm_report_options>(options->struct_size, "crm_report_options"));
      o = *options;
    }
    if (o.language != CRM_REPORT_LANG_EN && o.language != CRM_REPORT_LANG_ZH) {
      return absl::InvalidArgumentError(
          absl::StrCat("crm_report_options.language must be CRM_REPORT_LANG_EN or "
                       "CRM_REPORT_LANG_ZH, got ", o.language));
    }

    for (const crm_model* model : {transaction_model, spend_model}) {
      if (model->time_unit && *model->time_unit != summary->summary.unit) {
        return absl::InvalidArgumentError(absl::StrCat(
            "a model fitted with recency and T in ", crmcore::TimeUnitName(*model->time_unit),
            " cannot score a summary in ", crmcore::TimeUnitName(summary->summary.unit)));
      }
    }
    crmcore::CustomerTable table;
    table.summary = summary->summary;
    table.purchase_model.kind = transaction_model->kind == CRM_MODEL_BGNBD
                                    ? crmcore::LifetimeModelKind::kBgNbdGammaGamma
                                : transaction_model->kind == CRM_MODEL_PARETO_NBD
                                    ? crmcore::LifetimeModelKind::kParetoNbdGammaGamma
                                    : crmcore::LifetimeModelKind::kMbgNbdGammaGamma;
    table.purchase_model.params.assign(transaction_model->params.begin(),
                                       transaction_model->params.end());
    table.purchase_model.report = ReportOf(*transaction_model);
    const double* g = spend_model->params.data();
    table.gamma_gamma.params = {g[0], g[1], g[2]};
    table.gamma_gamma.report = ReportOf(*spend_model);
    // The C API's messages name its fields, not the C++ option names.
    crmcore::ScoringOptions scoring;
    scoring.horizon = o.horizon;
    scoring.clv.periods = o.clv_periods;
    scoring.clv.period_days = o.clv_period_days;
    scoring.clv.discount_rate = o.discount_rate;
    if (absl::Status applied = crmcore::ApplyLifetimeModels(scoring, table); !applied.ok()) {
      return absl::Status(applied.code(), absl::StrCat("crm_report_options / models: ", applied.message()));
    }

    crmcore::ReportInput input;
    input.table = &table;
    input.source = absl::StrCat(table.size(), " customers (crm_summary)");
    input.rows_read = summary->rows_read;
    input.rows_skipped = summary->rows_skipped;
    input.options.language = o.language == CRM_REPORT_LANG_ZH ? crmcore::ReportLanguage::kChinese
                                                               : crmcore::ReportLanguage::kEnglish;
    input.options.lost_p_alive_below = o.lost_p_alive;
    std::ostringstream page;
    CRM_RETURN_IF_ERROR(crmcore::WriteHtmlReport(input, page));
    return WriteFileReplacing(path, page.str());
  });
}

}  // extern "C"

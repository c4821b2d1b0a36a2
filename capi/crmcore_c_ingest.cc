// The C API's ingest section (capi/crmcore.h, "Transaction-log ingest and the RFM
// summary table"): a transaction log loaded from a path or a buffer
// (crmcore/transaction_log.h) and summarized per customer (crmcore/rfm_summary.h) into
// an immutable crm_summary handle whose columns hosts read without copying.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "capi_internal.h"
#include "capi_summary.h"
#include "crmcore.h"
#include "crmcore/calendar.h"
#include "crmcore/rfm_summary.h"
#include "crmcore/status.h"
#include "crmcore/transaction_log.h"

namespace {

using namespace crmcore::capi_internal;  // NOLINT: the C API's shared toolkit

using crmcore::TimeUnit;

static_assert(CRM_TIME_UNIT_DAYS == static_cast<int>(TimeUnit::kDays));
static_assert(CRM_TIME_UNIT_WEEKS == static_cast<int>(TimeUnit::kWeeks));
static_assert(CRM_TIME_UNIT_MONTHS == static_cast<int>(TimeUnit::kMonths));

constexpr crm_ingest_options kIngestInit = CRM_INGEST_OPTIONS_INIT;
// The INIT macro carries the core's defaults.
static_assert(kIngestInit.delimiter == ',');
static_assert(kIngestInit.whitespace_delimited == 0);
static_assert(kIngestInit.has_header == 1);
static_assert(kIngestInit.lenient == 0);
static_assert(kIngestInit.minor_digits == 2);
static_assert(kIngestInit.time_unit == CRM_TIME_UNIT_DAYS);

// A borrowed C string, checked for UTF-8; nullopt for NULL.
absl::StatusOr<std::optional<absl::string_view>> ReadText(const char* text,
                                                          absl::string_view name) {
  if (text == nullptr) return std::nullopt;
  const absl::string_view view(text);
  if (!IsValidUtf8(view)) {
    return absl::InvalidArgumentError(absl::StrCat(name, " is not valid UTF-8"));
  }
  return view;
}

// One column choice: a 1-based position or a header name (NULL: the core's default).
absl::Status ReadColumn(const char* name, int32_t index, absl::string_view field,
                        crmcore::ColumnRef& out) {
  const std::string name_field = absl::StrCat("crm_ingest_options.", field, "_column");
  const std::string index_field = absl::StrCat("crm_ingest_options.", field, "_index");
  if (index < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(index_field, " must be 0 (by name) or a 1-based position, got ", index));
  }
  CRM_ASSIGN_OR_RETURN(const std::optional<absl::string_view> text, ReadText(name, name_field));
  if (index > 0) {
    if (text.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ambiguous ", field, " column: ", name_field, " and ", index_field, " = ", index,
          " are both set; set one (the other NULL or 0)"));
    }
    out = crmcore::ColumnRef::At(static_cast<size_t>(index));
  } else if (text.has_value()) {
    out = crmcore::ColumnRef::Named(std::string(*text));
  }
  return absl::OkStatus();
}

// "YYYY-MM-DD", exactly: ten characters, a real calendar date.
absl::StatusOr<absl::CivilDay> ParseIsoDay(
    absl::string_view text, absl::string_view field = "crm_ingest_options.observation_end") {
  auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must be a date \"YYYY-MM-DD\", got \"", text, "\""));
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad();
  auto digits = [&](size_t begin, size_t count, int& value) {
    value = 0;
    for (size_t i = begin; i < begin + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      value = value * 10 + (text[i] - '0');
    }
    return true;
  };
  int year = 0, month = 0, day = 0;
  if (!digits(0, 4, year) || !digits(5, 2, month) || !digits(8, 2, day)) return bad();
  const absl::CivilDay civil(year, month, day);
  // CivilDay normalizes (2021-02-30 becomes 2021-03-02); a real date survives unchanged.
  if (civil.year() != year || civil.month() != month || civil.day() != day) return bad();
  return civil;
}

struct IngestSettings {
  crmcore::TransactionLogOptions log;
  crmcore::SummaryOptions summary;
};

// The size of crm_ingest_options before holdout_end was appended, still accepted.
constexpr size_t kIngestOptionsSizeV1 = offsetof(crm_ingest_options, holdout_end);

absl::StatusOr<IngestSettings> ToCore(const crm_ingest_options* options) {
  // A caller built against the release before holdout_end passes the shorter struct:
  // only its bytes are read, the rest keep the INIT values.
  crm_ingest_options o = kIngestInit;
  if (options != nullptr) {
    CRM_RETURN_IF_ERROR(CheckStructSize<crm_ingest_options>(
        options->struct_size, "crm_ingest_options", {kIngestOptionsSizeV1}));
    std::memcpy(&o, options, options->struct_size);
  }
  IngestSettings settings;
  crmcore::TransactionLogOptions& log = settings.log;
  CRM_ASSIGN_OR_RETURN(log.whitespace_delimited,
                       ReadFlag(o.whitespace_delimited, "crm_ingest_options.whitespace_delimited"));
  CRM_ASSIGN_OR_RETURN(log.has_header, ReadFlag(o.has_header, "crm_ingest_options.has_header"));
  CRM_ASSIGN_OR_RETURN(log.lenient, ReadFlag(o.lenient, "crm_ingest_options.lenient"));
  if (o.delimiter < 1 || o.delimiter > 255) {
    return absl::InvalidArgumentError(absl::StrCat(
        "crm_ingest_options.delimiter must be a byte value 1..255, got ", o.delimiter));
  }
  log.delimiter = static_cast<char>(static_cast<unsigned char>(o.delimiter));
  CRM_RETURN_IF_ERROR(ReadColumn(o.customer_column, o.customer_index, "customer", log.customer));
  CRM_RETURN_IF_ERROR(ReadColumn(o.date_column, o.date_index, "date", log.date));
  CRM_RETURN_IF_ERROR(ReadColumn(o.amount_column, o.amount_index, "amount", log.amount));
  CRM_ASSIGN_OR_RETURN(const std::optional<absl::string_view> format,
                       ReadText(o.date_format, "crm_ingest_options.date_format"));
  if (format.has_value()) log.date_format = std::string(*format);
  log.minor_digits = o.minor_digits;
  // The core names the bad option (delimiter, date format, minor digits, ...).
  CRM_RETURN_IF_ERROR(log.Validate());

  switch (o.time_unit) {
    case CRM_TIME_UNIT_DAYS: settings.summary.unit = TimeUnit::kDays; break;
    case CRM_TIME_UNIT_WEEKS: settings.summary.unit = TimeUnit::kWeeks; break;
    case CRM_TIME_UNIT_MONTHS: settings.summary.unit = TimeUnit::kMonths; break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "crm_ingest_options.time_unit must be CRM_TIME_UNIT_DAYS (0), _WEEKS (1) or "
          "_MONTHS (2), got ",
          o.time_unit));
  }
  CRM_ASSIGN_OR_RETURN(const std::optional<absl::string_view> end,
                       ReadText(o.observation_end, "crm_ingest_options.observation_end"));
  if (end.has_value()) {
    CRM_ASSIGN_OR_RETURN(settings.summary.observation_end, ParseIsoDay(*end));
  }
  CRM_ASSIGN_OR_RETURN(const std::optional<absl::string_view> holdout_end,
                       ReadText(o.holdout_end, "crm_ingest_options.holdout_end"));
  if (holdout_end.has_value()) {
    CRM_ASSIGN_OR_RETURN(settings.summary.holdout_end,
                         ParseIsoDay(*holdout_end, "crm_ingest_options.holdout_end"));
  }
  return settings;
}

// Summarizes a loaded log into a new handle. Everything is built first and moved into the
// handle last, so nothing can throw once it exists (no leak on out-of-memory).
absl::StatusOr<crm_summary*> MakeSummary(const crmcore::TransactionLog& log,
                                         const crmcore::SummaryOptions& options) {
  crm_summary built;
  CRM_ASSIGN_OR_RETURN(built.summary, crmcore::SummarizeTransactions(log, options));
  const crmcore::RfmSummary& s = built.summary;
  built.frequency.assign(s.frequency.begin(), s.frequency.end());
  built.holdout_frequency.assign(s.holdout_frequency.begin(), s.holdout_frequency.end());
  if (s.has_holdout) built.duration_holdout.assign(s.size(), s.duration_holdout);
  built.rows_read = log.rows_read;
  built.rows_skipped = log.rows_skipped;
  built.transactions = static_cast<int64_t>(log.size());
  built.customers_in_log = static_cast<int64_t>(log.customer_count());
  built.skipped.reserve(log.skipped.size());
  for (const crmcore::RowError& row : log.skipped) {
    // The core's reason quotes the offending text with its bytes escaped, so this is
    // UTF-8 already; escaped again if it ever is not, as the header promises UTF-8.
    std::string message = absl::StrCat("field '", row.field, "': ", row.reason);
    if (!IsValidUtf8(message)) message = absl::CHexEscape(message);
    built.skipped.push_back({row.line, static_cast<int64_t>(row.column), std::move(message)});
  }
  return NewHandle<crm_summary>(std::move(built));
}

// A transaction log from caller columns (crm_summary_from_columns): ids interned in order
// of first appearance, as the file loader does.
absl::StatusOr<crmcore::TransactionLog> LogFromColumns(const char* const* customer_ids,
                                                       const int64_t* customer_numbers,
                                                       const int32_t* days,
                                                       const int64_t* amounts_minor, size_t n,
                                                       int minor_digits) {
  if (n == 0) {
    return absl::InvalidArgumentError("columns: no transactions (n is 0)");
  }
  if (customer_ids == nullptr && customer_numbers == nullptr) {
    return absl::InvalidArgumentError(
        "customer_ids and customer_numbers are both NULL: give one of them");
  }
  CRM_RETURN_IF_ERROR(RequireNonNull(days, "days"));
  CRM_RETURN_IF_ERROR(RequireNonNull(amounts_minor, "amounts_minor"));
  // The days ToCivilDay and the summary's date arithmetic are meant for: years 1..9999.
  const int32_t first_day = crmcore::ToDayNumber(absl::CivilDay(1, 1, 1));
  const int32_t last_day = crmcore::ToDayNumber(absl::CivilDay(9999, 12, 31));
  crmcore::TransactionLog log;
  log.minor_digits = minor_digits;
  log.customer.reserve(n);
  log.day.assign(days, days + n);
  log.amount.assign(amounts_minor, amounts_minor + n);
  absl::flat_hash_map<std::string, uint32_t> index_of;
  std::string number_text;
  for (size_t i = 0; i < n; ++i) {
    absl::string_view id;
    if (customer_ids != nullptr) {
      if (customer_ids[i] == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat("columns row ", i, ": customer id is NULL"));
      }
      id = customer_ids[i];
      if (!IsValidUtf8(id)) {
        return absl::InvalidArgumentError(
            absl::StrCat("columns row ", i, ": customer id is not valid UTF-8"));
      }
    } else {
      number_text = absl::StrCat(customer_numbers[i]);
      id = number_text;
    }
    if (days[i] < first_day || days[i] > last_day) {
      return absl::InvalidArgumentError(absl::StrCat(
          "columns row ", i, ": day ", days[i],
          " is outside years 1..9999 (days since 1970-01-01 from ", first_day, " to ", last_day,
          ")"));
    }
    auto [it, inserted] = index_of.try_emplace(std::string(id), 0);
    if (inserted) {
      if (log.customer_ids.size() >= std::numeric_limits<uint32_t>::max()) {
        return absl::OutOfRangeError("columns: more than 2^32 - 1 distinct customers");
      }
      it->second = static_cast<uint32_t>(log.customer_ids.size());
      log.customer_ids.emplace_back(id);
    }
    log.customer.push_back(it->second);
  }
  log.rows_read = static_cast<int64_t>(n);
  return log;
}

template <typename Load>
absl::Status LoadInto(const crm_ingest_options* options, crm_summary** out, Load&& load) {
  CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
  CRM_ASSIGN_OR_RETURN(const IngestSettings settings, ToCore(options));
  CRM_ASSIGN_OR_RETURN(const crmcore::TransactionLog log, load(settings.log));
  CRM_ASSIGN_OR_RETURN(crm_summary* const handle, MakeSummary(log, settings.summary));
  *out = handle;
  return absl::OkStatus();
}

}  // namespace

extern "C" {

crm_status crm_ingest_options_init(crm_ingest_options* options, size_t struct_size) {
  return Guarded("crm_ingest_options_init", [&]() {
    return InitStruct(options, struct_size, kIngestInit, "crm_ingest_options",
                      {kIngestOptionsSizeV1});
  });
}

crm_status crm_summary_load_path(const char* path, const crm_ingest_options* options,
                                 crm_summary** out) {
  return Guarded("crm_summary_load_path", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(path, "path"));
    const absl::string_view path_view(path);
    if (!IsValidUtf8(path_view)) return absl::InvalidArgumentError("path is not valid UTF-8");
    const std::string path_string(path_view);
    return LoadInto(options, out, [&](const crmcore::TransactionLogOptions& log_options) {
      return crmcore::LoadTransactionLog(path_string, log_options);
    });
  });
}

crm_status crm_summary_load_buffer(const void* data, size_t length,
                                   const crm_ingest_options* options, crm_summary** out) {
  return Guarded("crm_summary_load_buffer", [&]() -> absl::Status {
    if (length > 0) CRM_RETURN_IF_ERROR(RequireNonNull(data, "data"));
    const absl::string_view bytes =
        length == 0 ? absl::string_view() : absl::string_view(static_cast<const char*>(data), length);
    return LoadInto(options, out, [&](const crmcore::TransactionLogOptions& log_options) {
      return crmcore::LoadTransactionLogFromBuffer(bytes, "buffer", log_options);
    });
  });
}

crm_status crm_summary_from_columns(const char* const* customer_ids,
                                    const int64_t* customer_numbers, const int32_t* days,
                                    const int64_t* amounts_minor, size_t n,
                                    const crm_ingest_options* options, crm_summary** out) {
  return Guarded("crm_summary_from_columns", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    CRM_ASSIGN_OR_RETURN(const IngestSettings settings, ToCore(options));
    CRM_ASSIGN_OR_RETURN(const crmcore::TransactionLog log,
                         LogFromColumns(customer_ids, customer_numbers, days, amounts_minor, n,
                                        settings.log.minor_digits));
    CRM_ASSIGN_OR_RETURN(crm_summary* const handle, MakeSummary(log, settings.summary));
    *out = handle;
    return absl::OkStatus();
  });
}

void crm_summary_destroy(crm_summary* summary) {
  DestroyHandle(summary, "crm_summary_destroy");
}

crm_status crm_summary_customer_count(const crm_summary* summary, size_t* out) {
  return Guarded("crm_summary_customer_count", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(summary, "summary"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    *out = summary->summary.size();
    return absl::OkStatus();
  });
}

crm_status crm_summary_column(const crm_summary* summary, int column, const double** out,
                              size_t* length) {
  return Guarded("crm_summary_column", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(summary, "summary"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    CRM_RETURN_IF_ERROR(RequireNonNull(length, "length"));
    const crmcore::RfmSummary& s = summary->summary;
    const std::vector<double>* values = nullptr;
    switch (column) {
      case CRM_SUMMARY_FREQUENCY: values = &summary->frequency; break;
      case CRM_SUMMARY_RECENCY: values = &s.recency; break;
      case CRM_SUMMARY_T: values = &s.T; break;
      case CRM_SUMMARY_MONETARY_VALUE: values = &s.monetary_value; break;
      case CRM_SUMMARY_HOLDOUT_FREQUENCY: values = &summary->holdout_frequency; break;
      case CRM_SUMMARY_HOLDOUT_MONETARY_VALUE: values = &s.holdout_monetary_value; break;
      case CRM_SUMMARY_DURATION_HOLDOUT: values = &summary->duration_holdout; break;
      default:
        return absl::InvalidArgumentError(absl::StrCat(
            "unknown column ", column, " (valid: CRM_SUMMARY_FREQUENCY (0) .. "
            "CRM_SUMMARY_DURATION_HOLDOUT (6))"));
    }
    if (column >= CRM_SUMMARY_HOLDOUT_FREQUENCY && !s.has_holdout) {
      return absl::FailedPreconditionError(absl::StrCat(
          "column ", column, " is a holdout column, but the log has no transaction after "
          "the observation end ", absl::FormatCivilTime(s.observation_end)));
    }
    *out = values->data();
    *length = values->size();
    return absl::OkStatus();
  });
}

crm_status crm_summary_customer_id(const crm_summary* summary, size_t index, const char** out,
                                   size_t* length) {
  return Guarded("crm_summary_customer_id", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(summary, "summary"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    CRM_RETURN_IF_ERROR(RequireNonNull(length, "length"));
    const std::vector<std::string>& ids = summary->summary.customer_ids;
    if (index >= ids.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "index ", index, " is out of range: the summary has ", ids.size(), " customers"));
    }
    *out = ids[index].c_str();
    *length = ids[index].size();
    return absl::OkStatus();
  });
}

crm_status crm_summary_info(const crm_summary* summary, int key, int64_t* out) {
  return Guarded("crm_summary_info", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(summary, "summary"));
    CRM_RETURN_IF_ERROR(RequireNonNull(out, "out"));
    const crmcore::RfmSummary& s = summary->summary;
    switch (key) {
      case CRM_SUMMARY_INFO_ROWS_READ: *out = summary->rows_read; break;
      case CRM_SUMMARY_INFO_ROWS_SKIPPED: *out = summary->rows_skipped; break;
      case CRM_SUMMARY_INFO_SKIPPED_REPORTED:
        *out = static_cast<int64_t>(summary->skipped.size());
        break;
      case CRM_SUMMARY_INFO_TRANSACTIONS: *out = summary->transactions; break;
      case CRM_SUMMARY_INFO_CUSTOMERS_IN_LOG: *out = summary->customers_in_log; break;
      case CRM_SUMMARY_INFO_CUSTOMERS: *out = static_cast<int64_t>(s.size()); break;
      case CRM_SUMMARY_INFO_CUSTOMERS_FIRST_SEEN_IN_HOLDOUT:
        *out = s.customers_first_seen_in_holdout;
        break;
      case CRM_SUMMARY_INFO_CALIBRATION_TRANSACTIONS: *out = s.calibration_transactions; break;
      case CRM_SUMMARY_INFO_HOLDOUT_TRANSACTIONS: *out = s.holdout_transactions; break;
      case CRM_SUMMARY_INFO_HAS_HOLDOUT: *out = s.has_holdout ? 1 : 0; break;
      case CRM_SUMMARY_INFO_TIME_UNIT: *out = static_cast<int64_t>(s.unit); break;
      case CRM_SUMMARY_INFO_MINOR_DIGITS: *out = s.minor_digits; break;
      case CRM_SUMMARY_INFO_FIRST_DAY: *out = crmcore::ToDayNumber(s.first_day); break;
      case CRM_SUMMARY_INFO_LAST_DAY: *out = crmcore::ToDayNumber(s.last_day); break;
      case CRM_SUMMARY_INFO_OBSERVATION_END: *out = crmcore::ToDayNumber(s.observation_end); break;
      case CRM_SUMMARY_INFO_HOLDOUT_END: *out = crmcore::ToDayNumber(s.holdout_end); break;
      case CRM_SUMMARY_INFO_TRANSACTIONS_AFTER_HOLDOUT_END:
        *out = s.transactions_after_holdout_end;
        break;
      default:
        return absl::InvalidArgumentError(absl::StrCat(
            "unknown key ", key, " (valid: CRM_SUMMARY_INFO_ROWS_READ (0) .. "
            "CRM_SUMMARY_INFO_TRANSACTIONS_AFTER_HOLDOUT_END (16))"));
    }
    return absl::OkStatus();
  });
}

crm_status crm_summary_skipped_row(const crm_summary* summary, size_t index, int64_t* line,
                                   int64_t* column, const char** message) {
  return Guarded("crm_summary_skipped_row", [&]() -> absl::Status {
    CRM_RETURN_IF_ERROR(CheckHandle(summary, "summary"));
    if (index >= summary->skipped.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "index ", index, " is out of range: ", summary->skipped.size(),
          " skipped rows are reported"));
    }
    const CrmSkippedRow& row = summary->skipped[index];
    if (line != nullptr) *line = row.line;
    if (column != nullptr) *column = row.column;
    if (message != nullptr) *message = row.message.c_str();
    return absl::OkStatus();
  });
}

}  // extern "C"

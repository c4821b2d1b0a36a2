/* The ingest and models sections of crmcore.h from a C99 host, on the bundled CDNOW data
 * (examples/data; its directory is argv[1]): the summary against the published file, the
 * fits against the published estimates, predictions against the formulas written out
 * here, and every kind of bad input against its status and message. */
#include "crmcore.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static const char* g_data_dir = ".";

static int rel_near(double a, double b, double rel) {
  return fabs(a - b) <= rel * fabs(b) + 1e-300;
}

static void data_path(char* out, size_t size, const char* file) {
  snprintf(out, size, "%s/%s", g_data_dir, file);
}

/* The whole file, NUL-terminated; *length its size. NULL when it cannot be read. */
static char* read_file(const char* path, size_t* length) {
  FILE* f = fopen(path, "rb");
  char* data;
  long size;
  if (f == NULL) return NULL;
  fseek(f, 0, SEEK_END);
  size = ftell(f);
  fseek(f, 0, SEEK_SET);
  data = (char*)malloc((size_t)size + 1);
  if (data != NULL && fread(data, 1, (size_t)size, f) != (size_t)size) {
    free(data);
    data = NULL;
  }
  fclose(f);
  if (data != NULL) {
    data[size] = '\0';
    *length = (size_t)size;
  }
  return data;
}

/* The CDNOW sample's options (examples/data/README.md): whitespace-separated, no header,
 * sample id in column 2, date %Y%m%d in column 3, dollars in column 5; calibration ends
 * 1997-09-30, in weeks. */
static crm_ingest_options cdnow_options(void) {
  crm_ingest_options o = CRM_INGEST_OPTIONS_INIT;
  o.whitespace_delimited = 1;
  o.has_header = 0;
  o.customer_index = 2;
  o.date_index = 3;
  o.amount_index = 5;
  o.date_format = "%Y%m%d";
  o.observation_end = "1997-09-30";
  o.time_unit = CRM_TIME_UNIT_WEEKS;
  return o;
}

static crm_summary* load_cdnow(void) {
  char path[4096];
  crm_ingest_options o = cdnow_options();
  crm_summary* s = NULL;
  data_path(path, sizeof path, "CDNOW_sample.txt");
  CHECK_OK(crm_summary_load_path(path, &o, &s));
  return s;
}

static const double* column(const crm_summary* s, int which) {
  const double* values = NULL;
  size_t length = 0;
  CHECK_OK(crm_summary_column(s, which, &values, &length));
  CHECK(length == 2357);
  return values;
}

/* --- Ingest ------------------------------------------------------------------ */

/* Published: ID,frequency,recency,T with recency and T rounded to 2 decimals. */
static void test_cdnow_summary_matches_published(void) {
  char path[4096];
  crm_summary* s = load_cdnow();
  size_t count = 0, length = 0, row;
  int64_t info = 0;
  const double *x, *t_x, *T, *m, *hx;
  const char* id;
  char* csv;
  char* line;
  int matched = 0;
  if (s == NULL) return;
  CHECK_OK(crm_summary_customer_count(s, &count));
  CHECK(count == 2357);
  CHECK_OK(crm_summary_info(s, CRM_SUMMARY_INFO_ROWS_READ, &info));
  CHECK(info == 6919);
  CHECK_OK(crm_summary_info(s, CRM_SUMMARY_INFO_ROWS_SKIPPED, &info));
  CHECK(info == 0);
  CHECK_OK(crm_summary_info(s, CRM_SUMMARY_INFO_TRANSACTIONS, &info));
  CHECK(info == 6919);
  CHECK_OK(crm_summary_info(s, CRM_SUMMARY_INFO_CUSTOMERS_IN_LOG, &info));
  CHECK(info == 2357);
  CHECK_OK(crm_summary_info(s, CRM_SUMMARY_INFO_CUSTOMERS_FIRST_SEEN_IN_HOLDOUT, &info));
  CHECK(info == 0);
  CHECK_OK(crm_summary_info(s, CRM_SUMMARY_INFO_HAS_HOLDOUT, &info));
  CHECK(info == 1);
  {
    int64_t calibration = 0, holdout = 0;
    CHECK_OK(crm_summary_info(s, CRM_SUMMARY_INFO_CALIBRATION_TRANSACTIONS, &calibration));
    CHECK_OK(crm_summary_info(s, CRM_SUMMARY_INFO_HOLDOUT_TRANSACTIONS, &holdout));
    CHECK(calibration + holdout == 6919);
    CHECK(holdout > 0);
  }
  CHECK_OK(crm_summary_info(s, CRM_SUMMARY_INFO_TIME_UNIT, &info));
  CHECK(info == CRM_TIME_UNIT_WEEKS);
  CHECK_OK(crm_summary_info(s, CRM_SUMMARY_INFO_OBSERVATION_END, &info));
  CHECK(info == 10134); /* 1997-09-30 is day 10134 after 1970-01-01 */
  CHECK_OK(crm_summary_info(s, CRM_SUMMARY_INFO_FIRST_DAY, &info));
  CHECK(info == 9862); /* 1997-01-01 */

  x = column(s, CRM_SUMMARY_FREQUENCY);
  t_x = column(s, CRM_SUMMARY_RECENCY);
  T = column(s, CRM_SUMMARY_T);
  m = column(s, CRM_SUMMARY_MONETARY_VALUE);
  hx = column(s, CRM_SUMMARY_HOLDOUT_FREQUENCY);
  (void)column(s, CRM_SUMMARY_HOLDOUT_MONETARY_VALUE);

  /* Customer 0001: 1997-01-01 29.33, 01-18 29.73, 08-02 14.96 in calibration, 12-12 after. */
  CHECK_OK(crm_summary_customer_id(s, 0, &id, &length));
  CHECK(length == 4 && memcmp(id, "0001", 4) == 0 && id[4] == '\0');
  CHECK(x[0] == 2.0);
  CHECK(t_x[0] == 213.0 / 7.0);
  CHECK(T[0] == 272.0 / 7.0);
  CHECK_NEAR(m[0], (29.73 + 14.96) / 2, 1e-12);
  CHECK(hx[0] == 1.0);

  /* Every row against the published file, keyed by the integer id. */
  data_path(path, sizeof path, "cdnow_customers_summary.csv");
  csv = read_file(path, &length);
  CHECK(csv != NULL);
  if (csv != NULL) {
    static double pub_x[2358], pub_tx[2358], pub_T[2358];
    line = strchr(csv, '\n'); /* skip the header */
    while (line != NULL && line[1] != '\0') {
      int pid = 0;
      double fx = 0, ftx = 0, fT = 0;
      if (sscanf(line + 1, "%d,%lf,%lf,%lf", &pid, &fx, &ftx, &fT) == 4 && pid >= 1 &&
          pid <= 2357) {
        pub_x[pid] = fx;
        pub_tx[pid] = ftx;
        pub_T[pid] = fT;
      }
      line = strchr(line + 1, '\n');
    }
    for (row = 0; row < count; ++row) {
      int pid;
      CHECK_OK(crm_summary_customer_id(s, row, &id, &length));
      pid = atoi(id);
      if (pid < 1 || pid > 2357) continue;
      if (x[row] == pub_x[pid] && llround(t_x[row] * 100) == llround(pub_tx[pid] * 100) &&
          llround(T[row] * 100) == llround(pub_T[pid] * 100)) {
        ++matched;
      } else {
        fprintf(stderr, "customer %s: %g %g %g, published %g %g %g\n", id, x[row], t_x[row],
                T[row], pub_x[pid], pub_tx[pid], pub_T[pid]);
      }
    }
    CHECK(matched == 2357);
    free(csv);
  }
  crm_summary_destroy(s);
}

/* The same bytes from memory give the same summary, bit for bit. */
static void test_buffer_matches_path(void) {
  char path[4096];
  size_t length = 0, count = 0;
  char* data;
  crm_ingest_options o = cdnow_options();
  crm_summary* from_path = load_cdnow();
  crm_summary* from_buffer = NULL;
  int c;
  data_path(path, sizeof path, "CDNOW_sample.txt");
  data = read_file(path, &length);
  CHECK(data != NULL);
  if (data == NULL || from_path == NULL) return;
  CHECK_OK(crm_summary_load_buffer(data, length, &o, &from_buffer));
  free(data); /* borrowed for the call only */
  CHECK_OK(crm_summary_customer_count(from_buffer, &count));
  CHECK(count == 2357);
  for (c = CRM_SUMMARY_FREQUENCY; c <= CRM_SUMMARY_DURATION_HOLDOUT; ++c) {
    const double* a = column(from_path, c);
    const double* b = column(from_buffer, c);
    CHECK(a != b);
    CHECK(memcmp(a, b, 2357 * sizeof(double)) == 0);
  }
  {
    const char *id_a, *id_b;
    size_t len_a, len_b;
    CHECK_OK(crm_summary_customer_id(from_path, 2356, &id_a, &len_a));
    CHECK_OK(crm_summary_customer_id(from_buffer, 2356, &id_b, &len_b));
    CHECK(len_a == len_b && memcmp(id_a, id_b, len_a) == 0 && strcmp(id_a, "2357") == 0);
  }
  crm_summary_destroy(from_path);
  crm_summary_destroy(from_buffer);
}

static void test_csv_with_header_and_defaults(void) {
  static const char kLog[] =
      "customer_id,date,amount\n"
      "ann,2020-01-01,10.00\n"
      "bob,2020-01-02,5\n"
      "ann,2020-01-11,20.50\n"
      "ann,2020-01-31,1.50\n";
  crm_summary* s = NULL;
  const double* values;
  size_t length;
  const char* id;
  int64_t info;
  /* NULL options: CSV with the header names customer_id, date, amount, ISO dates, days,
   * observation end = the last date. */
  CHECK_OK(crm_summary_load_buffer(kLog, sizeof kLog - 1, NULL, &s));
  CHECK_OK(crm_summary_column(s, CRM_SUMMARY_FREQUENCY, &values, &length));
  CHECK(length == 2 && values[0] == 2 && values[1] == 0);
  CHECK_OK(crm_summary_column(s, CRM_SUMMARY_RECENCY, &values, &length));
  CHECK(values[0] == 30 && values[1] == 0);
  CHECK_OK(crm_summary_column(s, CRM_SUMMARY_T, &values, &length));
  CHECK(values[0] == 30 && values[1] == 29);
  CHECK_OK(crm_summary_column(s, CRM_SUMMARY_MONETARY_VALUE, &values, &length));
  CHECK(values[0] == 11.0 && values[1] == 0);
  CHECK_OK(crm_summary_customer_id(s, 1, &id, &length));
  CHECK(strcmp(id, "bob") == 0 && length == 3);
  CHECK_OK(crm_summary_info(s, CRM_SUMMARY_INFO_HAS_HOLDOUT, &info));
  CHECK(info == 0);
  /* No holdout: its columns do not exist. */
  CHECK_ERROR(crm_summary_column(s, CRM_SUMMARY_HOLDOUT_FREQUENCY, &values, &length),
              CRM_ERR_FAILED_PRECONDITION, "no transaction after the observation end 2020-01-31");
  crm_summary_destroy(s);

  /* Columns by name, in another order, with a semicolon and months. */
  {
    static const char kSemi[] = "amt;when;who\n3;2020-01-01;z\n4;2020-03-01;z\n";
    crm_ingest_options o = CRM_INGEST_OPTIONS_INIT;
    o.delimiter = ';';
    o.customer_column = "who";
    o.date_column = "when";
    o.amount_column = "amt";
    o.time_unit = CRM_TIME_UNIT_MONTHS;
    CHECK_OK(crm_summary_load_buffer(kSemi, sizeof kSemi - 1, &o, &s));
    CHECK_OK(crm_summary_column(s, CRM_SUMMARY_RECENCY, &values, &length));
    CHECK(length == 1 && fabs(values[0] - 60.0 / (365.25 / 12)) < 1e-12);
    crm_summary_destroy(s);
  }
}

/* Covers docs/bad-input.md BI-CAPI-12, BI-CAPI-13. */
static void test_ingest_errors(void) {
  char path[4096];
  crm_ingest_options o = cdnow_options();
  crm_summary* s = (crm_summary*)&o; /* a sentinel: must stay unchanged on error */
  crm_summary* const sentinel = s;
  const double* values;
  size_t length, count;
  int64_t info;
  static const char kBad[] =
      " 00004 0001 19970101  2   29.33\n"
      " 00004 0001 1997x118  2   29.73\n"
      " 00021 0002 19970101  3   63.34\n";

  /* NULL pointers and handles. */
  CHECK_ERROR(crm_summary_load_path(NULL, &o, &s), CRM_ERR_INVALID_ARGUMENT, "path must not be NULL");
  CHECK_ERROR(crm_summary_load_path("x", &o, NULL), CRM_ERR_INVALID_ARGUMENT, "out must not be NULL");
  CHECK_ERROR(crm_summary_load_buffer(NULL, 10, &o, &s), CRM_ERR_INVALID_ARGUMENT, "data must not be NULL");
  CHECK_ERROR(crm_summary_load_buffer(NULL, 0, &o, &s), CRM_ERR_INVALID_ARGUMENT, "empty");
  CHECK_ERROR(crm_summary_customer_count(NULL, &count), CRM_ERR_INVALID_ARGUMENT, "summary must not be NULL");
  CHECK_ERROR(crm_summary_column(NULL, 0, &values, &length), CRM_ERR_INVALID_ARGUMENT, "summary must not be NULL");
  CHECK_ERROR(crm_summary_info(NULL, 0, &info), CRM_ERR_INVALID_ARGUMENT, "summary must not be NULL");
  CHECK_ERROR(crm_summary_customer_id(NULL, 0, NULL, NULL), CRM_ERR_INVALID_ARGUMENT, "summary must not be NULL");
  CHECK_ERROR(crm_summary_skipped_row(NULL, 0, NULL, NULL, NULL), CRM_ERR_INVALID_ARGUMENT, "summary must not be NULL");
  crm_summary_destroy(NULL); /* a no-op */

  /* A file that does not exist: NOT_FOUND naming it. */
  data_path(path, sizeof path, "no_such_file.txt");
  CHECK_ERROR(crm_summary_load_path(path, &o, &s), CRM_ERR_NOT_FOUND, "no_such_file.txt");
  CHECK(s == sentinel);

  /* A path that is not UTF-8 (a 4-byte sequence above U+10FFFF) is rejected before any
   * file access; a valid 4-byte sequence (U+1F600) is part of a path like any other. */
  /* Covers docs/bad-input.md BI-CAPI-05 */
  CHECK_ERROR(crm_summary_load_path("no_such_\xF4\x90\x80\x80.txt", &o, &s),
              CRM_ERR_INVALID_ARGUMENT, "crm_summary_load_path: path is not valid UTF-8");
  CHECK_ERROR(crm_summary_load_path("no_such_\xF0\x8F\xBF\xBF.txt", &o, &s),
              CRM_ERR_INVALID_ARGUMENT, "path is not valid UTF-8"); /* overlong */
  data_path(path, sizeof path, "no_such_\xF0\x9F\x98\x80.txt");
  CHECK_ERROR(crm_summary_load_path(path, &o, &s), CRM_ERR_NOT_FOUND, "no_such_\xF0\x9F\x98\x80.txt");
  CHECK(s == sentinel);

  /* A file that opens but cannot be read (Linux: reading /proc/self/mem at offset 0 fails
   * with EIO): CRM_ERR_IO with the system's reason, naming the path. */
  /* Covers docs/bad-input.md BI-ING-23 */
  {
    FILE* mem = fopen("/proc/self/mem", "rb");
    if (mem != NULL) {
      fclose(mem);
      CHECK_ERROR(crm_summary_load_path("/proc/self/mem", &o, &s), CRM_ERR_IO,
                  "crm_summary_load_path: cannot read transaction log '/proc/self/mem': "
                  "Input/output error");
      CHECK(s == sentinel);
    }
  }

  /* Struct size, flags, enums, column choice. */
  o.struct_size = sizeof o - 1;
  CHECK_ERROR(crm_summary_load_buffer(kBad, 10, &o, &s), CRM_ERR_INVALID_ARGUMENT,
              "crm_ingest_options.struct_size must be sizeof(crm_ingest_options)");
  CHECK_ERROR(crm_ingest_options_init(&o, sizeof o + 8), CRM_ERR_INVALID_ARGUMENT, "struct_size");
  CHECK_ERROR(crm_ingest_options_init(NULL, sizeof o), CRM_ERR_INVALID_ARGUMENT, "crm_ingest_options");
  o = cdnow_options();
  o.lenient = 2;
  CHECK_ERROR(crm_summary_load_buffer(kBad, sizeof kBad - 1, &o, &s), CRM_ERR_INVALID_ARGUMENT,
              "crm_ingest_options.lenient must be 0 or 1, got 2");
  o = cdnow_options();
  o.time_unit = 3;
  CHECK_ERROR(crm_summary_load_buffer(kBad, sizeof kBad - 1, &o, &s), CRM_ERR_INVALID_ARGUMENT,
              "time_unit must be");
  o = cdnow_options();
  o.delimiter = 300;
  o.whitespace_delimited = 0;
  CHECK_ERROR(crm_summary_load_buffer(kBad, sizeof kBad - 1, &o, &s), CRM_ERR_INVALID_ARGUMENT,
              "delimiter must be a byte value 1..255, got 300");
  o.delimiter = '"';
  CHECK_ERROR(crm_summary_load_buffer(kBad, sizeof kBad - 1, &o, &s), CRM_ERR_INVALID_ARGUMENT,
              "delimiter");
  o = cdnow_options();
  o.date_column = "date";
  CHECK_ERROR(crm_summary_load_buffer(kBad, sizeof kBad - 1, &o, &s), CRM_ERR_INVALID_ARGUMENT,
              "ambiguous date column");
  o = cdnow_options();
  o.amount_index = -1;
  CHECK_ERROR(crm_summary_load_buffer(kBad, sizeof kBad - 1, &o, &s), CRM_ERR_INVALID_ARGUMENT,
              "amount_index must be 0");
  o = cdnow_options();
  o.date_format = "%Y%m";
  CHECK_ERROR(crm_summary_load_buffer(kBad, sizeof kBad - 1, &o, &s), CRM_ERR_INVALID_ARGUMENT,
              "%d");
  o = cdnow_options();
  o.observation_end = "1997-02-30";
  CHECK_ERROR(crm_summary_load_buffer(kBad, sizeof kBad - 1, &o, &s), CRM_ERR_INVALID_ARGUMENT,
              "observation_end must be a date \"YYYY-MM-DD\", got \"1997-02-30\"");
  o.observation_end = "97-09-30";
  CHECK_ERROR(crm_summary_load_buffer(kBad, sizeof kBad - 1, &o, &s), CRM_ERR_INVALID_ARGUMENT,
              "YYYY-MM-DD");
  o.observation_end = "1996-12-31"; /* before the first date */
  o.lenient = 1;
  CHECK_ERROR(crm_summary_load_buffer(kBad, sizeof kBad - 1, &o, &s), CRM_ERR_INVALID_ARGUMENT,
              "1996-12-31");
  CHECK(s == sentinel);

  /* Non-UTF-8 strings. */
  o = cdnow_options();
  CHECK_ERROR(crm_summary_load_path("/tmp/\xff\xfe.txt", &o, &s), CRM_ERR_INVALID_ARGUMENT,
              "path is not valid UTF-8");
  o.date_format = "%Y%m%d\xc3\x28";
  CHECK_ERROR(crm_summary_load_buffer(kBad, sizeof kBad - 1, &o, &s), CRM_ERR_INVALID_ARGUMENT,
              "date_format is not valid UTF-8");
  o = cdnow_options();
  o.customer_index = 0;
  o.customer_column = "\xed\xa0\x80"; /* a UTF-16 surrogate */
  CHECK_ERROR(crm_summary_load_buffer(kBad, sizeof kBad - 1, &o, &s), CRM_ERR_INVALID_ARGUMENT,
              "customer_column is not valid UTF-8");
  o = cdnow_options();
  o.observation_end = "1997-09-3\x80";
  CHECK_ERROR(crm_summary_load_buffer(kBad, sizeof kBad - 1, &o, &s), CRM_ERR_INVALID_ARGUMENT,
              "observation_end is not valid UTF-8");
  {
    static const char kLatin1Id[] = " 1 caf\xe9 19970101 1 2.00\n";
    o = cdnow_options();
    CHECK_ERROR(crm_summary_load_buffer(kLatin1Id, sizeof kLatin1Id - 1, &o, &s),
                CRM_ERR_INVALID_ARGUMENT, "buffer:1:4: field 'customer'");
    CHECK(strstr(crm_last_error(), "not valid UTF-8") != NULL);
  }

  /* A malformed log, strict: the message names source:line:column and the field. */
  o = cdnow_options();
  CHECK_ERROR(crm_summary_load_buffer(kBad, sizeof kBad - 1, &o, &s), CRM_ERR_INVALID_ARGUMENT,
              "buffer:2:13: field 'date'");
  CHECK(strstr(crm_last_error(), "crm_summary_load_buffer: ") == crm_last_error());
  CHECK(strstr(crm_last_error(), "1997x118") != NULL);
  CHECK(s == sentinel);

  /* Lenient: the row is skipped, counted and described. */
  o.lenient = 1;
  CHECK_OK(crm_summary_load_buffer(kBad, sizeof kBad - 1, &o, &s));
  if (s != sentinel) {
    int64_t line = 0, col = 0;
    const char* message = NULL;
    CHECK_OK(crm_summary_info(s, CRM_SUMMARY_INFO_ROWS_READ, &info));
    CHECK(info == 3);
    CHECK_OK(crm_summary_info(s, CRM_SUMMARY_INFO_ROWS_SKIPPED, &info));
    CHECK(info == 1);
    CHECK_OK(crm_summary_info(s, CRM_SUMMARY_INFO_SKIPPED_REPORTED, &info));
    CHECK(info == 1);
    CHECK_OK(crm_summary_info(s, CRM_SUMMARY_INFO_TRANSACTIONS, &info));
    CHECK(info == 2);
    CHECK_OK(crm_summary_skipped_row(s, 0, &line, &col, &message));
    CHECK(line == 2 && col == 13);
    CHECK(message != NULL && strstr(message, "field 'date'") == message);
    CHECK(strstr(message, "1997x118") != NULL);
    CHECK_OK(crm_summary_skipped_row(s, 0, NULL, NULL, NULL));
    CHECK_ERROR(crm_summary_skipped_row(s, 1, &line, &col, &message), CRM_ERR_INVALID_ARGUMENT,
                "index 1 is out of range: 1 skipped rows are reported");

    /* Accessor errors on a live handle. */
    CHECK_ERROR(crm_summary_column(s, 7, &values, &length), CRM_ERR_INVALID_ARGUMENT,
                "unknown column 7");
    CHECK_ERROR(crm_summary_column(s, -1, &values, &length), CRM_ERR_INVALID_ARGUMENT,
                "unknown column -1");
    CHECK_ERROR(crm_summary_column(s, 0, NULL, &length), CRM_ERR_INVALID_ARGUMENT,
                "out must not be NULL");
    CHECK_ERROR(crm_summary_column(s, 0, &values, NULL), CRM_ERR_INVALID_ARGUMENT,
                "length must not be NULL");
    CHECK_ERROR(crm_summary_info(s, 17, &info), CRM_ERR_INVALID_ARGUMENT, "unknown key 17");
    CHECK_ERROR(crm_summary_info(s, 0, NULL), CRM_ERR_INVALID_ARGUMENT, "out must not be NULL");
    {
      const char* id;
      CHECK_ERROR(crm_summary_customer_id(s, 2, &id, &length), CRM_ERR_INVALID_ARGUMENT,
                  "index 2 is out of range: the summary has 2 customers");
    }
    crm_summary_destroy(s);
  }
  /* Every row bad: no transactions, an error even when lenient. */
  {
    static const char kAllBad[] = " 1 a 1997x101 1 2.00\n";
    crm_summary* none = sentinel;
    CHECK_ERROR(crm_summary_load_buffer(kAllBad, sizeof kAllBad - 1, &o, &none),
                CRM_ERR_INVALID_ARGUMENT, "no transactions");
    CHECK(none == sentinel);
  }
}

/* --- Models ------------------------------------------------------------------ */

/* Gauss 2F1(a, b; c; z) by its series, for 0 <= z < 1 (the reference below). */
static double hyp2f1(double a, double b, double c, double z) {
  double term = 1, sum = 1;
  int n;
  for (n = 0; n < 100000; ++n) {
    term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
    sum += term;
    if (fabs(term) < 1e-17 * fabs(sum)) break;
  }
  return sum;
}

/* BG/NBD written out (Fader, Hardie & Lee 2005 eq. 10, 11). */
static double bgnbd_p_alive(const double* p, double x, double t_x, double T) {
  const double r = p[0], alpha = p[1], a = p[2], b = p[3];
  if (x == 0) return 1.0;
  return 1.0 / (1.0 + a / (b + x - 1) * pow((alpha + T) / (alpha + t_x), r + x));
}

static double bgnbd_expected(const double* p, double t, double x, double t_x, double T) {
  const double r = p[0], alpha = p[1], a = p[2], b = p[3];
  const double z = t / (alpha + T + t);
  const double h = hyp2f1(r + x, b + x, a + b + x - 1, z);
  return (a + b + x - 1) / (a - 1) * (1 - pow((alpha + T) / (alpha + T + t), r + x) * h) *
         bgnbd_p_alive(p, x, t_x, T);
}

/* The published CDNOW summary file's frequency, recency and T columns. */
static size_t read_published(double* x, double* t_x, double* T) {
  char path[4096];
  size_t length = 0, n = 0;
  char* csv;
  char* line;
  data_path(path, sizeof path, "cdnow_customers_summary.csv");
  csv = read_file(path, &length);
  if (csv == NULL) return 0;
  line = strchr(csv, '\n');
  while (line != NULL && line[1] != '\0' && n < 2357) {
    int id;
    if (sscanf(line + 1, "%d,%lf,%lf,%lf", &id, &x[n], &t_x[n], &T[n]) == 4) ++n;
    line = strchr(line + 1, '\n');
  }
  free(csv);
  return n;
}

static void test_bgnbd(void) {
  static double px[2357], ptx[2357], pT[2357];
  const size_t n_pub = read_published(px, ptx, pT);
  crm_model* model = NULL;
  crm_model* from_summary = NULL;
  crm_summary* s = load_cdnow();
  double params[4], value = 0, ll = 0, grad[4];
  int32_t converged = 0;
  int kind = -1;
  size_t count = 0, i;
  const double *x, *t_x, *T;
  CHECK(n_pub == 2357);
  if (s == NULL || n_pub != 2357) return;

  /* The published summary file, as in tests/core/bgnbd_test.cc. */
  CHECK_OK(crm_model_fit(CRM_MODEL_BGNBD, px, ptx, pT, NULL, n_pub, NULL, &model));
  CHECK_OK(crm_model_kind(model, &kind));
  CHECK(kind == CRM_MODEL_BGNBD);
  CHECK_OK(crm_model_param_count(model, &count));
  CHECK(count == 4);
  CHECK_OK(crm_model_converged(model, &converged));
  CHECK(converged == 1);
  CHECK_OK(crm_model_params(model, params, 4));
  /* Fader, Hardie & Lee (2005): r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL -9582.4. */
  CHECK_NEAR(params[0], 0.243, 0.0005);
  CHECK_NEAR(params[1], 4.414, 0.0005);
  CHECK_NEAR(params[2], 0.793, 0.0005);
  CHECK_NEAR(params[3], 2.426, 0.0005);
  CHECK_OK(crm_model_fit_info(model, CRM_FIT_INFO_LOG_LIKELIHOOD, &value));
  CHECK_NEAR(value, -9582.4, 0.05);
  CHECK_OK(crm_model_fit_info(model, CRM_FIT_INFO_CONVERGED, &value));
  CHECK(value == 1.0);
  CHECK_OK(crm_model_fit_info(model, CRM_FIT_INFO_CUSTOMERS, &value));
  CHECK(value == 2357.0);
  CHECK_OK(crm_model_fit_info(model, CRM_FIT_INFO_ITERATIONS, &value));
  CHECK(value >= 1.0);
  CHECK_OK(crm_model_fit_info(model, CRM_FIT_INFO_GRADIENT_NORM, &value));
  CHECK(value <= 1e-7);
  {
    const char* message = NULL;
    CHECK_OK(crm_model_fit_message(model, &message));
    CHECK(message != NULL && strcmp(message, "converged") == 0);
  }

  /* The log-likelihood in four partitions adds up to the fit's, and its gradient is ~0. */
  {
    double total = 0, total_grad[4] = {0, 0, 0, 0}, fit_ll = 0;
    const size_t bounds[5] = {0, 500, 1000, 1001, 2357};
    int k, j;
    for (k = 0; k < 4; ++k) {
      const size_t b = bounds[k], len = bounds[k + 1] - bounds[k];
      CHECK_OK(crm_model_log_likelihood(CRM_MODEL_BGNBD, params, 4, px + b, ptx + b, pT + b,
                                        NULL, len, &ll, grad));
      total += ll;
      for (j = 0; j < 4; ++j) total_grad[j] += grad[j];
    }
    CHECK_OK(crm_model_fit_info(model, CRM_FIT_INFO_LOG_LIKELIHOOD, &fit_ll));
    CHECK(rel_near(total, fit_ll, 1e-10));
    for (j = 0; j < 4; ++j) CHECK(fabs(total_grad[j]) / 2357 < 1e-6);
    /* An empty partition adds nothing. */
    CHECK_OK(crm_model_log_likelihood(CRM_MODEL_BGNBD, params, 4, NULL, NULL, NULL, NULL, 0,
                                      &ll, grad));
    CHECK(ll == 0 && grad[0] == 0 && grad[3] == 0);
    CHECK_OK(crm_model_log_likelihood(CRM_MODEL_BGNBD, params, 4, px, ptx, pT, NULL, 10, &ll,
                                      NULL));
  }

  /* On the summary loaded from the log (unrounded t_x, T): the same estimates to ~1e-3. */
  CHECK_OK(crm_model_fit_summary(CRM_MODEL_BGNBD, s, NULL, &from_summary));
  {
    double p2[4];
    CHECK_OK(crm_model_params(from_summary, p2, 4));
    CHECK_NEAR(p2[0], 0.243, 0.002);
    CHECK_NEAR(p2[1], 4.414, 0.02);
    CHECK_NEAR(p2[2], 0.793, 0.002);
    CHECK_NEAR(p2[3], 2.426, 0.01);
  }

  /* Predictions on the summary's columns (zero copy) against the formulas. */
  x = column(s, CRM_SUMMARY_FREQUENCY);
  t_x = column(s, CRM_SUMMARY_RECENCY);
  T = column(s, CRM_SUMMARY_T);
  {
    static double alive[2357], expected[2357];
    double worst_alive = 0, worst_expected = 0;
    CHECK_OK(crm_model_p_alive(model, x, t_x, T, 2357, alive));
    CHECK_OK(crm_model_expected_purchases(model, 39.0, x, t_x, T, 2357, expected));
    for (i = 0; i < 2357; i += 7) {
      const double ra = fabs(alive[i] / bgnbd_p_alive(params, x[i], t_x[i], T[i]) - 1);
      const double re = fabs(expected[i] / bgnbd_expected(params, 39.0, x[i], t_x[i], T[i]) - 1);
      if (ra > worst_alive) worst_alive = ra;
      if (re > worst_expected) worst_expected = re;
    }
    CHECK(worst_alive < 1e-12);
    CHECK(worst_expected < 1e-9);
    /* Customer 0001 (x = 2) and a one-off buyer. */
    CHECK(alive[0] > 0 && alive[0] < 1);
  }

  /* A new customer: P(X(t) = n) sums to 1 and its mean is E[X(t)]. */
  {
    double mean = 0, total = 0, e_new = 0, pn = 0;
    int64_t k;
    CHECK_OK(crm_model_expected_purchases_new(model, 39.0, &e_new));
    for (k = 0; k <= 200; ++k) {
      CHECK_OK(crm_model_purchase_count_probability(model, k, 39.0, &pn));
      total += pn;
      mean += (double)k * pn;
    }
    CHECK_NEAR(total, 1.0, 1e-9);
    CHECK(rel_near(mean, e_new, 1e-8));
    CHECK_ERROR(crm_model_purchase_count_probability(model, -1, 39.0, &pn),
                CRM_ERR_INVALID_ARGUMENT, "");
    CHECK_ERROR(crm_model_expected_purchases_new(model, -1.0, &pn), CRM_ERR_INVALID_ARGUMENT, "");
  }

  /* Conditional pmf: n = 0 in closed form, 1 - P(alive) + P(alive) ((alpha+T)/(alpha+T+t))^(r+x). */
  {
    double pmf[3], alive3[3], out_before[3] = {-1, -1, -1};
    const double bad_tx[3] = {0, 5, 50}, bad_T[3] = {10, 10, 10};
    CHECK_OK(crm_model_p_alive(model, x, t_x, T, 3, alive3));
    CHECK_OK(crm_model_conditional_purchase_count_probability(model, 0, 39.0, x, t_x, T, 3, pmf));
    for (i = 0; i < 3; ++i) {
      const double a_T = params[1] + T[i];
      CHECK(rel_near(pmf[i], 1 - alive3[i] + alive3[i] * pow(a_T / (a_T + 39.0), params[0] + x[i]),
                     1e-12));
    }
    /* Bad input: row 2 has t_x > T; nothing written. */
    {
      const double bad_x[3] = {0, 1, 1};
      CHECK_ERROR(crm_model_conditional_purchase_count_probability(model, 1, 39.0, bad_x, bad_tx,
                                                                   bad_T, 3, out_before),
                  CRM_ERR_INVALID_ARGUMENT, "row 2");
      CHECK(out_before[0] == -1);
    }
    CHECK_ERROR(crm_model_conditional_purchase_count_probability(model, -1, 39.0, x, t_x, T, 3, pmf),
                CRM_ERR_INVALID_ARGUMENT, "count n must be >= 0");
    CHECK_ERROR(crm_model_conditional_purchase_count_probability(model, 1, 39.0, NULL, t_x, T, 3, pmf),
                CRM_ERR_INVALID_ARGUMENT, "x");
  }

  /* The P(alive) and expected-purchases matrices: cells equal the per-customer calls. */
  {
    double grid[6 * 5], egrid[6 * 5], cell = 0, ecell = 0;
    size_t fi, rj;
    CHECK_OK(crm_model_p_alive_matrix(model, 5, 38.86, 4, grid, 30));
    CHECK_OK(crm_model_expected_purchases_matrix(model, 39.0, 5, 38.86, 4, egrid, 30));
    for (fi = 0; fi <= 5; ++fi) {
      for (rj = 0; rj <= 4; ++rj) {
        const double fx = (double)fi;
        const double ftx = fi == 0 ? 0.0 : (rj == 4 ? 38.86 : 38.86 * (double)rj / 4.0);
        const double fT = 38.86;
        CHECK_OK(crm_model_p_alive(model, &fx, &ftx, &fT, 1, &cell));
        CHECK_OK(crm_model_expected_purchases(model, 39.0, &fx, &ftx, &fT, 1, &ecell));
        CHECK(grid[fi * 5 + rj] == cell);
        CHECK(egrid[fi * 5 + rj] == ecell);
      }
    }
    CHECK_ERROR(crm_model_p_alive_matrix(model, 5, 38.86, 4, grid, 29), CRM_ERR_INVALID_ARGUMENT,
                "out_len must be (max_frequency + 1) * (recency_steps + 1) = 30, got 29");
    CHECK_ERROR(crm_model_p_alive_matrix(model, -1, 38.86, 4, grid, 30), CRM_ERR_INVALID_ARGUMENT,
                "max_frequency");
    CHECK_ERROR(crm_model_p_alive_matrix(model, 5, 0.0, 4, grid, 30), CRM_ERR_INVALID_ARGUMENT,
                "T must be finite and > 0");
    CHECK_ERROR(crm_model_p_alive_matrix(model, 5, 38.86, 0, grid, 30), CRM_ERR_INVALID_ARGUMENT,
                "recency_steps");
    CHECK_ERROR(crm_model_p_alive_matrix(model, 5, 38.86, 4, NULL, 30), CRM_ERR_INVALID_ARGUMENT,
                "out");
  }

  /* The same model from its parameters predicts the same, bit for bit. */
  {
    crm_model* given = NULL;
    double a[3], b[3];
    CHECK_OK(crm_model_from_params(CRM_MODEL_BGNBD, params, 4, &given));
    CHECK_OK(crm_model_converged(given, &converged));
    CHECK(converged == 1);
    CHECK_OK(crm_model_p_alive(model, x, t_x, T, 3, a));
    CHECK_OK(crm_model_p_alive(given, x, t_x, T, 3, b));
    CHECK(memcmp(a, b, sizeof a) == 0);
    CHECK_ERROR(crm_model_fit_info(given, CRM_FIT_INFO_ITERATIONS, &value),
                CRM_ERR_FAILED_PRECONDITION, "crm_model_from_params");
    {
      const char* message = NULL;
      CHECK_OK(crm_model_fit_message(given, &message));
      CHECK(strcmp(message, "given parameters") == 0);
    }
    crm_model_destroy(given);
  }
  crm_model_destroy(from_summary);
  crm_model_destroy(model);
  crm_summary_destroy(s);
}

static void test_pareto_nbd(void) {
  crm_summary* s = load_cdnow();
  crm_model* model = NULL;
  double p[4], value = 0;
  const double *x, *t_x, *T;
  static double alive[2357], expected[2357];
  size_t i;
  double worst = 0;
  if (s == NULL) return;
  /* As tests/core/pareto_nbd_test.cc: the exact summary from the log. */
  CHECK_OK(crm_model_fit_summary(CRM_MODEL_PARETO_NBD, s, NULL, &model));
  CHECK_OK(crm_model_params(model, p, 4));
  /* Fader & Hardie (2005 note): r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669, LL -9595.0. */
  CHECK_NEAR(p[0], 0.553, 0.0005);
  CHECK_NEAR(p[1], 10.578, 0.0005);
  CHECK_NEAR(p[2], 0.606, 0.0005);
  CHECK_NEAR(p[3], 11.669, 0.0005);
  CHECK_OK(crm_model_fit_info(model, CRM_FIT_INFO_LOG_LIKELIHOOD, &value));
  CHECK_NEAR(value, -9595.0, 0.05);
  x = column(s, CRM_SUMMARY_FREQUENCY);
  t_x = column(s, CRM_SUMMARY_RECENCY);
  T = column(s, CRM_SUMMARY_T);
  CHECK_OK(crm_model_p_alive(model, x, t_x, T, 2357, alive));
  CHECK_OK(crm_model_expected_purchases(model, 39.0, x, t_x, T, 2357, expected));
  /* Schmittlein et al. (1987): E = (r+x)(beta+T)/((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)] P(alive). */
  for (i = 0; i < 2357; ++i) {
    const double r = p[0], alpha = p[1], sh = p[2], beta = p[3], t = 39.0;
    const double e = (r + x[i]) * (beta + T[i]) / ((alpha + T[i]) * (sh - 1)) *
                     (1 - pow((beta + T[i]) / (beta + T[i] + t), sh - 1)) * alive[i];
    const double rel = fabs(expected[i] / e - 1);
    if (rel > worst) worst = rel;
    CHECK(alive[i] > 0 && alive[i] <= 1);
  }
  CHECK(worst < 1e-9);
  /* A new customer: E[X(t)] in closed form; P(X(t) = n) sums to 1 with mean E[X(t)]. */
  {
    double e_new = 0, pn = 0, total = 0, mean = 0;
    int64_t k;
    CHECK_OK(crm_model_expected_purchases_new(model, 39.0, &e_new));
    CHECK(rel_near(e_new, p[0] * p[3] / (p[1] * (p[2] - 1)) *
                              (1 - pow(p[3] / (p[3] + 39.0), p[2] - 1)), 1e-13));
    for (k = 0; k <= 300; ++k) {
      CHECK_OK(crm_model_purchase_count_probability(model, k, 39.0, &pn));
      total += pn;
      mean += (double)k * pn;
    }
    CHECK_NEAR(total, 1.0, 1e-9);
    CHECK(rel_near(mean, e_new, 1e-7));
    CHECK_ERROR(crm_model_purchase_count_probability(model, -1, 39.0, &pn),
                CRM_ERR_INVALID_ARGUMENT, "count n must be >= 0");
    CHECK_ERROR(crm_model_purchase_count_probability(model, 1, 0.0, &pn),
                CRM_ERR_INVALID_ARGUMENT, "horizon t");
    CHECK_ERROR(crm_model_expected_purchases_new(model, -1.0, &pn), CRM_ERR_INVALID_ARGUMENT,
                "horizon t");
  }
  /* The conditional pmf of the first 50 customers: sums to 1, mean = expected purchases. */
  {
    static double pmf[50], total[50], mean[50];
    int64_t k;
    memset(total, 0, sizeof total);
    memset(mean, 0, sizeof mean);
    for (k = 0; k <= 200; ++k) {
      CHECK_OK(crm_model_conditional_purchase_count_probability(model, k, 39.0, x, t_x, T, 50,
                                                                pmf));
      for (i = 0; i < 50; ++i) {
        total[i] += pmf[i];
        mean[i] += (double)k * pmf[i];
      }
    }
    for (i = 0; i < 50; ++i) {
      CHECK_NEAR(total[i], 1.0, 1e-9);
      CHECK_NEAR(mean[i], expected[i], 1e-7 * (1 + expected[i]));
    }
  }
  crm_model_destroy(model);
  crm_summary_destroy(s);
}

static void test_gamma_gamma_and_clv(void) {
  crm_summary* s = load_cdnow();
  crm_model* gg = NULL;
  crm_model* bg = NULL;
  double p[3], value = 0, bp[4];
  const double *x, *t_x, *T, *m;
  static double spend[2357], clv[2357], clv_unit[2357], ones[2357], clv_by_length[2357];
  size_t i;
  if (s == NULL) return;
  CHECK_OK(crm_model_fit_summary(CRM_MODEL_GAMMA_GAMMA, s, NULL, &gg));
  CHECK_OK(crm_model_params(gg, p, 3));
  /* Fader, Hardie & Lee (2005, "RFM and CLV"): p = 6.25, q = 3.74, gamma = 15.44. */
  CHECK_NEAR(p[0], 6.25, 0.02);
  CHECK_NEAR(p[1], 3.74, 0.02);
  CHECK_NEAR(p[2], 15.44, 0.02);
  CHECK_OK(crm_model_fit_info(gg, CRM_FIT_INFO_CUSTOMERS, &value));
  CHECK(value == 946.0);
  CHECK_OK(crm_model_fit_info(gg, CRM_FIT_INFO_EXCLUDED, &value));
  CHECK(value == 0.0);
  {
    size_t count = 0;
    CHECK_OK(crm_model_param_count(gg, &count));
    CHECK(count == 3);
  }

  x = column(s, CRM_SUMMARY_FREQUENCY);
  t_x = column(s, CRM_SUMMARY_RECENCY);
  T = column(s, CRM_SUMMARY_T);
  m = column(s, CRM_SUMMARY_MONETARY_VALUE);
  CHECK_OK(crm_model_expected_mean_spend(gg, x, m, 2357, spend));
  for (i = 0; i < 2357; ++i) {
    const double e = p[0] * (p[2] + m[i] * x[i]) / (p[0] * x[i] + p[1] - 1);
    if (!rel_near(spend[i], e, 1e-12)) {
      CHECK(rel_near(spend[i], e, 1e-12));
      break;
    }
  }
  /* The fitted LL is the partition sum at the estimates. */
  {
    double ll = 0, fit_ll = 0, grad[3];
    CHECK_OK(crm_model_log_likelihood(CRM_MODEL_GAMMA_GAMMA, p, 3, x, NULL, NULL, m, 2357, &ll,
                                      grad));
    CHECK_OK(crm_model_fit_info(gg, CRM_FIT_INFO_LOG_LIKELIHOOD, &fit_ll));
    CHECK(rel_near(ll, fit_ll, 1e-12));
  }

  /* CLV: BG/NBD purchases per period, discounted, times the Gamma-Gamma spend. */
  CHECK_OK(crm_model_fit_summary(CRM_MODEL_BGNBD, s, NULL, &bg));
  CHECK_OK(crm_model_params(bg, bp, 4));
  {
    crm_clv_options o;
    double e_prev[8], e_cur[8], manual[8];
    int k;
    CHECK_OK(crm_clv_options_init(&o, sizeof o));
    /* The lifetimes convention: 12 months of 30 days at 1 % a month, in days by default. */
    CHECK(o.periods == 12 && o.period_length == 0.0 && o.discount_rate == 0.01 &&
          o.time_unit == CRM_TIME_UNIT_DAYS && o.period_days == 30.0);
    o.periods = 4;
    o.period_length = 13.0; /* a year of quarters, in weeks */
    o.discount_rate = 0.03;
    for (i = 0; i < 2357; ++i) ones[i] = 1.0;
    CHECK_OK(crm_clv(bg, gg, x, t_x, T, m, 2357, &o, clv));
    memcpy(clv_by_length, clv, sizeof clv_by_length);
    CHECK_OK(crm_clv(bg, NULL, x, t_x, T, ones, 2357, &o, clv_unit));
    for (i = 0; i < 2357; ++i) {
      if (!rel_near(clv[i], spend[i] * clv_unit[i], 1e-12)) {
        CHECK(rel_near(clv[i], spend[i] * clv_unit[i], 1e-12));
        break;
      }
    }
    for (i = 0; i < 8; ++i) {
      e_prev[i] = 0;
      manual[i] = 0;
    }
    for (k = 1; k <= 4; ++k) {
      CHECK_OK(crm_model_expected_purchases(bg, 13.0 * k, x, t_x, T, 8, e_cur));
      for (i = 0; i < 8; ++i) {
        manual[i] += (e_cur[i] - e_prev[i]) / pow(1.03, k);
        e_prev[i] = e_cur[i];
      }
    }
    for (i = 0; i < 8; ++i) CHECK(rel_near(clv_unit[i], manual[i], 1e-12));
    CHECK(clv[0] > 0);

    /* Errors: wrong kinds, bad options, a negative spend; out unchanged. */
    clv[0] = -7;
    CHECK_ERROR(crm_clv(gg, gg, x, t_x, T, m, 2357, &o, clv), CRM_ERR_INVALID_ARGUMENT,
                "transaction_model is a Gamma-Gamma model");
    CHECK_ERROR(crm_clv(bg, bg, x, t_x, T, m, 2357, &o, clv), CRM_ERR_INVALID_ARGUMENT,
                "spend_model is a BG/NBD model");
    CHECK_ERROR(crm_clv(NULL, gg, x, t_x, T, m, 2357, &o, clv), CRM_ERR_INVALID_ARGUMENT,
                "transaction_model must not be NULL");
    o.periods = 0;
    CHECK_ERROR(crm_clv(bg, gg, x, t_x, T, m, 2357, &o, clv), CRM_ERR_INVALID_ARGUMENT,
                "periods");
    o.periods = 4;
    o.struct_size = 3;
    CHECK_ERROR(crm_clv(bg, gg, x, t_x, T, m, 2357, &o, clv), CRM_ERR_INVALID_ARGUMENT,
                "crm_clv_options.struct_size");
    o.struct_size = sizeof o;
    o.period_length = 0.0; /* the period is period_days in time_unit */
    o.time_unit = 7;
    CHECK_ERROR(crm_clv(bg, gg, x, t_x, T, m, 2357, &o, clv), CRM_ERR_INVALID_ARGUMENT,
                "crm_clv_options.time_unit must be CRM_TIME_UNIT_DAYS (0), _WEEKS (1) or _MONTHS");
    o.time_unit = CRM_TIME_UNIT_WEEKS;
    o.period_length = -2.0;
    CHECK_ERROR(crm_clv(bg, gg, x, t_x, T, m, 2357, &o, clv), CRM_ERR_INVALID_ARGUMENT,
                "period_length must be 0 (use period_days) or finite and > 0, got -2");
    o.period_length = 0.0;
    o.period_days = 0.0;
    CHECK_ERROR(crm_clv(bg, gg, x, t_x, T, m, 2357, &o, clv), CRM_ERR_INVALID_ARGUMENT,
                "period_days must be finite and > 0, got 0");
    o.period_days = 91.0; /* a quarter of 91 days in weeks is 13 weeks, as above */
    {
      /* A host built before time_unit and period_days: its shorter struct still works,
       * with its period_length. */
      crm_clv_options old = o;
      double by_old[2357];
      old.struct_size = offsetof(crm_clv_options, time_unit);
      old.period_length = 13.0;
      CHECK_OK(crm_clv(bg, gg, x, t_x, T, m, 2357, &old, by_old));
      CHECK(memcmp(by_old, clv_by_length, sizeof by_old) == 0);
    }
    {
      double by_days[2357];
      CHECK_OK(crm_clv(bg, gg, x, t_x, T, m, 2357, &o, by_days));
      for (i = 0; i < 2357; ++i) {
        if (by_days[i] != clv_by_length[i]) {
          CHECK(by_days[i] == clv_by_length[i]);
          break;
        }
      }
    }
    ones[5] = -1.0;
    CHECK_ERROR(crm_clv(bg, NULL, x, t_x, T, ones, 2357, &o, clv), CRM_ERR_INVALID_ARGUMENT,
                "row 5");
    CHECK(clv[0] == -7);
    /* NULL: the defaults, whose 30-day period is in days; the model knows it was fitted in
     * weeks (a crm_summary's unit), so the mismatch is refused rather than mis-valued. */
    CHECK_ERROR(crm_clv(bg, gg, x, t_x, T, m, 2357, NULL, clv), CRM_ERR_INVALID_ARGUMENT,
                "transaction_model was fitted with T in weeks but crm_clv_options.time_unit "
                "says days");
    {
      crm_clv_options weekly = CRM_CLV_OPTIONS_INIT;
      weekly.time_unit = CRM_TIME_UNIT_WEEKS;
      CHECK_OK(crm_clv(bg, gg, x, t_x, T, m, 2357, &weekly, clv));
    }
  }

  /* Deterministic NPV: -100 + (50-10)/1.1 + (60-10)/1.21 + 70/1.331. */
  {
    const double margins[3] = {50, 60, 70}, costs[3] = {10, 10, 0};
    CHECK_OK(crm_npv(100, margins, costs, 3, 0.1, &value));
    CHECK_NEAR(value, -100 + 40 / 1.1 + 50 / 1.21 + 70 / 1.331, 1e-9);
    CHECK_OK(crm_npv(100, margins, NULL, 3, 0.0, &value));
    CHECK_NEAR(value, 80.0, 1e-12);
    CHECK_OK(crm_npv(0, NULL, NULL, 0, 0.05, &value));
    CHECK(value == 0.0);
    CHECK_ERROR(crm_npv(100, NULL, NULL, 3, 0.1, &value), CRM_ERR_INVALID_ARGUMENT,
                "margins must not be NULL");
    CHECK_ERROR(crm_npv(100, margins, NULL, 3, -1.0, &value), CRM_ERR_INVALID_ARGUMENT,
                "discount rate");
    CHECK_ERROR(crm_npv(-1, margins, NULL, 3, 0.1, &value), CRM_ERR_INVALID_ARGUMENT,
                "acquisition");
    CHECK_ERROR(crm_npv(100, margins, NULL, 3, 0.1, NULL), CRM_ERR_INVALID_ARGUMENT,
                "out must not be NULL");
  }

  /* Repeat buyers with a mean spend <= 0 are left out of the fit and get the mean. */
  {
    static double fx[2357], fm[2357];
    crm_model* gg2 = NULL;
    double out2[2];
    memcpy(fx, x, sizeof fx);
    memcpy(fm, m, sizeof fm);
    fx[0] = 2;
    fm[0] = 0.0; /* customer 0001 with free repeat purchases */
    CHECK_OK(crm_model_fit(CRM_MODEL_GAMMA_GAMMA, fx, NULL, NULL, fm, 2357, NULL, &gg2));
    CHECK_OK(crm_model_fit_info(gg2, CRM_FIT_INFO_EXCLUDED, &value));
    CHECK(value == 1.0);
    CHECK_OK(crm_model_fit_info(gg2, CRM_FIT_INFO_CUSTOMERS, &value));
    CHECK(value == 945.0);
    CHECK_OK(crm_model_expected_mean_spend(gg, fx, fm, 2, out2));
    CHECK(rel_near(out2[0], p[0] * p[2] / (p[1] - 1), 1e-12));
    fm[0] = NAN; /* not finite: an error, not an exclusion */
    CHECK_ERROR(crm_model_fit(CRM_MODEL_GAMMA_GAMMA, fx, NULL, NULL, fm, 2357, NULL, &gg2),
                CRM_ERR_INVALID_ARGUMENT, "row 0");
    crm_model_destroy(gg2);
  }
  crm_model_destroy(bg);
  crm_model_destroy(gg);
  crm_summary_destroy(s);
}

/* Covers docs/bad-input.md BI-CAPI-14. */
static void test_model_errors(void) {
  static double px[2357], ptx[2357], pT[2357];
  const size_t n = read_published(px, ptx, pT);
  const double good[4] = {0.243, 4.414, 0.793, 2.426};
  const double x[3] = {0, 2, 1}, t_x[3] = {0, 30, 1.7}, T[3] = {38, 38, 38};
  crm_model* sentinel = (crm_model*)&n;
  crm_model* model = sentinel;
  crm_model* bg = NULL;
  crm_fit_options fo;
  double out[3] = {-1, -1, -1}, value, params[4];
  int kind;
  size_t count;
  int32_t flag;
  if (n != 2357) return;

  /* Unknown kinds. */
  CHECK_ERROR(crm_model_fit(6, px, ptx, pT, NULL, n, NULL, &model), CRM_ERR_INVALID_ARGUMENT,
              "unknown model kind 6");
  CHECK_ERROR(crm_model_fit(-1, px, ptx, pT, NULL, n, NULL, &model), CRM_ERR_INVALID_ARGUMENT,
              "unknown model kind -1");
  CHECK_ERROR(crm_model_from_params(7, good, 4, &model), CRM_ERR_INVALID_ARGUMENT,
              "unknown model kind 7");
  CHECK_ERROR(crm_model_log_likelihood(7, good, 4, px, ptx, pT, NULL, n, &value, NULL),
              CRM_ERR_INVALID_ARGUMENT, "unknown model kind 7");
  CHECK(model == sentinel);

  /* NULL pointers. */
  CHECK_ERROR(crm_model_fit(CRM_MODEL_BGNBD, px, ptx, pT, NULL, n, NULL, NULL),
              CRM_ERR_INVALID_ARGUMENT, "out must not be NULL");
  CHECK_ERROR(crm_model_fit(CRM_MODEL_BGNBD, NULL, ptx, pT, NULL, n, NULL, &model),
              CRM_ERR_INVALID_ARGUMENT, "frequency must not be NULL");
  CHECK_ERROR(crm_model_fit(CRM_MODEL_PARETO_NBD, px, NULL, pT, NULL, n, NULL, &model),
              CRM_ERR_INVALID_ARGUMENT, "recency must not be NULL");
  CHECK_ERROR(crm_model_fit(CRM_MODEL_BGNBD, px, ptx, NULL, NULL, n, NULL, &model),
              CRM_ERR_INVALID_ARGUMENT, "T must not be NULL");
  CHECK_ERROR(crm_model_fit(CRM_MODEL_GAMMA_GAMMA, px, ptx, pT, NULL, n, NULL, &model),
              CRM_ERR_INVALID_ARGUMENT, "monetary must not be NULL");
  CHECK_ERROR(crm_model_fit_summary(CRM_MODEL_BGNBD, NULL, NULL, &model),
              CRM_ERR_INVALID_ARGUMENT, "summary must not be NULL");
  CHECK_ERROR(crm_model_from_params(CRM_MODEL_BGNBD, NULL, 4, &model), CRM_ERR_INVALID_ARGUMENT,
              "params must not be NULL");
  CHECK_ERROR(crm_model_from_params(CRM_MODEL_BGNBD, good, 4, NULL), CRM_ERR_INVALID_ARGUMENT,
              "out must not be NULL");
  CHECK_ERROR(crm_model_kind(NULL, &kind), CRM_ERR_INVALID_ARGUMENT, "model must not be NULL");
  CHECK_ERROR(crm_model_param_count(NULL, &count), CRM_ERR_INVALID_ARGUMENT, "model must not be NULL");
  CHECK_ERROR(crm_model_params(NULL, params, 4), CRM_ERR_INVALID_ARGUMENT, "model must not be NULL");
  CHECK_ERROR(crm_model_converged(NULL, &flag), CRM_ERR_INVALID_ARGUMENT, "model must not be NULL");
  CHECK_ERROR(crm_model_p_alive(NULL, x, t_x, T, 3, out), CRM_ERR_INVALID_ARGUMENT,
              "model must not be NULL");
  CHECK_ERROR(crm_model_expected_mean_spend(NULL, x, x, 3, out), CRM_ERR_INVALID_ARGUMENT,
              "spend_model must not be NULL");
  CHECK_ERROR(crm_model_log_likelihood(CRM_MODEL_BGNBD, good, 4, px, ptx, pT, NULL, n, NULL, NULL),
              CRM_ERR_INVALID_ARGUMENT, "out_ll must not be NULL");
  CHECK_ERROR(crm_model_log_likelihood(CRM_MODEL_BGNBD, good, 4, NULL, ptx, pT, NULL, n, &value, NULL),
              CRM_ERR_INVALID_ARGUMENT, "frequency must not be NULL");
  crm_model_destroy(NULL); /* a no-op */

  /* Wrong parameter counts and values. */
  CHECK_ERROR(crm_model_from_params(CRM_MODEL_BGNBD, good, 3, &model), CRM_ERR_INVALID_ARGUMENT,
              "BG/NBD has 4 parameters, but params has 3");
  CHECK_ERROR(crm_model_from_params(CRM_MODEL_GAMMA_GAMMA, good, 4, &model),
              CRM_ERR_INVALID_ARGUMENT, "Gamma-Gamma has 3 parameters, but params has 4");
  CHECK_ERROR(crm_model_log_likelihood(CRM_MODEL_PARETO_NBD, good, 3, px, ptx, pT, NULL, n, &value, NULL),
              CRM_ERR_INVALID_ARGUMENT, "Pareto/NBD has 4 parameters");
  {
    const double bad[4] = {0.243, -4.414, 0.793, 2.426};
    const double nan_params[4] = {0.243, 4.414, NAN, 2.426};
    CHECK_ERROR(crm_model_from_params(CRM_MODEL_BGNBD, bad, 4, &model), CRM_ERR_INVALID_ARGUMENT,
                "alpha");
    CHECK_ERROR(crm_model_from_params(CRM_MODEL_BGNBD, nan_params, 4, &model),
                CRM_ERR_INVALID_ARGUMENT, "a");
  }
  CHECK(model == sentinel);

  /* Invalid summary values, naming the row. */
  {
    double bx[3] = {0, 2, 1}, btx[3] = {0, 30, 1.7}, bT[3] = {38, 38, 38};
    btx[1] = 40; /* t_x > T */
    CHECK_ERROR(crm_model_fit(CRM_MODEL_BGNBD, bx, btx, bT, NULL, 3, NULL, &model),
                CRM_ERR_INVALID_ARGUMENT, "row 1");
    CHECK_ERROR(crm_model_p_alive(NULL, bx, btx, bT, 3, out), CRM_ERR_INVALID_ARGUMENT, "model");
    btx[1] = 30;
    bx[2] = -1; /* negative */
    CHECK_ERROR(crm_model_fit(CRM_MODEL_PARETO_NBD, bx, btx, bT, NULL, 3, NULL, &model),
                CRM_ERR_INVALID_ARGUMENT, "row 2");
    bx[2] = 1.5; /* not a whole number */
    CHECK_ERROR(crm_model_log_likelihood(CRM_MODEL_BGNBD, good, 4, bx, btx, bT, NULL, 3, &value, NULL),
                CRM_ERR_INVALID_ARGUMENT, "row 2");
    bx[2] = 1;
    bT[0] = NAN;
    CHECK_ERROR(crm_model_fit(CRM_MODEL_BGNBD, bx, btx, bT, NULL, 3, NULL, &model),
                CRM_ERR_INVALID_ARGUMENT, "row 0");
    CHECK_ERROR(crm_model_fit(CRM_MODEL_BGNBD, bx, btx, bT, NULL, 0, NULL, &model),
                CRM_ERR_INVALID_ARGUMENT, "no customers");
    bT[0] = 38;
    /* Too few repeat buyers for a meaningful fit. */
    CHECK_ERROR(crm_model_fit(CRM_MODEL_BGNBD, bx, btx, bT, NULL, 3, NULL, &model),
                CRM_ERR_INVALID_ARGUMENT, "repeat buyers");
    CHECK_ERROR(crm_model_fit(CRM_MODEL_GAMMA_GAMMA, bx, NULL, NULL, bT, 0, NULL, &model),
                CRM_ERR_INVALID_ARGUMENT, "crm_model_fit: Gamma-Gamma fit: no customers, got n = 0");
    CHECK(model == sentinel);
  }

  /* A Pareto/NBD log-likelihood whose 2F1 cannot be computed: alpha - beta so close to
   * alpha + t_x (z = 1 - 1e-9) that its continued fraction would need over 10^5 steps. */
  /* Covers docs/bad-input.md BI-MOD-13 */
  {
    const double far[4] = {0.5, 1e9, 0.5, 0.5};
    const double fx[1] = {1}, ftx[1] = {0.5}, fT[1] = {2};
    value = -1;
    CHECK_ERROR(crm_model_log_likelihood(CRM_MODEL_PARETO_NBD, far, 4, fx, ftx, fT, NULL, 1,
                                         &value, NULL),
                CRM_ERR_OUT_OF_RANGE, "crm_model_log_likelihood: Pareto/NBD row 0: the hypergeometric function did not converge");
    CHECK(value == -1);
  }

  /* Fit options: struct size, values, starting point. */
  CHECK_ERROR(crm_fit_options_init(&fo, sizeof fo - 1), CRM_ERR_INVALID_ARGUMENT, "struct_size");
  CHECK_ERROR(crm_fit_options_init(NULL, sizeof fo), CRM_ERR_INVALID_ARGUMENT, "crm_fit_options");
  CHECK_OK(crm_fit_options_init(&fo, sizeof fo));
  CHECK(fo.gradient_tolerance == 1e-7 && fo.max_iterations == 500 && fo.min_repeat_buyers == 10.0);
  fo.struct_size = 0;
  CHECK_ERROR(crm_model_fit(CRM_MODEL_BGNBD, px, ptx, pT, NULL, n, &fo, &model),
              CRM_ERR_INVALID_ARGUMENT, "crm_fit_options.struct_size must be sizeof(crm_fit_options)");
  fo.struct_size = sizeof fo;
  fo.gradient_tolerance = -1;
  CHECK_ERROR(crm_model_fit(CRM_MODEL_BGNBD, px, ptx, pT, NULL, n, &fo, &model),
              CRM_ERR_INVALID_ARGUMENT, "gradient_tolerance");
  fo.gradient_tolerance = 1e-7;
  fo.initial_params = good;
  fo.initial_param_count = 3;
  CHECK_ERROR(crm_model_fit(CRM_MODEL_BGNBD, px, ptx, pT, NULL, n, &fo, &model),
              CRM_ERR_INVALID_ARGUMENT, "BG/NBD has 4 parameters, but crm_fit_options.initial_params has 3");
  fo.initial_params = NULL;
  CHECK_ERROR(crm_model_fit(CRM_MODEL_BGNBD, px, ptx, pT, NULL, n, &fo, &model),
              CRM_ERR_INVALID_ARGUMENT, "initial_param_count is 3");
  CHECK(model == sentinel);

  /* A fit that does not converge: CRM_OK and converged = 0, as the C++ API reports it;
   * its predictions are refused. */
  fo.initial_param_count = 0;
  fo.max_iterations = 1;
  CHECK_OK(crm_model_fit(CRM_MODEL_BGNBD, px, ptx, pT, NULL, n, &fo, &bg));
  CHECK_OK(crm_model_converged(bg, &flag));
  CHECK(flag == 0);
  {
    const char* message = NULL;
    CHECK_OK(crm_model_fit_message(bg, &message));
    CHECK(message != NULL && strstr(message, "not converged") != NULL);
  }
  CHECK_OK(crm_model_fit_info(bg, CRM_FIT_INFO_CONVERGED, &value));
  CHECK(value == 0.0);
  CHECK_OK(crm_model_params(bg, params, 4)); /* readable, for diagnosis */
  CHECK_ERROR(crm_model_p_alive(bg, x, t_x, T, 3, out), CRM_ERR_FAILED_PRECONDITION,
              "did not converge");
  CHECK_ERROR(crm_model_expected_purchases(bg, 39, x, t_x, T, 3, out),
              CRM_ERR_FAILED_PRECONDITION, "did not converge");
  CHECK_ERROR(crm_clv(bg, NULL, x, t_x, T, x, 3, NULL, out), CRM_ERR_FAILED_PRECONDITION,
              "did not converge");
  crm_model_destroy(bg);

  /* Accessor and prediction errors on a good model; outputs unchanged on error. */
  CHECK_OK(crm_model_from_params(CRM_MODEL_BGNBD, good, 4, &bg));
  CHECK_ERROR(crm_model_params(bg, params, 3), CRM_ERR_INVALID_ARGUMENT,
              "BG/NBD has 4 parameters, but n is 3");
  CHECK_ERROR(crm_model_params(bg, NULL, 4), CRM_ERR_INVALID_ARGUMENT, "out must not be NULL");
  CHECK_ERROR(crm_model_fit_info(bg, 7, &value), CRM_ERR_INVALID_ARGUMENT, "unknown key 7");
  CHECK_ERROR(crm_model_expected_mean_spend(bg, x, x, 3, out), CRM_ERR_INVALID_ARGUMENT,
              "spend_model is a BG/NBD model");
  CHECK_ERROR(crm_model_p_alive(bg, x, NULL, T, 3, out), CRM_ERR_INVALID_ARGUMENT,
              "t_x must not be NULL");
  CHECK_ERROR(crm_model_p_alive(bg, x, t_x, T, 3, NULL), CRM_ERR_INVALID_ARGUMENT,
              "out must not be NULL");
  CHECK_ERROR(crm_model_expected_purchases(bg, -1.0, x, t_x, T, 3, out), CRM_ERR_INVALID_ARGUMENT,
              "");
  CHECK_ERROR(crm_model_expected_purchases(bg, NAN, x, t_x, T, 3, out), CRM_ERR_INVALID_ARGUMENT,
              "");
  {
    const double bad_tx[3] = {0, 30, 39}; /* row 2: t_x > T */
    CHECK_ERROR(crm_model_p_alive(bg, x, bad_tx, T, 3, out), CRM_ERR_INVALID_ARGUMENT, "row 2");
    CHECK_ERROR(crm_model_expected_purchases(bg, 39, x, bad_tx, T, 3, out),
                CRM_ERR_INVALID_ARGUMENT, "row 2");
  }
  CHECK(out[0] == -1 && out[1] == -1 && out[2] == -1);
  CHECK_OK(crm_model_p_alive(bg, NULL, NULL, NULL, 0, NULL)); /* n = 0: nothing to do */
  {
    crm_model* gg = NULL;
    const double gp[3] = {6.25, 0.9, 15.44}; /* q <= 1: no population mean */
    CHECK_OK(crm_model_from_params(CRM_MODEL_GAMMA_GAMMA, gp, 3, &gg));
    CHECK_ERROR(crm_model_p_alive(gg, x, t_x, T, 3, out), CRM_ERR_INVALID_ARGUMENT,
                "model is a Gamma-Gamma model");
    CHECK_ERROR(crm_model_purchase_count_probability(gg, 1, 3.0, &value),
                CRM_ERR_INVALID_ARGUMENT, "Gamma-Gamma");
    CHECK_ERROR(crm_model_expected_mean_spend(gg, x, x, 3, out), CRM_ERR_INVALID_ARGUMENT, "q");
    CHECK(out[0] == -1);
    crm_model_destroy(gg);
  }
  crm_model_destroy(bg);
}

/* A log in caller columns (crm_summary_from_columns) summarizes as the same log in a
 * buffer does; bad columns name the row. */
/* Covers docs/bad-input.md BI-CAPI-COLUMNS. */
static void test_summary_from_columns(void) {
  static const char kLog[] =
      "customer_id,date,amount\nb,2020-01-01,10.00\na,2020-01-02,5.50\nb,2020-01-05,3.00\n"
      "b,2020-01-05,2.00\na,2020-01-09,-1.25\n";
  const char* ids[5] = {"b", "a", "b", "b", "a"};
  const int64_t numbers[5] = {2, 1, 2, 2, 1};
  /* 2020-01-01 is day 18262 since 1970-01-01. */
  int32_t days[5] = {18262, 18263, 18266, 18266, 18270};
  const int64_t cents[5] = {1000, 550, 300, 200, -125};
  crm_summary *from_buffer = NULL, *from_ids = NULL, *from_numbers = NULL;
  crm_summary* untouched = (crm_summary*)(void*)&untouched;
  crm_summary* const sentinel = untouched;
  const char* bad_utf8[5] = {"b", "a", "\xff", "b", "a"};
  const char* with_null[5] = {"b", NULL, "b", "b", "a"};
  int column;
  CHECK_OK(crm_summary_load_buffer(kLog, sizeof kLog - 1, NULL, &from_buffer));
  CHECK_OK(crm_summary_from_columns(ids, NULL, days, cents, 5, NULL, &from_ids));
  CHECK_OK(crm_summary_from_columns(NULL, numbers, days, cents, 5, NULL, &from_numbers));
  for (column = CRM_SUMMARY_FREQUENCY; column <= CRM_SUMMARY_MONETARY_VALUE; ++column) {
    const double *a = NULL, *b = NULL, *c = NULL;
    size_t na = 0, nb = 0, nc = 0, i;
    CHECK_OK(crm_summary_column(from_buffer, column, &a, &na));
    CHECK_OK(crm_summary_column(from_ids, column, &b, &nb));
    CHECK_OK(crm_summary_column(from_numbers, column, &c, &nc));
    CHECK(na == 2 && nb == 2 && nc == 2);
    for (i = 0; i < na && i < nb && i < nc; ++i) CHECK(a[i] == b[i] && a[i] == c[i]);
  }
  {
    const char* id = NULL;
    size_t length = 0;
    CHECK_OK(crm_summary_customer_id(from_numbers, 0, &id, &length));
    CHECK(length == 1 && id[0] == '2');
  }
  CHECK_ERROR(crm_summary_from_columns(NULL, NULL, days, cents, 5, NULL, &untouched),
              CRM_ERR_INVALID_ARGUMENT, "customer_ids and customer_numbers are both NULL");
  CHECK_ERROR(crm_summary_from_columns(bad_utf8, NULL, days, cents, 5, NULL, &untouched),
              CRM_ERR_INVALID_ARGUMENT, "columns row 2: customer id is not valid UTF-8");
  CHECK_ERROR(crm_summary_from_columns(with_null, NULL, days, cents, 5, NULL, &untouched),
              CRM_ERR_INVALID_ARGUMENT, "columns row 1: customer id is NULL");
  CHECK_ERROR(crm_summary_from_columns(ids, NULL, NULL, cents, 5, NULL, &untouched),
              CRM_ERR_INVALID_ARGUMENT, "days");
  CHECK_ERROR(crm_summary_from_columns(ids, NULL, days, cents, 0, NULL, &untouched),
              CRM_ERR_INVALID_ARGUMENT, "no transactions");
  days[3] = 3000000; /* year 10183 */
  CHECK_ERROR(crm_summary_from_columns(ids, NULL, days, cents, 5, NULL, &untouched),
              CRM_ERR_INVALID_ARGUMENT, "columns row 3: day 3000000 is outside years 1..9999");
  CHECK(untouched == sentinel);
  crm_summary_destroy(from_buffer);
  crm_summary_destroy(from_ids);
  crm_summary_destroy(from_numbers);
}

/* crm_fit_options.weights: the CDNOW sample's distinct histories, each weighted by its
 * customers, fit exactly as the 2,357 customers; a bad weight names its row; a struct_size
 * from before weights (offsetof) still works, unweighted. */
/* Covers docs/bad-input.md BI-MOD-08. */
static void test_weighted_fit(void) {
  crm_summary* s = load_cdnow();
  const double* x = column(s, CRM_SUMMARY_FREQUENCY);
  const double* t_x = column(s, CRM_SUMMARY_RECENCY);
  const double* T = column(s, CRM_SUMMARY_T);
  static double px[2357], ptx[2357], pT[2357], pw[2357];
  size_t patterns = 0, i, j;
  crm_model *plain = NULL, *weighted = NULL, *old_size = NULL;
  crm_fit_options o = CRM_FIT_OPTIONS_INIT;
  double a[4], b[4], c[4];
  for (i = 0; i < 2357; ++i) {
    for (j = 0; j < patterns; ++j) {
      if (px[j] == x[i] && ptx[j] == t_x[i] && pT[j] == T[i]) break;
    }
    if (j == patterns) {
      px[j] = x[i];
      ptx[j] = t_x[i];
      pT[j] = T[i];
      pw[j] = 0;
      ++patterns;
    }
    pw[j] += 1;
  }
  CHECK(patterns < 2357);
  CHECK_OK(crm_model_fit(CRM_MODEL_BGNBD, x, t_x, T, NULL, 2357, NULL, &plain));
  o.weights = pw;
  CHECK_OK(crm_model_fit(CRM_MODEL_BGNBD, px, ptx, pT, NULL, patterns, &o, &weighted));
  CHECK_OK(crm_model_params(plain, a, 4));
  CHECK_OK(crm_model_params(weighted, b, 4));
  CHECK(memcmp(a, b, sizeof a) == 0);
  pw[3] = -1.0;
  CHECK_ERROR(crm_model_fit(CRM_MODEL_BGNBD, px, ptx, pT, NULL, patterns, &o, &old_size),
              CRM_ERR_INVALID_ARGUMENT, "purchase history row 3: weight must be finite and >= 0");
  CHECK(old_size == NULL);
  o.struct_size = offsetof(crm_fit_options, weights); /* a host built before weights */
  CHECK_OK(crm_model_fit(CRM_MODEL_BGNBD, x, t_x, T, NULL, 2357, &o, &old_size));
  CHECK_OK(crm_model_params(old_size, c, 4));
  CHECK(memcmp(a, c, sizeof a) == 0);
  crm_model_destroy(plain);
  crm_model_destroy(weighted);
  crm_model_destroy(old_size);
  crm_summary_destroy(s);
}

/* A destroyed handle used again: undefined by contract, detected by debug builds. */
/* Covers docs/bad-input.md BI-CAPI-11. */
/* Penalizer and parameter uncertainty (C++: tests/core/model_fit_test.cc). */
static void test_penalizer_and_uncertainty(void) {
  static double px[2357], ptx[2357], pT[2357];
  const size_t n_pub = read_published(px, ptx, pT);
  crm_fit_options options = CRM_FIT_OPTIONS_INIT;
  crm_fit_options from_init;
  crm_model* model = NULL;
  crm_model* penalized = NULL;
  crm_model* given = NULL;
  double params[4], se[4], cov[16], ll = 0, ll_pen = 0;
  const double good[4] = {0.25, 4.0, 0.8, 2.4};
  int i;
  CHECK(n_pub == 2357);
  if (n_pub != 2357) return;

  /* The INIT macro and the init function agree; penalizer 0 by default. */
  CHECK_OK(crm_fit_options_init(&from_init, sizeof from_init));
  CHECK(from_init.penalizer == 0.0 && options.penalizer == 0.0);

  CHECK_OK(crm_model_fit(CRM_MODEL_BGNBD, px, ptx, pT, NULL, n_pub, &options, &model));
  CHECK_OK(crm_model_standard_errors(model, se, 4));
  /* lifetimes' BetaGeoFitter on CDNOW: se 0.0126, 0.378, 0.186, 0.705. */
  CHECK_NEAR(se[0], 0.0126, 0.0005);
  CHECK_NEAR(se[1], 0.378, 0.005);
  CHECK_NEAR(se[2], 0.186, 0.005);
  CHECK_NEAR(se[3], 0.705, 0.005);
  CHECK_OK(crm_model_covariance(model, cov, 16));
  for (i = 0; i < 4; ++i) CHECK(rel_near(sqrt(cov[i * 5]), se[i], 1e-12));
  CHECK(cov[1] == cov[4]); /* symmetric */
  CHECK_ERROR(crm_model_covariance(model, cov, 4), CRM_ERR_INVALID_ARGUMENT, "n must be 16");
  CHECK_ERROR(crm_model_standard_errors(model, se, 3), CRM_ERR_INVALID_ARGUMENT, "n must be 4");
  CHECK_ERROR(crm_model_standard_errors(NULL, se, 4), CRM_ERR_INVALID_ARGUMENT, "model");
  CHECK_ERROR(crm_model_covariance(model, NULL, 16), CRM_ERR_INVALID_ARGUMENT, "out");

  /* lifetimes' BetaGeoFitter(penalizer_coef=0.1): r 0.2309, alpha 4.2193, a 0.1287, b 0.2671. */
  options.penalizer = 0.1;
  options.gradient_tolerance = 1e-10;
  CHECK_OK(crm_model_fit(CRM_MODEL_BGNBD, px, ptx, pT, NULL, n_pub, &options, &penalized));
  CHECK_OK(crm_model_params(penalized, params, 4));
  CHECK_NEAR(params[0], 0.2309, 5e-5);
  CHECK_NEAR(params[1], 4.2193, 5e-5);
  CHECK_NEAR(params[2], 0.1287, 5e-5);
  CHECK_NEAR(params[3], 0.2671, 5e-5);
  /* The reported log-likelihood is the unpenalized one at the penalized estimates. */
  CHECK_OK(crm_model_fit_info(penalized, CRM_FIT_INFO_LOG_LIKELIHOOD, &ll_pen));
  CHECK_OK(crm_model_log_likelihood(CRM_MODEL_BGNBD, params, 4, px, ptx, pT, NULL, n_pub, &ll,
                                    NULL));
  CHECK(rel_near(ll_pen, ll, 1e-10));
  CHECK_OK(crm_model_standard_errors(penalized, se, 4));

  /* The struct before `penalizer` was appended is still accepted (penalizer 0). */
  {
    crm_fit_options old = CRM_FIT_OPTIONS_INIT;
    crm_model* m = NULL;
    old.struct_size = offsetof(crm_fit_options, penalizer);
    old.penalizer = 5.0; /* beyond the old size: not read */
    CHECK_OK(crm_model_fit(CRM_MODEL_BGNBD, px, ptx, pT, NULL, n_pub, &old, &m));
    CHECK_OK(crm_model_params(m, params, 4));
    CHECK_NEAR(params[0], 0.243, 0.0005);
    crm_model_destroy(m);
    CHECK_OK(crm_fit_options_init(&old, offsetof(crm_fit_options, penalizer)));
  }

  /* Bad penalizers. Covers docs/bad-input.md BI-MOD-10. */
  options.gradient_tolerance = 1e-7;
  options.penalizer = -0.1;
  CHECK_ERROR(crm_model_fit(CRM_MODEL_BGNBD, px, ptx, pT, NULL, n_pub, &options, &given),
              CRM_ERR_INVALID_ARGUMENT, "penalizer must be finite and >= 0, got -0.1");
  options.penalizer = NAN;
  CHECK_ERROR(crm_model_fit(CRM_MODEL_GAMMA_GAMMA, px, NULL, NULL, pT, n_pub, &options, &given),
              CRM_ERR_INVALID_ARGUMENT, "penalizer must be finite and >= 0, got nan");
  options.penalizer = INFINITY;
  CHECK_ERROR(crm_model_fit(CRM_MODEL_PARETO_NBD, px, ptx, pT, NULL, n_pub, &options, &given),
              CRM_ERR_INVALID_ARGUMENT, "penalizer must be finite");
  CHECK(given == NULL);

  /* A model made from parameters, and a fit that did not converge, have no covariance. */
  CHECK_OK(crm_model_from_params(CRM_MODEL_BGNBD, good, 4, &given));
  CHECK_ERROR(crm_model_standard_errors(given, se, 4), CRM_ERR_FAILED_PRECONDITION,
              "crm_model_from_params");
  CHECK_ERROR(crm_model_covariance(given, cov, 16), CRM_ERR_FAILED_PRECONDITION,
              "crm_model_from_params");
  crm_model_destroy(given);
  options.penalizer = 0.0;
  options.max_iterations = 1;
  CHECK_OK(crm_model_fit(CRM_MODEL_BGNBD, px, ptx, pT, NULL, n_pub, &options, &given));
  CHECK_ERROR(crm_model_standard_errors(given, se, 4), CRM_ERR_FAILED_PRECONDITION,
              "did not converge");
  crm_model_destroy(given);
  crm_model_destroy(penalized);
  crm_model_destroy(model);
}

/* Prediction intervals (C++: tests/core/prediction_intervals_test.cc). */
static void test_prediction_intervals(void) {
  static double lo[2357], hi[2357], value[2357];
  crm_summary* s = load_cdnow();
  crm_model* bg = NULL;
  crm_model* gg = NULL;
  crm_model* given = NULL;
  double total[3], boot[2], boot2[2], sum = 0;
  const double good[4] = {0.25, 4.0, 0.8, 2.4};
  const double *px, *ptx, *pT, *spend;
  crm_clv_options clv = CRM_CLV_OPTIONS_INIT;
  const size_t n = 2357;
  size_t i;
  if (s == NULL) return;
  px = column(s, CRM_SUMMARY_FREQUENCY);
  ptx = column(s, CRM_SUMMARY_RECENCY);
  pT = column(s, CRM_SUMMARY_T);
  spend = column(s, CRM_SUMMARY_MONETARY_VALUE);
  CHECK_OK(crm_model_fit_summary(CRM_MODEL_BGNBD, s, NULL, &bg));
  CHECK_OK(crm_model_fit_summary(CRM_MODEL_GAMMA_GAMMA, s, NULL, &gg));

  CHECK_OK(crm_prediction_intervals(CRM_PREDICT_EXPECTED_PURCHASES, bg, NULL, 39.0, NULL, px,
                                    ptx, pT, NULL, n, lo, hi, total));
  CHECK_OK(crm_model_expected_purchases(bg, 39.0, px, ptx, pT, n, value));
  for (i = 0; i < n; ++i) {
    CHECK(lo[i] <= value[i] && value[i] <= hi[i] && lo[i] >= 0);
    sum += value[i];
  }
  CHECK(rel_near(total[0], sum, 1e-12));
  CHECK(total[1] < total[0] && total[0] < total[2]);
  CHECK_OK(crm_prediction_total_bootstrap(CRM_PREDICT_EXPECTED_PURCHASES, bg, NULL, 39.0, NULL,
                                          px, ptx, pT, NULL, n, 100, 5, boot));
  CHECK_OK(crm_prediction_total_bootstrap(CRM_PREDICT_EXPECTED_PURCHASES, bg, NULL, 39.0, NULL,
                                          px, ptx, pT, NULL, n, 100, 5, boot2));
  CHECK(boot[0] == boot2[0] && boot[1] == boot2[1]); /* same seed, same draws */
  CHECK(boot[0] < total[0] && total[0] < boot[1]);

  CHECK_OK(crm_prediction_intervals(CRM_PREDICT_P_ALIVE, bg, NULL, 0, NULL, px, ptx, pT, NULL, n,
                                    lo, hi, NULL));
  for (i = 0; i < n; ++i) CHECK(lo[i] >= 0 && hi[i] <= 1 && lo[i] <= hi[i]);
  CHECK_OK(crm_prediction_intervals(CRM_PREDICT_EXPECTED_MEAN_SPEND, gg, NULL, 0, NULL, px,
                                    NULL, NULL, spend, n, lo, hi, total));
  CHECK(total[1] < total[0] && total[0] < total[2]);
  clv.period_length = 4.0;
  CHECK_OK(crm_prediction_intervals(CRM_PREDICT_CLV, bg, gg, 0, &clv, px, ptx, pT, spend, n, lo,
                                    hi, total));
  CHECK_OK(crm_clv(bg, gg, px, ptx, pT, spend, n, &clv, value));
  for (i = 0; i < n; ++i) CHECK(lo[i] <= value[i] && value[i] <= hi[i]);
  CHECK_OK(crm_prediction_total_bootstrap(CRM_PREDICT_CLV, bg, gg, 0, &clv, px, ptx, pT, spend,
                                          n, 20, 1, boot));
  CHECK(boot[0] < boot[1]);
  CHECK_OK(crm_prediction_intervals(CRM_PREDICT_P_ALIVE, bg, NULL, 0, NULL, NULL, NULL, NULL,
                                    NULL, 0, NULL, NULL, total));
  CHECK(total[0] == 0);

  /* Bad input. Covers docs/bad-input.md BI-MOD-20. */
  CHECK_ERROR(crm_prediction_intervals(7, bg, NULL, 0, NULL, px, ptx, pT, NULL, n, lo, hi, NULL),
              CRM_ERR_INVALID_ARGUMENT, "unknown prediction 7");
  CHECK_ERROR(crm_prediction_intervals(CRM_PREDICT_P_ALIVE, gg, NULL, 0, NULL, px, ptx, pT, NULL,
                                       n, lo, hi, NULL),
              CRM_ERR_INVALID_ARGUMENT, "Gamma-Gamma");
  CHECK_ERROR(crm_prediction_intervals(CRM_PREDICT_CLV, bg, NULL, 0, NULL, px, ptx, pT, spend, n,
                                       lo, hi, NULL),
              CRM_ERR_INVALID_ARGUMENT, "spend_model must not be NULL");
  CHECK_ERROR(crm_prediction_intervals(CRM_PREDICT_EXPECTED_PURCHASES, bg, NULL, -1, NULL, px,
                                       ptx, pT, NULL, n, lo, hi, NULL),
              CRM_ERR_INVALID_ARGUMENT, "horizon t must be finite and >= 0, got -1");
  CHECK_ERROR(crm_prediction_intervals(CRM_PREDICT_P_ALIVE, bg, NULL, 0, NULL, px, ptx, pT, NULL,
                                       n, NULL, hi, NULL),
              CRM_ERR_INVALID_ARGUMENT, "out_lo");
  CHECK_ERROR(crm_prediction_total_bootstrap(CRM_PREDICT_P_ALIVE, bg, NULL, 0, NULL, px, ptx, pT,
                                             NULL, n, 19, 1, boot),
              CRM_ERR_INVALID_ARGUMENT, "samples must be in [20, 1000000], got 19");
  CHECK_ERROR(crm_prediction_total_bootstrap(CRM_PREDICT_P_ALIVE, bg, NULL, 0, NULL, px, ptx, pT,
                                             NULL, n, 20, 1, NULL),
              CRM_ERR_INVALID_ARGUMENT, "out_lo_hi");
  CHECK_OK(crm_model_from_params(CRM_MODEL_BGNBD, good, 4, &given));
  CHECK_ERROR(crm_prediction_intervals(CRM_PREDICT_P_ALIVE, given, NULL, 0, NULL, px, ptx, pT,
                                       NULL, n, lo, hi, NULL),
              CRM_ERR_FAILED_PRECONDITION, "no covariance");
  crm_model_destroy(given);
  crm_model_destroy(gg);
  crm_model_destroy(bg);
  crm_summary_destroy(s);
}

static void test_destroyed_handles(void) {
#if defined(CRMCORE_CAPI_CHECK_HANDLES) && CRMCORE_CAPI_CHECK_HANDLES
  const double good[4] = {0.243, 4.414, 0.793, 2.426};
  static const char kLog[] = "customer_id,date,amount\na,2020-01-01,1\n";
  crm_model* model = NULL;
  crm_summary* s = NULL;
  size_t count;
  int kind;
  CHECK_OK(crm_model_from_params(CRM_MODEL_BGNBD, good, 4, &model));
  crm_model_destroy(model);
  CHECK_ERROR(crm_model_kind(model, &kind), CRM_ERR_INVALID_ARGUMENT, "model is not a live handle");
  /* Destroying it again is detected and ignored (a line on stderr), not a double free. */
  crm_model_destroy(model);
  CHECK_ERROR(crm_model_kind(model, &kind), CRM_ERR_INVALID_ARGUMENT, "model is not a live handle");
  CHECK_OK(crm_summary_load_buffer(kLog, sizeof kLog - 1, NULL, &s));
  crm_summary_destroy(s);
  CHECK_ERROR(crm_summary_customer_count(s, &count), CRM_ERR_INVALID_ARGUMENT,
              "summary is not a live handle");
  CHECK_ERROR(crm_model_fit_summary(CRM_MODEL_BGNBD, s, NULL, &model), CRM_ERR_INVALID_ARGUMENT,
              "summary is not a live handle");
  /* A handle of another type is not live either. */
  CHECK_ERROR(crm_model_kind((const crm_model*)(const void*)kLog, &kind),
              CRM_ERR_INVALID_ARGUMENT, "not a live handle");
#endif
}

static int report(const char* name) {
  if (g_failures == 0) {
    printf("%s: %d checks passed\n", name, g_checks);
    return 0;
  }
  fprintf(stderr, "%s: %d of %d checks failed\n", name, g_failures, g_checks);
  return 1;
}

/* The holdout end: later rows ignored, duration_holdout per row, an older struct_size. */
static void test_holdout_end(void) {
  char path[4096];
  crm_ingest_options o = cdnow_options();
  crm_summary* s = NULL;
  crm_summary* open_ended = NULL;
  int64_t info = 0, ignored = 0;
  size_t i;
  const double *duration, *hx, *open_hx;
  data_path(path, sizeof path, "CDNOW_sample.txt");
  o.holdout_end = "1998-03-31";
  CHECK_OK(crm_summary_load_path(path, &o, &s));
  if (s == NULL) return;
  duration = column(s, CRM_SUMMARY_DURATION_HOLDOUT);
  for (i = 0; i < 2357; ++i) CHECK(duration[i] == 26.0); /* 182 days in weeks */
  CHECK_OK(crm_summary_info(s, CRM_SUMMARY_INFO_HOLDOUT_END, &info));
  CHECK(info == 10316); /* 1998-03-31 in days since 1970-01-01 */
  CHECK_OK(crm_summary_info(s, CRM_SUMMARY_INFO_TRANSACTIONS_AFTER_HOLDOUT_END, &ignored));
  CHECK(ignored > 0);
  /* The release before holdout_end passed a shorter struct: still accepted, no holdout end. */
  o.struct_size = offsetof(crm_ingest_options, holdout_end);
  CHECK_OK(crm_summary_load_path(path, &o, &open_ended));
  if (open_ended != NULL) {
    hx = column(s, CRM_SUMMARY_HOLDOUT_FREQUENCY);
    open_hx = column(open_ended, CRM_SUMMARY_HOLDOUT_FREQUENCY);
    for (i = 0; i < 2357; ++i) CHECK(hx[i] <= open_hx[i]);
    CHECK(column(open_ended, CRM_SUMMARY_DURATION_HOLDOUT)[0] == 39.0);
    CHECK_OK(crm_summary_info(open_ended, CRM_SUMMARY_INFO_TRANSACTIONS_AFTER_HOLDOUT_END, &info));
    CHECK(info == 0);
    crm_summary_destroy(open_ended);
  }
  crm_summary_destroy(s);
  s = NULL;
  /* Bad input: not a date, before the observation end, without one. */
  o = cdnow_options();
  o.holdout_end = "1998/03/31";
  CHECK_ERROR(crm_summary_load_path(path, &o, &s), CRM_ERR_INVALID_ARGUMENT,
              "crm_ingest_options.holdout_end must be a date");
  o.holdout_end = "1997-09-01";
  CHECK_ERROR(crm_summary_load_path(path, &o, &s), CRM_ERR_INVALID_ARGUMENT,
              "holdout_end 1997-09-01 is before observation_end 1997-09-30");
  o.observation_end = NULL;
  CHECK_ERROR(crm_summary_load_path(path, &o, &s), CRM_ERR_INVALID_ARGUMENT,
              "needs an observation_end");
  o = cdnow_options();
  o.struct_size = offsetof(crm_ingest_options, holdout_end) - 1;
  CHECK_ERROR(crm_summary_load_path(path, &o, &s), CRM_ERR_INVALID_ARGUMENT, "struct_size");
  CHECK(s == NULL);
}

int main(int argc, char** argv) {
  if (argc > 1) g_data_dir = argv[1];
  test_cdnow_summary_matches_published();
  test_buffer_matches_path();
  test_csv_with_header_and_defaults();
  test_ingest_errors();
  test_holdout_end();
  test_bgnbd();
  test_pareto_nbd();
  test_gamma_gamma_and_clv();
  test_model_errors();
  test_summary_from_columns();
  test_weighted_fit();
  test_penalizer_and_uncertainty();
  test_prediction_intervals();
  test_destroyed_handles();
  return report("capi_models_test");
}

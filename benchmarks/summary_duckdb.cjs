// The per-customer RFM summary of an export-style log (customer_id,date,amount; ISO dates)
// by DuckDB, CSV in and CSV out, as a user of DuckDB would write it: the comparison point
// of issue 12's target for `crmcore summarize` (faster on one thread than DuckDB on two).
// Same conventions as summary_vs_pandas.py: same-day purchases are one occasion,
// calibration ends 1997-09-30, recency and T in weeks, mean value of the repeat occasions.
//
// DuckDB comes from npm for this benchmark only, never for the library:
//   (cd /tmp/duck && npm install @duckdb/node-api)
//   NODE_PATH=/tmp/duck/node_modules /usr/bin/time -f '%e s %M KB' \
//     node benchmarks/summary_duckdb.cjs LOG OUT.csv THREADS
const { DuckDBInstance } = require("@duckdb/node-api");

async function main() {
  const [log, out, threads] = process.argv.slice(2);
  if (!log || !out || !threads) {
    console.error("usage: summary_duckdb.cjs LOG OUT.csv THREADS");
    process.exit(2);
  }
  const quote = (s) => "'" + s.replace(/'/g, "''") + "'";
  const instance = await DuckDBInstance.create(":memory:", { threads: String(threads) });
  const connection = await instance.connect();
  const end = "DATE '1997-09-30'";
  await connection.run(`
    COPY (
      WITH occasions AS (
        SELECT customer_id, date, sum(amount) AS value
        FROM read_csv(${quote(log)}, header = true,
                      columns = {'customer_id': 'VARCHAR', 'date': 'DATE',
                                 'amount': 'DECIMAL(18, 2)'})
        WHERE date <= ${end}
        GROUP BY customer_id, date),
      customers AS (
        SELECT customer_id, count(*) - 1 AS frequency, min(date) AS first_day,
               max(date) AS last_day, sum(value) - arg_min(value, date) AS repeat_value
        FROM occasions GROUP BY customer_id)
      SELECT customer_id, frequency,
             date_diff('day', first_day, last_day) / 7.0 AS recency,
             date_diff('day', first_day, ${end}) / 7.0 AS T,
             CASE WHEN frequency > 0 THEN repeat_value / frequency ELSE 0 END AS monetary_value
      FROM customers
    ) TO ${quote(out)} (HEADER, DELIMITER ',')`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

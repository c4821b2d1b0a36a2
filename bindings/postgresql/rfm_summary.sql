-- rfm_summary.sql — transactions → the per-customer RFM summary, in SQL, with the
-- conventions of `crmcore summarize` (capi/crmcore.h, "Transaction-log ingest"):
--   * the purchases of one customer on one day are one purchase occasion;
--   * calibration is every occasion on or before :'observation_end' (inclusive);
--   * frequency x = calibration occasions - 1;
--   * recency t_x = weeks from the first to the last calibration occasion (days / 7);
--   * T = weeks from the first occasion to the observation end;
--   * monetary = mean value of the repeat calibration occasions (0 when x = 0);
--   * one row per customer whose first purchase is on or before the observation end.
-- Input: a table transactions(customer_id text, day date, amount numeric). Run it with
--   psql -v observation_end=1997-09-30 -f rfm_summary.sql
-- (or paste it into CREATE TABLE ... AS / a view). For days or months as the time unit,
-- replace / 7.0 by / 1.0 or / (365.25 / 12).
WITH occasions AS (
  SELECT customer_id, day, sum(amount) AS value
  FROM transactions
  WHERE day <= :'observation_end'::date
  GROUP BY customer_id, day
),
per_customer AS (
  SELECT customer_id, count(*) AS occasions, min(day) AS first_day, max(day) AS last_day,
         sum(value) AS total_value
  FROM occasions
  GROUP BY customer_id
),
first_values AS (
  SELECT o.customer_id, o.value AS first_value
  FROM occasions o JOIN per_customer p ON p.customer_id = o.customer_id AND o.day = p.first_day
)
SELECT p.customer_id,
       (p.occasions - 1)::float8 AS frequency,
       (p.last_day - p.first_day) / 7.0::float8 AS recency,
       (:'observation_end'::date - p.first_day) / 7.0::float8 AS t,
       CASE WHEN p.occasions > 1
            THEN ((p.total_value - f.first_value) / (p.occasions - 1))::float8
            ELSE 0 END AS monetary
FROM per_customer p JOIN first_values f USING (customer_id);

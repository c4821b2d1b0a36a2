-- crmcore--1.0.sql: the SQL interface of the crmcore extension (bindings/postgresql/README.md).
\echo Use "CREATE EXTENSION crmcore" to load this file. \quit

-- Scalar functions (docs/domain.md), as the SQLite extension's.
CREATE FUNCTION crm_version() RETURNS text
  AS 'MODULE_PATHNAME', 'crm_pg_version'
  LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE FUNCTION crm_satisfaction(perceived_value_b float8, expectation_a float8) RETURNS float8
  AS 'MODULE_PATHNAME', 'crm_pg_satisfaction'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION crm_satisfaction_level(c float8, style text DEFAULT 'id') RETURNS text
  AS 'MODULE_PATHNAME', 'crm_pg_satisfaction_level'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION crm_ladder_rung(purchase_count int8, active_periods_in_window int4, referrals int8, survey_score int4 DEFAULT NULL, qualified_need int4 DEFAULT 0, qualified_ability int4 DEFAULT 0, disqualified int4 DEFAULT 0, style text DEFAULT 'id') RETURNS text
  AS 'MODULE_PATHNAME', 'crm_pg_ladder_rung'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION crm_taxonomy_label(taxonomy text, value int4, style text DEFAULT 'en') RETURNS text
  AS 'MODULE_PATHNAME', 'crm_pg_taxonomy_label'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION crm_taxonomy_label(taxonomy text, value text, style text DEFAULT 'en') RETURNS text
  AS 'MODULE_PATHNAME', 'crm_pg_taxonomy_label_id'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION crm_tier_label(tier int4, style text DEFAULT 'en') RETURNS text
  AS 'MODULE_PATHNAME', 'crm_pg_tier_label'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION crm_scorecard_score(scores float8[]) RETURNS float8
  AS 'MODULE_PATHNAME', 'crm_pg_scorecard_score'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION crm_scorecard_score(scores float8[], weights float8[]) RETURNS float8
  AS 'MODULE_PATHNAME', 'crm_pg_scorecard_score'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION crm_scorecard_grade(scores float8[]) RETURNS text
  AS 'MODULE_PATHNAME', 'crm_pg_scorecard_grade'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION crm_scorecard_grade(scores float8[], weights float8[]) RETURNS text
  AS 'MODULE_PATHNAME', 'crm_pg_scorecard_grade'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION crm_retention_value(margin float8, retention float8, discount float8) RETURNS float8
  AS 'MODULE_PATHNAME', 'crm_pg_retention_value'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Predictions from a fitted model (the model file of crm_bgnbd_fit & co or `crmcore fit --out`).
CREATE FUNCTION crm_p_alive(model jsonb, frequency float8, recency float8, t float8) RETURNS float8
  AS 'MODULE_PATHNAME', 'crm_pg_p_alive'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION crm_expected_purchases(model jsonb, horizon float8, frequency float8, recency float8, t float8) RETURNS float8
  AS 'MODULE_PATHNAME', 'crm_pg_expected_purchases'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION crm_expected_mean_spend(spend_model jsonb, frequency float8, monetary float8) RETURNS float8
  AS 'MODULE_PATHNAME', 'crm_pg_expected_mean_spend'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION crm_clv(model jsonb, spend_model jsonb, frequency float8, recency float8, t float8, monetary float8, time_unit text DEFAULT 'days', periods int4 DEFAULT 12, period_days float8 DEFAULT 30.0, discount_rate float8 DEFAULT 0.01, period_length float8 DEFAULT 0.0) RETURNS float8
  AS 'MODULE_PATHNAME', 'crm_pg_clv'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Support functions of the aggregates (internal states).
CREATE FUNCTION crm_history_serialize(internal) RETURNS bytea
  AS 'MODULE_PATHNAME', 'crm_pg_history_serialize'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION crm_history_deserialize(bytea, internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'crm_pg_history_deserialize'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION crm_history_combine(internal, internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'crm_pg_history_combine'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION crm_fit_final(internal) RETURNS jsonb
  AS 'MODULE_PATHNAME', 'crm_pg_fit_final'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION crm_history_final(internal) RETURNS bytea
  AS 'MODULE_PATHNAME', 'crm_pg_history_final'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION crm_bgnbd_transition(internal, float8, float8, float8) RETURNS internal
  AS 'MODULE_PATHNAME', 'crm_pg_bgnbd_transition'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION crm_bgnbd_transition(internal, float8, float8, float8, float8) RETURNS internal
  AS 'MODULE_PATHNAME', 'crm_pg_bgnbd_transition'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION crm_pareto_transition(internal, float8, float8, float8) RETURNS internal
  AS 'MODULE_PATHNAME', 'crm_pg_pareto_transition'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION crm_pareto_transition(internal, float8, float8, float8, float8) RETURNS internal
  AS 'MODULE_PATHNAME', 'crm_pg_pareto_transition'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION crm_mbgnbd_transition(internal, float8, float8, float8) RETURNS internal
  AS 'MODULE_PATHNAME', 'crm_pg_mbgnbd_transition'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION crm_mbgnbd_transition(internal, float8, float8, float8, float8) RETURNS internal
  AS 'MODULE_PATHNAME', 'crm_pg_mbgnbd_transition'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION crm_gammagamma_transition(internal, float8, float8) RETURNS internal
  AS 'MODULE_PATHNAME', 'crm_pg_gammagamma_transition'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION crm_gammagamma_transition(internal, float8, float8, float8) RETURNS internal
  AS 'MODULE_PATHNAME', 'crm_pg_gammagamma_transition'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION crm_quantile_transition(internal, float8) RETURNS internal
  AS 'MODULE_PATHNAME', 'crm_pg_quantile_transition'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION crm_quantile_serialize(internal) RETURNS bytea
  AS 'MODULE_PATHNAME', 'crm_pg_quantile_serialize'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION crm_quantile_deserialize(bytea, internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'crm_pg_quantile_deserialize'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION crm_quantile_combine(internal, internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'crm_pg_quantile_combine'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION crm_merge_transition(internal, bytea) RETURNS internal
  AS 'MODULE_PATHNAME', 'crm_pg_merge_transition'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION crm_merge_serialize(internal) RETURNS bytea
  AS 'MODULE_PATHNAME', 'crm_pg_merge_serialize'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION crm_merge_deserialize(bytea, internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'crm_pg_merge_deserialize'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION crm_merge_combine(internal, internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'crm_pg_merge_combine'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION crm_fit_from_states_final(internal) RETURNS jsonb
  AS 'MODULE_PATHNAME', 'crm_pg_fit_from_states_final'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- Model fits: jsonb with the keys of `crmcore fit --out`; the optional last argument is a
-- weight per row (a count of equal customers). The *_state aggregates give the partial
-- state's bytes instead, for crm_fit_from_states on a coordinator.
CREATE AGGREGATE crm_bgnbd_fit(frequency float8, recency float8, t float8) (
  SFUNC = crm_bgnbd_transition, STYPE = internal, FINALFUNC = crm_fit_final,
  COMBINEFUNC = crm_history_combine,
  SERIALFUNC = crm_history_serialize,
  DESERIALFUNC = crm_history_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE crm_bgnbd_fit(frequency float8, recency float8, t float8, weight float8) (
  SFUNC = crm_bgnbd_transition, STYPE = internal, FINALFUNC = crm_fit_final,
  COMBINEFUNC = crm_history_combine,
  SERIALFUNC = crm_history_serialize,
  DESERIALFUNC = crm_history_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE crm_bgnbd_state(frequency float8, recency float8, t float8) (
  SFUNC = crm_bgnbd_transition, STYPE = internal, FINALFUNC = crm_history_final,
  COMBINEFUNC = crm_history_combine,
  SERIALFUNC = crm_history_serialize,
  DESERIALFUNC = crm_history_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE crm_bgnbd_state(frequency float8, recency float8, t float8, weight float8) (
  SFUNC = crm_bgnbd_transition, STYPE = internal, FINALFUNC = crm_history_final,
  COMBINEFUNC = crm_history_combine,
  SERIALFUNC = crm_history_serialize,
  DESERIALFUNC = crm_history_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE crm_pareto_fit(frequency float8, recency float8, t float8) (
  SFUNC = crm_pareto_transition, STYPE = internal, FINALFUNC = crm_fit_final,
  COMBINEFUNC = crm_history_combine,
  SERIALFUNC = crm_history_serialize,
  DESERIALFUNC = crm_history_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE crm_pareto_fit(frequency float8, recency float8, t float8, weight float8) (
  SFUNC = crm_pareto_transition, STYPE = internal, FINALFUNC = crm_fit_final,
  COMBINEFUNC = crm_history_combine,
  SERIALFUNC = crm_history_serialize,
  DESERIALFUNC = crm_history_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE crm_pareto_state(frequency float8, recency float8, t float8) (
  SFUNC = crm_pareto_transition, STYPE = internal, FINALFUNC = crm_history_final,
  COMBINEFUNC = crm_history_combine,
  SERIALFUNC = crm_history_serialize,
  DESERIALFUNC = crm_history_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE crm_pareto_state(frequency float8, recency float8, t float8, weight float8) (
  SFUNC = crm_pareto_transition, STYPE = internal, FINALFUNC = crm_history_final,
  COMBINEFUNC = crm_history_combine,
  SERIALFUNC = crm_history_serialize,
  DESERIALFUNC = crm_history_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE crm_mbgnbd_fit(frequency float8, recency float8, t float8) (
  SFUNC = crm_mbgnbd_transition, STYPE = internal, FINALFUNC = crm_fit_final,
  COMBINEFUNC = crm_history_combine,
  SERIALFUNC = crm_history_serialize,
  DESERIALFUNC = crm_history_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE crm_mbgnbd_fit(frequency float8, recency float8, t float8, weight float8) (
  SFUNC = crm_mbgnbd_transition, STYPE = internal, FINALFUNC = crm_fit_final,
  COMBINEFUNC = crm_history_combine,
  SERIALFUNC = crm_history_serialize,
  DESERIALFUNC = crm_history_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE crm_mbgnbd_state(frequency float8, recency float8, t float8) (
  SFUNC = crm_mbgnbd_transition, STYPE = internal, FINALFUNC = crm_history_final,
  COMBINEFUNC = crm_history_combine,
  SERIALFUNC = crm_history_serialize,
  DESERIALFUNC = crm_history_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE crm_mbgnbd_state(frequency float8, recency float8, t float8, weight float8) (
  SFUNC = crm_mbgnbd_transition, STYPE = internal, FINALFUNC = crm_history_final,
  COMBINEFUNC = crm_history_combine,
  SERIALFUNC = crm_history_serialize,
  DESERIALFUNC = crm_history_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE crm_gammagamma_fit(frequency float8, monetary float8) (
  SFUNC = crm_gammagamma_transition, STYPE = internal, FINALFUNC = crm_fit_final,
  COMBINEFUNC = crm_history_combine,
  SERIALFUNC = crm_history_serialize,
  DESERIALFUNC = crm_history_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE crm_gammagamma_fit(frequency float8, monetary float8, weight float8) (
  SFUNC = crm_gammagamma_transition, STYPE = internal, FINALFUNC = crm_fit_final,
  COMBINEFUNC = crm_history_combine,
  SERIALFUNC = crm_history_serialize,
  DESERIALFUNC = crm_history_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE crm_gammagamma_state(frequency float8, monetary float8) (
  SFUNC = crm_gammagamma_transition, STYPE = internal, FINALFUNC = crm_history_final,
  COMBINEFUNC = crm_history_combine,
  SERIALFUNC = crm_history_serialize,
  DESERIALFUNC = crm_history_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE crm_gammagamma_state(frequency float8, monetary float8, weight float8) (
  SFUNC = crm_gammagamma_transition, STYPE = internal, FINALFUNC = crm_history_final,
  COMBINEFUNC = crm_history_combine,
  SERIALFUNC = crm_history_serialize,
  DESERIALFUNC = crm_history_deserialize,
  PARALLEL = SAFE);

-- Population scoring: the exact order statistics of a value column, and scores against them.
CREATE AGGREGATE crm_quantile_state(value float8) (
  SFUNC = crm_quantile_transition, STYPE = internal, FINALFUNC = crm_quantile_serialize,
  COMBINEFUNC = crm_quantile_combine,
  SERIALFUNC = crm_quantile_serialize,
  DESERIALFUNC = crm_quantile_deserialize,
  PARALLEL = SAFE);
CREATE FUNCTION crm_value_tier(state bytea, value float8) RETURNS text
  AS 'MODULE_PATHNAME', 'crm_pg_value_tier'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION crm_rfm_score(state bytea, value float8, lower_is_better bool DEFAULT false) RETURNS int4
  AS 'MODULE_PATHNAME', 'crm_pg_rfm_score'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Beyond one server: merge state bytes gathered from shards, then fit or score there.
CREATE AGGREGATE crm_state_merge(state bytea) (
  SFUNC = crm_merge_transition, STYPE = internal, FINALFUNC = crm_merge_serialize,
  COMBINEFUNC = crm_merge_combine,
  SERIALFUNC = crm_merge_serialize,
  DESERIALFUNC = crm_merge_deserialize,
  PARALLEL = SAFE);
CREATE AGGREGATE crm_fit_from_states(state bytea) (
  SFUNC = crm_merge_transition, STYPE = internal, FINALFUNC = crm_fit_from_states_final,
  COMBINEFUNC = crm_merge_combine,
  SERIALFUNC = crm_merge_serialize,
  DESERIALFUNC = crm_merge_deserialize,
  PARALLEL = SAFE);

-- The composite value (docs/domain.md §5) against a population state. `values` is a
-- float8[5] in component order (NULL = missing); `plan` is jsonb (README.md).
CREATE FUNCTION crm_composite_transition(internal, float8[], jsonb) RETURNS internal
  AS 'MODULE_PATHNAME', 'crm_pg_composite_transition'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION crm_composite_serialize(internal) RETURNS bytea
  AS 'MODULE_PATHNAME', 'crm_pg_composite_serialize'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION crm_composite_deserialize(bytea, internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'crm_pg_composite_deserialize'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION crm_composite_combine(internal, internal) RETURNS internal
  AS 'MODULE_PATHNAME', 'crm_pg_composite_combine'
  LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE AGGREGATE crm_composite_state(components float8[], plan jsonb) (
  SFUNC = crm_composite_transition, STYPE = internal, FINALFUNC = crm_composite_serialize,
  COMBINEFUNC = crm_composite_combine,
  SERIALFUNC = crm_composite_serialize,
  DESERIALFUNC = crm_composite_deserialize,
  PARALLEL = SAFE);
CREATE FUNCTION crm_composite_score(state bytea, components float8[], plan jsonb) RETURNS float8
  AS 'MODULE_PATHNAME', 'crm_pg_composite_score'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

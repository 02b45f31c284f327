-- SQL helpers shared by job SQL.
--
-- pms_float_text(v numeric): renders a number the way Python's str(float(v)) does (spec convention C8,
-- services-shortage-production.md): the shortest digits that round-trip to the same double, always with a
-- fractional part in positional form, scientific form below 1e-4 and from 1e16 on. Examples:
--   5.0000 -> '5.0'    60.00 -> '60.0'    12.5 -> '12.5'    0.3333 -> '0.3333'    -1.50 -> '-1.5'
--   100 -> '100.0'     0 -> '0.0'         121.6666666666666667 -> '121.66666666666667'
--   0.00001 -> '1e-05' 1e15 -> '1000000000000000.0'  1e16 -> '1e+16'   NULL -> NULL
--
-- How: PostgreSQL's float8 output (with extra_float_digits > 0, pinned below so that a session setting cannot
-- change the result) is the same shortest round-trip form, except that
--   * it writes 1e15 <= |x| < 1e16 in scientific form where Python is positional;
--   * it omits the '.0' of integral values and spells NaN/Infinity differently;
--   * from 2^54 on (doubles spaced >= 4 apart) it may print 17 digits where a shorter decimal lying exactly
--     on the rounding boundary also round-trips (Python picks the shorter one), so for |x| >= 1e16 the
--     shortest digits are recomputed: the first k in 1..17 whose k-digit rounding converts back to x.
-- Numbers outside the double range raise PostgreSQL's float8 overflow/underflow error.

CREATE OR REPLACE FUNCTION pms_float_text(v numeric) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET extra_float_digits = 1
AS $$
    SELECT CASE
             WHEN t = 'NaN' THEN 'nan'
             WHEN t = 'Infinity' THEN 'inf'
             WHEN t = '-Infinity' THEN '-inf'
             WHEN abs(x) >= 1e16 THEN (
                 SELECT CASE WHEN x < 0 THEN '-' ELSE '' END
                        || left(d, 1)
                        || CASE WHEN length(d) > 1 THEN '.' || substr(d, 2) ELSE '' END
                        || 'e+' || CASE WHEN length(a) < 11 THEN '0' ELSE '' END || (length(a) - 1)::text
                   FROM (SELECT a, rtrim(a, '0') AS d
                           FROM (SELECT abs(c)::text AS a
                                   FROM (SELECT round(n, k - length(trunc(abs(n))::text)) AS c
                                           FROM generate_series(1, 17) AS k
                                          WHERE CASE WHEN abs(round(n, k - length(trunc(abs(n))::text)))
                                                              <= 1.7976931348623157e308
                                                     THEN round(n, k - length(trunc(abs(n))::text))::float8 = x
                                                     ELSE false END
                                          ORDER BY k
                                          LIMIT 1) AS r) AS r2) AS r3)
             WHEN t ~ 'e\+15$' THEN CASE WHEN strpos(n::text, '.') > 0 THEN n::text ELSE n::text || '.0' END
             WHEN t ~ '[e.]' THEN t
             ELSE t || '.0'
           END
      FROM (SELECT x, t, CASE WHEN t IN ('NaN', 'Infinity', '-Infinity') THEN NULL ELSE t::numeric END AS n
              FROM (SELECT x, x::text AS t FROM (SELECT v::float8 AS x) AS f0) AS f1) AS f2
$$;

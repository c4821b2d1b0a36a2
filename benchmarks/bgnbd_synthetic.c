/* bgnbd_synthetic.c — customer histories drawn from the BG/NBD process (Fader, Hardie &
 * Lee 2005, "Counting your customers the easy way", §2): each customer buys at a Poisson
 * rate lambda ~ Gamma(r, alpha) while alive and, after each repeat purchase, drops out with
 * probability p ~ Beta(a, b) (so a customer without repeat purchases is alive: the model's
 * likelihood, eq. 3, has (1 - p)^x for "alive at T"). Customers are acquired on a day
 * uniform in the first 12 weeks of a 39-week window and observed to its end; times are
 * whole days, written in weeks (days / 7), as a summary of a daily log is.
 *
 *   bgnbd_synthetic N [SEED] > summary.csv       (columns id,frequency,recency,T)
 *
 * Parameters: CDNOW's BG/NBD estimates (r 0.243, alpha 4.414, a 0.793, b 2.426). Used by
 * postgres_fit_benchmark.py; not part of the library. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t g_state = 0x9E3779B97F4A7C15ull;

/* xorshift64*, uniform in (0, 1). */
static double uniform(void) {
  g_state ^= g_state >> 12;
  g_state ^= g_state << 25;
  g_state ^= g_state >> 27;
  return ((double)((g_state * 0x2545F4914F6CDD1Dull) >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(void) {
  return sqrt(-2.0 * log(uniform())) * cos(6.283185307179586 * uniform());
}

/* Gamma(shape, 1): Marsaglia & Tsang (2000); shape < 1 through Gamma(shape + 1) U^(1/shape). */
static double gamma_variate(double shape) {
  if (shape < 1.0) return gamma_variate(shape + 1.0) * pow(uniform(), 1.0 / shape);
  {
    const double d = shape - 1.0 / 3.0, c = 1.0 / sqrt(9.0 * d);
    for (;;) {
      double z, v;
      do {
        z = normal();
        v = 1.0 + c * z;
      } while (v <= 0.0);
      v = v * v * v;
      if (log(uniform()) < 0.5 * z * z + d - d * v + d * log(v)) return d * v;
    }
  }
}

int main(int argc, char** argv) {
  const double r = 0.243, alpha = 4.414, a = 0.793, b = 2.426;
  const long long n = argc > 1 ? atoll(argv[1]) : 0;
  long long i;
  if (n <= 0) {
    fprintf(stderr, "usage: bgnbd_synthetic N [SEED]\n");
    return 2;
  }
  if (argc > 2) g_state ^= (uint64_t)atoll(argv[2]) * 0xBF58476D1CE4E5B9ull;
  printf("id,frequency,recency,T\n");
  for (i = 0; i < n; ++i) {
    const double lambda = gamma_variate(r) / alpha; /* purchases per week */
    const double ga = gamma_variate(a), gb = gamma_variate(b);
    const double p = ga / (ga + gb);
    const int first_day = (int)(uniform() * 84.0);
    const int T_days = 273 - first_day;
    double t = 0.0;
    int x = 0, last_day = 0;
    for (;;) {
      t += -log(uniform()) / lambda * 7.0; /* days to the next purchase */
      if (t > T_days) break;
      ++x;
      last_day = (int)t;
      if (uniform() < p) break; /* dropped out after this purchase */
    }
    printf("%lld,%d,%.17g,%.17g\n", i + 1, x, last_day / 7.0, T_days / 7.0);
  }
  return 0;
}

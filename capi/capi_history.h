// Internal to the C API (not installed): the object behind crm_history_state, shared by
// the history section (crmcore_c_history.cc, which builds and merges it) and the models
// section (crmcore_c_models.cc, which fits on it).
#ifndef CRMCORE_CAPI_HISTORY_H_
#define CRMCORE_CAPI_HISTORY_H_

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <unordered_map>

#include "crmcore.h"

// A pattern's key: the bits of its three coordinates ((x, t_x, T) or (x, m, 0)), with
// -0.0 folded into +0.0 beforehand so equal values have equal keys.
struct CrmPatternKey {
  std::array<std::uint64_t, 3> bits;
  bool operator==(const CrmPatternKey& other) const { return bits == other.bits; }
};

struct CrmPatternKeyHash {
  std::size_t operator()(const CrmPatternKey& key) const {
    // A 64-bit mix (splitmix64's finalizer) per coordinate, combined.
    std::uint64_t h = 0x9E3779B97F4A7C15ull;
    for (const std::uint64_t v : key.bits) {
      std::uint64_t z = v + h;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      h = z ^ (z >> 31);
    }
    return static_cast<std::size_t>(h);
  }
};

// Customer histories of one model kind, compressed: each distinct pattern once, with the
// sum of its customers' weights. Unordered in memory; sorted when serialized or fitted.
struct crm_history_state {
  int kind = CRM_MODEL_BGNBD;
  // Gamma-Gamma: weight of repeat buyers left out for a finite mean spend <= 0.
  double excluded = 0.0;
  std::unordered_map<CrmPatternKey, double, CrmPatternKeyHash> patterns;
};

// The key of coordinates (a, b, c).
inline CrmPatternKey PatternKey(double a, double b, double c) {
  return {{std::bit_cast<std::uint64_t>(a + 0.0), std::bit_cast<std::uint64_t>(b + 0.0),
           std::bit_cast<std::uint64_t>(c + 0.0)}};
}

// The coordinate k of a key.
inline double PatternValue(const CrmPatternKey& key, std::size_t k) {
  return std::bit_cast<double>(key.bits[k]);
}

#endif  // CRMCORE_CAPI_HISTORY_H_

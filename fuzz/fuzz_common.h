// Shared helpers of the libFuzzer targets in fuzz/: reading options out of the input's
// first bytes, and the invariant check that aborts with a message.
//
// A target checks what must hold for every input (a load that succeeds adds up, a
// round trip is exact, a prediction is finite), not only that nothing crashes: a
// violated invariant calls FuzzFail, which prints what broke and aborts, so libFuzzer
// records the input as a crash like any sanitizer report.
#ifndef CRMCORE_FUZZ_FUZZ_COMMON_H_
#define CRMCORE_FUZZ_FUZZ_COMMON_H_

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"

namespace crmcore::fuzz {

[[noreturn]] inline void FuzzFail(const char* file, int line, const std::string& what) {
  std::fprintf(stderr, "%s:%d: fuzz invariant violated: %s\n", file, line, what.c_str());
  std::fflush(stderr);
  std::abort();
}

// Checks `condition`; on failure prints the condition and `detail` (a std::string
// expression, evaluated only then) and aborts.
#define CRM_FUZZ_CHECK(condition, detail)                                                 \
  do {                                                                                     \
    if (!(condition)) {                                                                    \
      ::crmcore::fuzz::FuzzFail(__FILE__, __LINE__,                                        \
                                std::string(#condition) + " -- " + std::string(detail)); \
    }                                                                                      \
  } while (0)

// Consumes an input front to back: option bytes first, the rest as payload. Reading
// past the end yields zeros, so every input, even an empty one, is a valid test case.
class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }

  uint32_t U32() {
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) value = (value << 8) | Byte();
    return value;
  }

  uint64_t U64() {
    uint64_t value = 0;
    for (int i = 0; i < 8; ++i) value = (value << 8) | Byte();
    return value;
  }

  // A double taken bit for bit: every value, NaN, Inf and subnormals included.
  double RawDouble() {
    const uint64_t bits = U64();
    double value = 0.0;
    std::memcpy(&value, &bits, sizeof value);
    return value;
  }

  // A value in [lo, hi] from 16 bits: a dense grid, most inputs valid.
  double DoubleIn(double lo, double hi) {
    const auto bits = static_cast<uint32_t>((Byte() << 8) | Byte());
    return lo + (hi - lo) * (static_cast<double>(bits) / 65535.0);
  }

  size_t remaining() const { return size_ - pos_; }

  // Everything not consumed yet.
  absl::string_view Rest() {
    const absl::string_view rest(reinterpret_cast<const char*>(data_) + pos_, size_ - pos_);
    pos_ = size_;
    return rest;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

inline bool IsFinite(double value) { return std::isfinite(value); }

}  // namespace crmcore::fuzz

#endif  // CRMCORE_FUZZ_FUZZ_COMMON_H_

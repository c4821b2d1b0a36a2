// Private to the compiled library: the customer-id interner of the transaction-log
// loader, an open-addressing table over zero-filled (kernel-mapped, huge-page advised)
// slots. Lookups take a string_view and a precomputed hash, so interning a row's id
// allocates nothing; only a new id's text is copied, once, into the id list.
#ifndef CRMCORE_IO_ID_INTERNER_H_
#define CRMCORE_IO_ID_INTERNER_H_

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace crmcore::internal {



// A zero-filled array of 64-bit slots. A large one is mapped straight from the kernel
// (its pages arrive zeroed, so there is no memset) at a 2 MiB boundary with huge pages
// advised: a hash table is probed at random, and with 4 KiB pages nearly every probe
// of a table of tens of MB misses the TLB.
class ZeroedSlots {
 public:
  ZeroedSlots() = default;
  explicit ZeroedSlots(size_t count);
  ZeroedSlots(const ZeroedSlots&) = delete;
  ZeroedSlots& operator=(const ZeroedSlots&) = delete;
  ZeroedSlots(ZeroedSlots&& other) noexcept { *this = std::move(other); }
  ZeroedSlots& operator=(ZeroedSlots&& other) noexcept {
    if (this != &other) {
      Release();
      small_ = std::move(other.small_);
      data_ = other.mapping_ != nullptr ? other.data_ : small_.data();
      size_ = other.size_;
      mapping_ = std::exchange(other.mapping_, nullptr);
      mapping_bytes_ = std::exchange(other.mapping_bytes_, 0);
      other.data_ = nullptr;
      other.size_ = 0;
    }
    return *this;
  }
  ~ZeroedSlots() { Release(); }

  size_t size() const { return size_; }
  uint64_t& operator[](size_t i) { return data_[i]; }
  const uint64_t& operator[](size_t i) const { return data_[i]; }

 private:
  void Release() {
    if (mapping_ != nullptr) ::munmap(mapping_, mapping_bytes_);
    mapping_ = nullptr;
    mapping_bytes_ = 0;
  }

  std::vector<uint64_t> small_;
  uint64_t* data_ = nullptr;
  size_t size_ = 0;
  void* mapping_ = nullptr;
  size_t mapping_bytes_ = 0;
};

// Interns customer ids into dense indices in first-seen order (the ids themselves
// live in TransactionLog::customer_ids). An open-addressing table of 8-byte entries,
// (32 bits of the id's hash, index + 1; 0 is empty), probed linearly and kept at most
// half full: a lookup reads one cache line of the table in the common case and touches
// an id's text only when those 32 hash bits match. A hash map keyed by std::string
// holds 40-byte slots and a separate control array, two cache misses per new id.
class IdInterner {
 public:
  // Where a lookup stopped: the entry to fill if the id turns out to be new.
  struct Probe {
    uint32_t tag = 0;
    size_t slot = 0;
  };

  explicit IdInterner(const std::vector<std::string>& ids) : ids_(ids) {
    table_ = ZeroedSlots(kInitialSlots);
  }

  static uint64_t Hash(absl::string_view text) { return absl::Hash<absl::string_view>{}(text); }

  // Starts loading the table entry where a lookup of `hash` begins, so that a Find a
  // little later does not wait for memory.
  void Prefetch(uint64_t hash) const {
    __builtin_prefetch(&table_[Tag(hash) & (table_.size() - 1)]);
  }

  // The index of `text` (whose Hash is `hash`), or nullopt with `probe` set for Insert.
  std::optional<uint32_t> Find(absl::string_view text, uint64_t hash, Probe& probe) const {
    probe.tag = Tag(hash);
    const size_t mask = table_.size() - 1;
    for (size_t slot = probe.tag & mask;; slot = (slot + 1) & mask) {
      const uint64_t entry = table_[slot];
      if (entry == 0) {
        probe.slot = slot;
        return std::nullopt;
      }
      if (static_cast<uint32_t>(entry >> 32) == probe.tag) {
        const auto index = static_cast<uint32_t>(entry) - 1;
        if (ids_[index] == text) return index;
      }
    }
  }

  // Frees the table (lookups must not follow): for a loader whose ids are being
  // merged into another's.
  void Release() {
    table_ = ZeroedSlots();
    size_ = 0;
  }

  // Records that ids_[index] (just appended) is the id Find missed with `probe`.
  void Insert(const Probe& probe, uint32_t index) {
    table_[probe.slot] = Entry(probe.tag, index);
    if (++size_ * 2 > table_.size()) Grow();
  }

 private:
  static constexpr size_t kInitialSlots = 1024;

  static uint32_t Tag(uint64_t hash) { return static_cast<uint32_t>(hash ^ (hash >> 32)); }

  static uint64_t Entry(uint32_t tag, uint32_t index) {
    return uint64_t{tag} << 32 | (uint64_t{index} + 1);
  }

  // Doubles the table. Slots derive from the stored tag alone, so no id is re-hashed.
  void Grow();

  const std::vector<std::string>& ids_;
  ZeroedSlots table_;
  size_t size_ = 0;
};

}  // namespace crmcore::internal

#endif  // CRMCORE_IO_ID_INTERNER_H_

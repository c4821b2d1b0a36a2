// The customer-id interner of the transaction-log loader; see id_interner.h.
#include "io/id_interner.h"

#include <sys/mman.h>

#include <cstdint>

namespace crmcore::internal {
namespace {

constexpr size_t kHugePageBytes = size_t{2} << 20;

// Asks the kernel to back the whole 2 MiB pages inside [data, data + bytes) with
// huge pages (transparent huge pages in "madvise" mode, Linux's default), so that
// random accesses across them hit the TLB. A hint only; where it is unsupported
// nothing changes.
void AdviseHugePages([[maybe_unused]] void* data, [[maybe_unused]] size_t bytes) {
#if defined(MADV_HUGEPAGE)
  const auto begin = reinterpret_cast<uintptr_t>(data);
  const uintptr_t first = (begin + kHugePageBytes - 1) & ~(uintptr_t{kHugePageBytes} - 1);
  const uintptr_t last = (begin + bytes) & ~(uintptr_t{kHugePageBytes} - 1);
  if (last > first) {
    ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
  }
#endif
}

}  // namespace

ZeroedSlots::ZeroedSlots(size_t count) : size_(count) {
  const size_t bytes = count * sizeof(uint64_t);
  if (bytes >= kHugePageBytes) {
    const size_t mapped = bytes + kHugePageBytes;
    void* mapping =
        ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapping != MAP_FAILED) {
      mapping_ = mapping;
      mapping_bytes_ = mapped;
      const auto begin = reinterpret_cast<uintptr_t>(mapping);
      const uintptr_t aligned =
          (begin + kHugePageBytes - 1) & ~(uintptr_t{kHugePageBytes} - 1);
      data_ = reinterpret_cast<uint64_t*>(aligned);
      AdviseHugePages(data_, bytes);
      return;
    }
  }
  small_.assign(count, 0);
  data_ = small_.data();
}

// Doubles the table. Slots derive from the stored tag alone, so no id is re-hashed.
void IdInterner::Grow() {
  ZeroedSlots old = std::exchange(table_, ZeroedSlots(table_.size() * 2));
  const size_t mask = table_.size() - 1;
  for (size_t i = 0; i < old.size(); ++i) {
    const uint64_t entry = old[i];
    if (entry == 0) continue;
    size_t slot = static_cast<uint32_t>(entry >> 32) & mask;
    while (table_[slot] != 0) slot = (slot + 1) & mask;
    table_[slot] = entry;
  }
}

}  // namespace crmcore::internal

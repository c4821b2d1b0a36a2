// Internal to the C API (not installed): the error channel, the exception guard, argument
// checks and the handle registry shared by every capi/*.cc translation unit.
//
// Every exported function runs its body through Guarded(), the one place where
// absl::Status becomes a crm_status and the thread-local message is written, and where
// every exception is caught: nothing C++ crosses the boundary.
#ifndef CRMCORE_CAPI_INTERNAL_H_
#define CRMCORE_CAPI_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <initializer_list>
#include <mutex>
#include <new>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <cstdio>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "crmcore.h"
#include "crmcore/status.h"

namespace crmcore::capi_internal {

// ---------------------------------------------------------------------------
// The thread-local last-error message.
//
// A fixed buffer, not a std::string: writing it never allocates (so out-of-memory can be
// reported), and a trivially destructible thread_local needs no exit-time destructor.

constexpr std::size_t kMessageCapacity = 1024;  // bytes, the terminating NUL included
inline thread_local char t_message[kMessageCapacity] = "";

class MessageWriter {
 public:
  MessageWriter() { t_message[0] = '\0'; }
  ~MessageWriter() { t_message[length_] = '\0'; }
  MessageWriter(const MessageWriter&) = delete;
  MessageWriter& operator=(const MessageWriter&) = delete;

  // Appends `text`; when the buffer is full, cuts at a UTF-8 character boundary and ends
  // the message with "..." so a host sees that it was cut.
  void Append(absl::string_view text) {
    if (truncated_) return;
    const std::size_t room = kMessageCapacity - 1 - length_;
    if (text.size() <= room) {
      std::memcpy(t_message + length_, text.data(), text.size());
      length_ += text.size();
      return;
    }
    constexpr absl::string_view kEllipsis = "...";
    std::size_t keep = room - kEllipsis.size();
    while (keep > 0 && IsContinuationByte(text[keep])) --keep;
    std::memcpy(t_message + length_, text.data(), keep);
    length_ += keep;
    std::memcpy(t_message + length_, kEllipsis.data(), kEllipsis.size());
    length_ += kEllipsis.size();
    truncated_ = true;
  }

 private:
  static bool IsContinuationByte(char c) {
    return (static_cast<unsigned char>(c) & 0xC0u) == 0x80u;
  }
  std::size_t length_ = 0;
  bool truncated_ = false;
};

inline void ClearMessage() { t_message[0] = '\0'; }

inline crm_status Fail(crm_status code, const char* function, absl::string_view message) {
  MessageWriter writer;
  writer.Append(function);
  writer.Append(": ");
  writer.Append(message);
  return code;
}

// ---------------------------------------------------------------------------
// absl::Status → crm_status.

inline crm_status ToCrmStatus(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk: return CRM_OK;
    case absl::StatusCode::kInvalidArgument: return CRM_ERR_INVALID_ARGUMENT;
    case absl::StatusCode::kOutOfRange: return CRM_ERR_OUT_OF_RANGE;
    case absl::StatusCode::kNotFound: return CRM_ERR_NOT_FOUND;
    case absl::StatusCode::kResourceExhausted: return CRM_ERR_NO_MEMORY;
    case absl::StatusCode::kFailedPrecondition: return CRM_ERR_FAILED_PRECONDITION;
    case absl::StatusCode::kPermissionDenied: return CRM_ERR_PERMISSION_DENIED;
    case absl::StatusCode::kDataLoss: return CRM_ERR_IO;
    case absl::StatusCode::kUnimplemented: return CRM_ERR_UNSUPPORTED;
    default: return CRM_ERR_INTERNAL;  // codes the core never returns on purpose
  }
}

// Runs one exported function's body (returning absl::Status), records the outcome in
// the thread-local message, and turns every exception into a status.
template <typename Body>
crm_status Guarded(const char* function, Body&& body) noexcept {
  try {
    const absl::Status status = body();
    if (status.ok()) {
      ClearMessage();
      return CRM_OK;
    }
    return Fail(ToCrmStatus(status.code()), function, status.message());
  } catch (const std::bad_alloc&) {
    return Fail(CRM_ERR_NO_MEMORY, function, "out of memory");
  } catch (const std::exception& e) {
    return Fail(CRM_ERR_INTERNAL, function, e.what());
  } catch (...) {
    return Fail(CRM_ERR_INTERNAL, function, "unknown exception");
  }
}

// ---------------------------------------------------------------------------
// Arguments.

inline absl::Status RequireNonNull(const void* pointer, absl::string_view name) {
  if (pointer != nullptr) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(name, " must not be NULL"));
}

// A struct_size is accepted when it is the size of some release of the struct
// (`older_sizes`: the sizes before fields were appended, e.g. offsetof the first appended
// field). With an older size the missing fields take their defaults: the reader checks
// struct_size before reading an appended field.
template <typename CStruct>
absl::Status CheckStructSize(std::size_t struct_size, absl::string_view type_name,
                             std::initializer_list<std::size_t> older_sizes = {}) {
  if (struct_size == sizeof(CStruct)) return absl::OkStatus();
  for (const std::size_t older : older_sizes) {
    if (struct_size == older) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(type_name, ".struct_size must be sizeof(",
                                                 type_name, ") = ", sizeof(CStruct), ", got ",
                                                 struct_size));
}

// Fills a caller's struct with its INIT value, writing only `struct_size` bytes.
template <typename CStruct>
absl::Status InitStruct(CStruct* out, std::size_t struct_size, const CStruct& init,
                        absl::string_view type_name,
                        std::initializer_list<std::size_t> older_sizes = {}) {
  CRM_RETURN_IF_ERROR(RequireNonNull(out, type_name));
  CRM_RETURN_IF_ERROR(CheckStructSize<CStruct>(struct_size, type_name, older_sizes));
  std::memcpy(out, &init, struct_size);
  return absl::OkStatus();
}

inline absl::StatusOr<bool> ReadFlag(int32_t flag, absl::string_view name) {
  if (flag == 0 || flag == 1) return flag == 1;
  return absl::InvalidArgumentError(absl::StrCat(name, " must be 0 or 1, got ", flag));
}


// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
inline bool IsValidUtf8(absl::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    unsigned char min_second = 0x80, max_second = 0xBF;
    if (lead < 0x80) {
      length = 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) min_second = 0xA0;  // overlong
      if (lead == 0xED) max_second = 0x9F;  // surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) min_second = 0x90;  // overlong
      if (lead == 0xF4) max_second = 0x8F;  // above U+10FFFF
    } else {
      return false;
    }
    if (text.size() - i < length) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto byte = static_cast<unsigned char>(text[i + k]);
      const unsigned char lo = k == 1 ? min_second : 0x80;
      const unsigned char hi = k == 1 ? max_second : 0xBF;
      if (byte < lo || byte > hi) return false;
    }
    i += length;
  }
  return true;
}


// ---------------------------------------------------------------------------
// Handles.
//
// Every opaque handle (struct crm_<noun>) is a C++ object made by NewHandle() and freed by
// DestroyHandle(). Using a destroyed handle is undefined behaviour by contract; builds with
// CRMCORE_CAPI_CHECK_HANDLES (Debug builds, see CMakeLists.txt) keep a registry of live
// handles so that such a use returns CRM_ERR_INVALID_ARGUMENT, and a second destroy is
// reported on stderr and ignored, instead of corrupting memory. The registry only compares
// addresses (it never reads a dead object); an address reused by a newer handle of the
// same type is live again, so detection is best-effort, as with any debug allocator.

#if defined(CRMCORE_CAPI_CHECK_HANDLES) && CRMCORE_CAPI_CHECK_HANDLES
inline constexpr bool kCheckHandles = true;
#else
inline constexpr bool kCheckHandles = false;
#endif

class HandleRegistry {
 public:
  static HandleRegistry& Get() {
    static HandleRegistry* const registry = new HandleRegistry();  // never destroyed
    return *registry;
  }
  void Add(const void* handle) {
    const std::lock_guard<std::mutex> lock(mutex_);
    live_.insert(handle);
  }
  bool Remove(const void* handle) {
    const std::lock_guard<std::mutex> lock(mutex_);
    return live_.erase(handle) == 1;
  }
  bool IsLive(const void* handle) {
    const std::lock_guard<std::mutex> lock(mutex_);
    return live_.count(handle) == 1;
  }

 private:
  std::mutex mutex_;
  std::unordered_set<const void*> live_;
};

// Allocates a handle; std::bad_alloc propagates to Guarded(), which reports
// CRM_ERR_NO_MEMORY. Aggregate handles are brace-initialized: parenthesized aggregate
// initialization (C++20, P0960) is missing from clang before 16, which builds the fuzz
// preset.
template <typename Handle, typename... Args>
Handle* NewHandle(Args&&... args) {
  Handle* handle = nullptr;
  if constexpr (std::is_aggregate_v<Handle>) {
    handle = new Handle{std::forward<Args>(args)...};
  } else {
    handle = new Handle(std::forward<Args>(args)...);
  }
  if constexpr (kCheckHandles) {
    try {
      HandleRegistry::Get().Add(handle);
    } catch (...) {
      delete handle;
      throw;
    }
  }
  return handle;
}

// OK for a live handle; InvalidArgument naming `name` for NULL or (checked builds) a
// handle that is not live.
template <typename Handle>
absl::Status CheckHandle(const Handle* handle, absl::string_view name) {
  if (handle == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(name, " must not be NULL"));
  }
  if constexpr (kCheckHandles) {
    if (!HandleRegistry::Get().IsLive(handle)) {
      return absl::InvalidArgumentError(absl::StrCat(
          name, " is not a live handle (destroyed already, or never created by crmcore)"));
    }
  }
  return absl::OkStatus();
}

// Frees a handle; NULL is a no-op. Never throws (destroy functions return void).
template <typename Handle>
void DestroyHandle(Handle* handle, const char* function) noexcept {
  if (handle == nullptr) return;
  if constexpr (kCheckHandles) {
    bool was_live = false;
    try {
      was_live = HandleRegistry::Get().Remove(handle);
    } catch (...) {
      was_live = true;  // cannot tell: free it as an unchecked build would
    }
    if (!was_live) {
      std::fprintf(stderr, "crmcore: %s: handle %p is not live (destroyed twice?); ignored\n",
                   function, static_cast<const void*>(handle));
      return;
    }
  }
  delete handle;
}

}  // namespace crmcore::capi_internal

#endif  // CRMCORE_CAPI_INTERNAL_H_

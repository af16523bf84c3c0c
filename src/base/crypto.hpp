// SHA-256, HMAC-SHA-256, hex and base64 on OpenSSL's EVP interfaces (which use the CPU's SHA
// instructions). Nothing cryptographic is hand-written here.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace secexport {

using sha256_digest = std::array<std::uint8_t, 32>;

/// Incremental SHA-256. Reusable: `reset()` starts a new digest without reallocating.
/// Not thread-safe; one per stream being hashed.
class sha256 {
public:
  sha256();
  ~sha256();
  sha256(const sha256&) = delete;
  sha256& operator=(const sha256&) = delete;
  sha256(sha256&& other) noexcept;
  sha256& operator=(sha256&& other) noexcept;

  void reset();
  void update(const void* data, std::size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  /// Finishes the digest; call reset() before reusing.
  [[nodiscard]] sha256_digest finish();

private:
  evp_md_ctx_st* ctx_;
};

[[nodiscard]] sha256_digest sha256_of(std::string_view data);
[[nodiscard]] sha256_digest hmac_sha256(std::span<const std::uint8_t> key, std::string_view data);
[[nodiscard]] inline sha256_digest hmac_sha256(std::string_view key, std::string_view data) {
  return hmac_sha256({reinterpret_cast<const std::uint8_t*>(key.data()), key.size()}, data);
}

[[nodiscard]] std::string to_hex(std::span<const std::uint8_t> bytes);
[[nodiscard]] std::string base64_encode(std::span<const std::uint8_t> bytes);
/// Fills `out` with cryptographically strong random bytes (OpenSSL's DRBG).
void random_bytes(std::span<std::uint8_t> out);

/// Hex SHA-256 of the empty string, the payload hash of every body-less request.
inline constexpr std::string_view empty_sha256_hex =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

} // namespace secexport

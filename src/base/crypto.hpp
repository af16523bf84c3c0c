// SHA-256, HMAC-SHA-256, MD5, AES-256-GCM, hex and base64 on OpenSSL's EVP interfaces (which
// use the CPU's SHA and AES instructions). Nothing cryptographic is hand-written here.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct evp_md_ctx_st;

namespace secexport {

using sha256_digest = std::array<std::uint8_t, 32>;
using md5_digest = std::array<std::uint8_t, 16>;

namespace detail {

/// An incremental OpenSSL EVP digest of N bytes ("SHA256", "MD5"), fetched once per process.
/// Reusable: `reset()` starts a new digest without reallocating. Not thread-safe; one per
/// stream being hashed.
template <std::size_t N> class evp_digest {
public:
  using digest = std::array<std::uint8_t, N>;
  ~evp_digest();
  evp_digest(const evp_digest&) = delete;
  evp_digest& operator=(const evp_digest&) = delete;
  evp_digest(evp_digest&& other) noexcept : ctx_(other.ctx_), algorithm_(other.algorithm_) { other.ctx_ = nullptr; }
  evp_digest& operator=(evp_digest&& other) noexcept {
    std::swap(ctx_, other.ctx_);
    std::swap(algorithm_, other.algorithm_);
    return *this;
  }

  void reset();
  void update(const void* data, std::size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  /// Finishes the digest; call reset() before reusing.
  [[nodiscard]] digest finish();

protected:
  explicit evp_digest(const char* algorithm);

private:
  evp_md_ctx_st* ctx_;
  const char* algorithm_;
};

extern template class evp_digest<32>;
extern template class evp_digest<16>;

} // namespace detail

/// Incremental SHA-256 (signatures, payload hashes, the report's checksum).
class sha256 : public detail::evp_digest<32> {
public:
  sha256() : evp_digest("SHA256") {}
};

/// Incremental MD5, only where S3 defines it: Content-MD5 and the ETags S3 computes from it.
/// Never for anything that must resist an attacker.
class md5 : public detail::evp_digest<16> {
public:
  md5() : evp_digest("MD5") {}
};

[[nodiscard]] md5_digest md5_of(std::string_view data);
[[nodiscard]] sha256_digest sha256_of(std::string_view data);
[[nodiscard]] sha256_digest hmac_sha256(std::span<const std::uint8_t> key, std::string_view data);
[[nodiscard]] inline sha256_digest hmac_sha256(std::string_view key, std::string_view data) {
  return hmac_sha256({reinterpret_cast<const std::uint8_t*>(key.data()), key.size()}, data);
}

[[nodiscard]] std::string to_hex(std::span<const std::uint8_t> bytes);
[[nodiscard]] std::string base64_encode(std::span<const std::uint8_t> bytes);
/// Fills `out` with cryptographically strong random bytes (OpenSSL's DRBG).
void random_bytes(std::span<std::uint8_t> out);
/// Strict base64 (RFC 4648, padded, canonical): nullopt for anything else.
[[nodiscard]] std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);

/// AES-256-GCM with a random 96-bit nonce: nonce || ciphertext || 128-bit tag. `aad` is
/// authenticated, not encrypted: opening with other associated data fails.
[[nodiscard]] std::string aes256gcm_seal(std::span<const std::uint8_t, 32> key, std::string_view plaintext,
                                         std::string_view aad);
/// The plaintext, or nullopt when the key, the associated data or any byte is not the sealer's.
[[nodiscard]] std::optional<std::string> aes256gcm_open(std::span<const std::uint8_t, 32> key, std::string_view sealed,
                                                        std::string_view aad);

/// Hex SHA-256 of the empty string, the payload hash of every body-less request.
inline constexpr std::string_view empty_sha256_hex =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

} // namespace secexport

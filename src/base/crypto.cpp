#include "base/crypto.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace secexport {
namespace {

// Fetched once: implicit fetches inside EVP_DigestInit_ex cost a lookup per call.
const EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (!md) throw std::runtime_error("OpenSSL has no SHA256 implementation");
  return md;
}

} // namespace

namespace detail {

namespace {

// Fetched once: implicit fetches inside EVP_DigestInit_ex cost a lookup per call.
const EVP_MD* fetched(const char* algorithm) {
  if (std::string_view(algorithm) == "SHA256") return sha256_md();
  static EVP_MD* md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  if (!md5) throw std::runtime_error("OpenSSL has no MD5 implementation");
  return md5;
}

} // namespace

template <std::size_t N> evp_digest<N>::evp_digest(const char* algorithm) : ctx_(EVP_MD_CTX_new()), algorithm_(algorithm) {
  if (!ctx_) throw std::bad_alloc();
  reset();
}

template <std::size_t N> evp_digest<N>::~evp_digest() {
  if (ctx_) EVP_MD_CTX_free(ctx_);
}

template <std::size_t N> void evp_digest<N>::reset() {
  if (EVP_DigestInit_ex(ctx_, fetched(algorithm_), nullptr) != 1)
    throw std::runtime_error(std::string("EVP_DigestInit_ex(") + algorithm_ + ") failed");
}

template <std::size_t N> void evp_digest<N>::update(const void* data, std::size_t size) {
  if (size && EVP_DigestUpdate(ctx_, data, size) != 1) throw std::runtime_error("EVP_DigestUpdate failed");
}

template <std::size_t N> typename evp_digest<N>::digest evp_digest<N>::finish() {
  digest d{};
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(ctx_, d.data(), &n) != 1 || n != d.size())
    throw std::runtime_error("EVP_DigestFinal_ex failed");
  return d;
}

template class evp_digest<32>;
template class evp_digest<16>;

} // namespace detail

md5_digest md5_of(std::string_view data) {
  md5 h;
  h.update(data);
  return h.finish();
}

sha256_digest sha256_of(std::string_view data) {
  sha256 h;
  h.update(data);
  return h.finish();
}

sha256_digest hmac_sha256(std::span<const std::uint8_t> key, std::string_view data) {
  sha256_digest d{};
  unsigned int n = 0;
  if (!HMAC(sha256_md(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), d.data(), &n) ||
      n != d.size())
    throw std::runtime_error("HMAC-SHA256 failed");
  return d;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    s[2 * i] = digits[bytes[i] >> 4];
    s[2 * i + 1] = digits[bytes[i] & 15];
  }
  return s;
}

std::string base64_encode(std::span<const std::uint8_t> bytes) {
  std::string s(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(s.data()), bytes.data(),
                          static_cast<int>(bytes.size()));
  s.resize(static_cast<std::size_t>(n));
  return s;
}

void random_bytes(std::span<std::uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1)
    throw std::runtime_error("OpenSSL RAND_bytes failed");
}

} // namespace secexport

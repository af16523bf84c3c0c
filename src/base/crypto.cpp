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

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t acc = 0;
  for (std::size_t i = 0; i < text.size() - pad; ++i) {
    const int v = value(text[i]);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    if (i % 4 == 3) {
      out.push_back(static_cast<std::uint8_t>(acc >> 16));
      out.push_back(static_cast<std::uint8_t>(acc >> 8));
      out.push_back(static_cast<std::uint8_t>(acc));
      acc = 0;
    }
  }
  if (pad == 1) {
    if (acc & 0x3) return std::nullopt; // bits that a canonical encoding leaves zero
    out.push_back(static_cast<std::uint8_t>(acc >> 10));
    out.push_back(static_cast<std::uint8_t>(acc >> 2));
  } else if (pad == 2) {
    if (acc & 0xf) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(acc >> 4));
  }
  return out;
}

namespace {

struct cipher_ctx {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  cipher_ctx() {
    if (!ctx) throw std::runtime_error("OpenSSL EVP_CIPHER_CTX_new failed");
  }
  ~cipher_ctx() { EVP_CIPHER_CTX_free(ctx); }
  cipher_ctx(const cipher_ctx&) = delete;
  cipher_ctx& operator=(const cipher_ctx&) = delete;
};

constexpr std::size_t gcm_nonce = 12, gcm_tag = 16;

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

} // namespace

std::string aes256gcm_seal(std::span<const std::uint8_t, 32> key, std::string_view plaintext, std::string_view aad) {
  std::string out(gcm_nonce + plaintext.size() + gcm_tag, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  random_bytes({o, gcm_nonce});
  cipher_ctx c;
  int n = 0;
  if (EVP_EncryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, key.data(), o) != 1 ||
      EVP_EncryptUpdate(c.ctx, nullptr, &n, bytes_of(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(c.ctx, o + gcm_nonce, &n, bytes_of(plaintext), static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(c.ctx, o + gcm_nonce + n, &n) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(gcm_tag),
                          o + gcm_nonce + plaintext.size()) != 1)
    throw std::runtime_error("OpenSSL AES-256-GCM encryption failed");
  return out;
}

std::optional<std::string> aes256gcm_open(std::span<const std::uint8_t, 32> key, std::string_view sealed,
                                          std::string_view aad) {
  if (sealed.size() < gcm_nonce + gcm_tag) return std::nullopt;
  const auto text = sealed.substr(gcm_nonce, sealed.size() - gcm_nonce - gcm_tag);
  std::string tag(sealed.substr(sealed.size() - gcm_tag));
  std::string out(text.size(), '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  cipher_ctx c;
  int n = 0;
  if (EVP_DecryptInit_ex(c.ctx, EVP_aes_256_gcm(), nullptr, key.data(), bytes_of(sealed)) != 1 ||
      EVP_DecryptUpdate(c.ctx, nullptr, &n, bytes_of(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(c.ctx, o, &n, bytes_of(text), static_cast<int>(text.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(gcm_tag), tag.data()) != 1 ||
      EVP_DecryptFinal_ex(c.ctx, o + n, &n) != 1)
    return std::nullopt; // a wrong key, other associated data, or changed bytes
  return out;
}

} // namespace secexport

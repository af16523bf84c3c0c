// base64 decoding and AES-256-GCM, the pieces of secrets at rest.
#include "base/crypto.hpp"

#include <gtest/gtest.h>

namespace secexport {
namespace {

std::string text_of(const std::vector<std::uint8_t>& v) { return {v.begin(), v.end()}; }

TEST(base64, decodes_what_it_encodes_and_refuses_the_rest) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    auto enc = base64_encode({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()});
    auto dec = base64_decode(enc);
    ASSERT_TRUE(dec) << enc;
    EXPECT_EQ(text_of(*dec), s);
  }
  EXPECT_EQ(text_of(*base64_decode("Zm9vYmFy")), "foobar"); // RFC 4648 section 10
  for (const char* bad : {"Zm9", "Zm9v!A==", "Zh==", "Zm8=x===", "===="}) EXPECT_FALSE(base64_decode(bad)) << bad;
}

TEST(aes256gcm, opens_only_with_the_same_key_and_associated_data_and_unchanged_bytes) {
  std::array<std::uint8_t, 32> key{};
  key.fill(3);
  const auto sealed = aes256gcm_seal(key, "the secret", "tenant acme");
  EXPECT_EQ(sealed.size(), 12u + 10u + 16u);
  EXPECT_EQ(sealed.find("the secret"), std::string::npos);
  EXPECT_NE(aes256gcm_seal(key, "the secret", "tenant acme"), sealed) << "a fresh nonce every time";
  EXPECT_EQ(aes256gcm_open(key, sealed, "tenant acme").value(), "the secret");
  EXPECT_FALSE(aes256gcm_open(key, sealed, "tenant beta"));
  auto other = key;
  other[0] ^= 1;
  EXPECT_FALSE(aes256gcm_open(other, sealed, "tenant acme"));
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    auto changed = sealed;
    changed[i] = static_cast<char>(changed[i] ^ 0x40);
    EXPECT_FALSE(aes256gcm_open(key, changed, "tenant acme")) << "byte " << i;
  }
  EXPECT_FALSE(aes256gcm_open(key, sealed.substr(0, 20), "tenant acme"));
}

} // namespace
} // namespace secexport

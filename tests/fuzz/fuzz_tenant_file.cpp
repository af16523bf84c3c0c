// Fuzzes the tenant settings file reader (tenant/tenant_settings.cpp: parse_tenant_file on
// top of base/ini.cpp): the files are written by `secexport tenant save` but may be edited
// by hand.
//
// Input: the file's text, read as "fuzz.conf" of tenant "acme". A malformed file must be
// reported by throwing store_error (or another secexport::failure); nothing else may escape.
//
// Checks, when the text parses:
//   - tenant-roundtrip: serialize() of the result (what `tenant save` writes), in clear and
//     under a store key, parses again to settings equal to it, field by field, unless
//     serialize() refuses a value the file could not keep byte for byte. Switch it off with
//     SECEXPORT_FUZZ_SKIP_CHECKS=tenant-roundtrip while a known round-trip defect is being
//     fixed (see tests/fuzz/regressions/tenant_file/).
#include "fuzz_check.hpp"

#include "tenant/tenant_settings.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

using namespace secexport;
using tenant::tenant_settings;

namespace {

// The first field that differs, or "" when they are equal.
std::string difference(const tenant_settings& a, const tenant_settings& b) {
  auto text = [](std::string_view name, std::string_view x, std::string_view y) {
    return x == y ? std::string() : std::string(name) + ": " + fuzz::quoted(x) + " became " + fuzz::quoted(y);
  };
  if (a.id != b.id) return text("id", a.id, b.id);
  if (a.enabled != b.enabled) return "enabled changed";
  if (a.method != b.method) return text("method", to_string(a.method), to_string(b.method));
  if (a.bucket != b.bucket) return text("bucket", a.bucket, b.bucket);
  if (a.prefix != b.prefix) return text("prefix", a.prefix, b.prefix);
  if (a.region != b.region) return text("region", a.region, b.region);
  if (a.role_arn != b.role_arn) return text("role_arn", a.role_arn, b.role_arn);
  if (a.external_id != b.external_id) return text("external_id", a.external_id, b.external_id);
  if (a.session_duration != b.session_duration)
    return "session_duration: " + std::to_string(a.session_duration) + " became " + std::to_string(b.session_duration);
  if (a.access_key_id != b.access_key_id) return text("access_key_id", a.access_key_id, b.access_key_id);
  if (!(a.secret_access_key == b.secret_access_key)) return "secret_access_key changed";
  if (a.source_url != b.source_url) return text("source_url", a.source_url, b.source_url);
  if (a.source_token_env != b.source_token_env) return text("source_token_env", a.source_token_env, b.source_token_env);
  return {};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  tenant_settings first;
  try {
    first = tenant::parse_tenant_file(text, "fuzz.conf", "acme");
  } catch (const tenant::store_error&) {
    return 0;
  } catch (const failure&) {
    return 0;
  }
  if (!fuzz::check_enabled("tenant-roundtrip")) return 0;

  // Under a store key too: the secret goes through AES-256-GCM and must come back the same.
  tenant::store_key key;
  key.bytes.fill(0x5a);
  const tenant::store_key* const keys[] = {nullptr, &key};
  for (const tenant::store_key* k : keys) {
    std::string saved;
    try {
      saved = serialize(first, k);
    } catch (const tenant::store_error&) {
      return 0; // a value the file could not keep byte for byte: refused, never written
    }
    tenant_settings second;
    try {
      second = tenant::parse_tenant_file(saved, "fuzz.conf", "acme", k);
    } catch (const failure& e) {
      FUZZ_CHECK("tenant-roundtrip", false, "serialize() wrote a file that does not parse: " + std::string(e.what()) +
                                                "\n  file: " + fuzz::quoted(saved));
    }
    auto diff = difference(first, second);
    FUZZ_CHECK("tenant-roundtrip", diff.empty(), diff + "\n  saved as: " + fuzz::quoted(saved));
  }
  return 0;
}

// A tenant's export settings (what the customer entered in "Save changes") and the store that
// keeps them: one file per tenant, `DIR/TENANT.conf`, INI with a [tenant] section:
//
//   enabled = true
//   method = role-arn                 # or access-key
//   bucket = acme-security-exports
//   prefix = audit                    # optional
//   region = eu-west-1                # optional (--bucket-region): else the exporter's region
//   role-arn = arn:aws:iam::210987654321:role/secexport   # role-arn method
//   external-id = 3q2-7w...           # issued by `tenant external-id`, kept across saves
//   session-duration = 3600           # role-arn method, seconds
//   access-key-id = AKIA...           # access-key method
//   secret-access-key = ...           # access-key method: the only secret in the file;
//                                     # enc:v1:BASE64 when the store has a key (below)
//   source-url = https://events.internal
//   source-token-env = SECEXPORT_SOURCE_TOKEN   # the token is referenced, never stored
//   compress = zstd                   # optional: none, gzip or zstd (the report's codec)
//
// Every file is written 0600 (atomically: a temporary file, fsync, rename) in a 0700
// directory, and a file that group or others can read is refused, because it may hold a
// secret key. Errors name the file and line, never a value.
//
// Secrets at rest: with a store key (32 bytes, the operator's, SECEXPORT_STORE_KEY_FILE), the
// secret access key is written AES-256-GCM-encrypted with the tenant ID as associated data, so
// a file copied under another tenant's name does not decrypt. A store without a key keeps
// working (with a warning); `secexport tenant rekey` encrypts it or moves it to a new key.
#pragma once

#include "base/error.hpp"
#include "base/secret.hpp"
#include "export/compression.hpp"
#include "tenant/error.hpp"

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace secexport::tenant {

enum class auth_method { none, access_key, role_arn };

[[nodiscard]] std::string_view to_string(auth_method m) noexcept;
[[nodiscard]] std::optional<auth_method> parse_auth_method(std::string_view text) noexcept;

/// The settings fields, for problems and changes that concern one of them.
enum class field {
  method, bucket, prefix, region, role_arn, external_id, session_duration, access_key_id, secret_access_key,
  source_url, source_token_env,
};

/// Something missing or invalid in a tenant's settings.
struct problem {
  tenant::field field;
  std::string message; // names the setting and what would be valid
};

struct tenant_settings {
  std::string id;
  bool enabled = false;
  auth_method method = auth_method::none; // none: only an external ID has been issued
  std::string bucket, prefix, region;
  std::string role_arn, external_id;
  unsigned session_duration = 3600;
  std::string access_key_id;
  secret secret_access_key;
  std::string source_url;
  std::string source_token_env = "SECEXPORT_SOURCE_TOKEN";
  std::optional<exporter::codec> compress; // unset: the command line's --compress, else none
  bool secret_in_clear = false; // read from a file that holds the secret unencrypted

  /// What is missing or invalid for exporting (empty: ready). Pure; messages name the field.
  [[nodiscard]] std::vector<problem> problems() const;
  /// What a credential check needs of these: problems() without the event source's settings,
  /// which only an export reads.
  [[nodiscard]] std::vector<problem> check_problems() const;
};

/// What "Save changes" (or `tenant save|test` flags) changes: each set field overrides the
/// saved value.
struct settings_change {
  std::optional<auth_method> method;
  std::optional<std::string> bucket, prefix, region, role_arn, access_key_id, source_url, source_token_env;
  std::optional<unsigned> session_duration;
  std::optional<secret> secret_access_key;
  std::optional<exporter::codec> compress;
};

/// The operator's key for secrets at rest.
struct store_key {
  std::array<std::uint8_t, 32> bytes{};
};

/// Reads a store key file: its first line is 64 hex digits or the base64 of 32 bytes (as
/// `openssl rand -hex 32` or `openssl rand -base64 32` print). store_error when the file is
/// missing (store_key_missing), readable by group or others (file_not_private) or not a key.
[[nodiscard]] store_key load_store_key(const std::filesystem::path& file);

/// Applies `change` to `t`. Switching the method drops the other method's credentials (the
/// access key ID and secret when switching to role-arn, the role ARN when switching to
/// access-key; the external ID stays: it was issued for the tenant).
void apply(tenant_settings& t, const settings_change& change);

/// Thrown by the store: a tenant::errc code and a message naming the file (and line), never
/// a value.
class store_error : public failure {
public:
  store_error(errc code, const std::string& message) : failure(make_error_code(code), message) {}
};

class tenant_store {
public:
  explicit tenant_store(std::filesystem::path dir, std::optional<store_key> key = std::nullopt);

  /// SECEXPORT_TENANTS_DIR, else $XDG_CONFIG_HOME/secexport/tenants, else
  /// ~/.config/secexport/tenants.
  [[nodiscard]] static std::filesystem::path default_dir();

  [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_; }
  [[nodiscard]] bool encrypted() const noexcept { return key_.has_value(); }
  [[nodiscard]] std::filesystem::path path_of(std::string_view id) const;

  /// nullopt when the tenant has no file. Throws store_error (file and line) on a malformed
  /// file, an unknown key, or a file that group or others can read. A symbolic link is
  /// followed when its target is inside the store (a Kubernetes Secret volume's `..data`).
  [[nodiscard]] std::optional<tenant_settings> load(std::string_view id) const;
  /// Every tenant file's ID, sorted. store_error (errc::store_missing) when the directory does
  /// not exist: a mistyped SECEXPORT_TENANTS_DIR must not look like a store with no tenants.
  [[nodiscard]] std::vector<std::string> list() const;
  /// Writes atomically with mode 0600; creates the directory (0700) if needed.
  void save(const tenant_settings& t) const;
  /// False if there was nothing to remove.
  bool remove(std::string_view id) const;

  /// An exclusive lock on one tenant's settings (flock on DIR/.ID.lock), held until
  /// destroyed: a read-change-write under it cannot lose another process's write.
  class lock {
  public:
    explicit lock(int fd) noexcept : fd_(fd) {}
    lock(lock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    lock& operator=(lock&&) = delete;
    ~lock();

  private:
    int fd_;
  };
  /// Waits for the lock on `id`'s settings (creates the store's directory if needed).
  [[nodiscard]] lock lock_tenant(std::string_view id) const;
  /// The lock if nobody holds it now, else nullopt (a save racing another is refused, not
  /// queued).
  [[nodiscard]] std::optional<lock> try_lock_tenant(std::string_view id) const;

private:
  /// The target of the symbolic link `path`, which must be inside the store.
  [[nodiscard]] std::filesystem::path resolve(const std::filesystem::path& path) const;
  [[nodiscard]] std::optional<lock> lock_tenant(std::string_view id, bool wait) const;

  std::filesystem::path dir_;
  std::optional<store_key> key_;
};

/// The file's text for `t` (what save writes); the secret encrypted under `key` when given.
[[nodiscard]] std::string serialize(const tenant_settings& t, const store_key* key = nullptr);
/// Parses a file's text; `file_name` is for messages. An encrypted secret needs `key`.
/// Throws store_error.
[[nodiscard]] tenant_settings parse_tenant_file(std::string_view text, std::string_view file_name,
                                                std::string id, const store_key* key = nullptr);

// Input checks for `tenant save`: tenant::errc::invalid_setting saying why the value is not
// acceptable. (Bucket names: s3::check_bucket_name.)
[[nodiscard]] result<void> check_role_arn(std::string_view arn);
[[nodiscard]] result<void> check_region(std::string_view region);
[[nodiscard]] result<void> check_access_key_id(std::string_view id);
[[nodiscard]] result<void> check_external_id(std::string_view id);
/// A prefix as saved: already normalised (exporter::normalize_prefix gives it back unchanged).
[[nodiscard]] result<void> check_prefix(std::string_view prefix);
/// An http:// or https:// URL that io::parse_endpoint accepts (no user information).
[[nodiscard]] result<void> check_source_url(std::string_view url);
/// An environment variable name: letters, digits and '_', not beginning with a digit.
[[nodiscard]] result<void> check_env_name(std::string_view name);
/// A value the file keeps byte for byte: no control characters (CR, LF, NUL, tab, ...), no
/// space at either end, valid UTF-8. `setting` names it in the message; the value is never
/// quoted (it may be a secret).
[[nodiscard]] result<void> check_storable(std::string_view setting, std::string_view value);
/// The free-text settings of `t` with their file names, for checks over all of them.
[[nodiscard]] std::vector<std::tuple<field, std::string_view, std::string_view>> text_fields(const tenant_settings& t);

/// A new external ID: 144 random bits (OpenSSL's CSPRNG), base64url without padding, 24
/// characters, prefixed "sx-" so support staff recognise it.
[[nodiscard]] std::string new_external_id();

} // namespace secexport::tenant

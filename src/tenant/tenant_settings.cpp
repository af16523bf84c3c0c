#include "tenant/tenant_settings.hpp"

#include "base/crypto.hpp"
#include "base/ini.hpp"
#include "base/log.hpp"
#include "base/uri.hpp"
#include "base/utf8.hpp"
#include "export/object_key.hpp"
#include "io/endpoint.hpp"
#include "s3/addressing.hpp"

#include <openssl/rand.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace secexport::tenant {

namespace fs = std::filesystem;

namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string errno_text() { return std::strerror(errno); }

std::string random_suffix() {
  unsigned char raw[6];
  if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("the random number generator failed");
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (auto b : raw) out += {hex[b >> 4], hex[b & 15]};
  return out;
}

// Writes all of `text` to `fd`; false with errno set on failure.
bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    auto n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

} // namespace

std::string_view to_string(auth_method m) noexcept {
  switch (m) {
  case auth_method::access_key: return "access-key";
  case auth_method::role_arn: return "role-arn";
  case auth_method::none: break;
  }
  return "none";
}

std::optional<auth_method> parse_auth_method(std::string_view text) noexcept {
  if (text == "access-key") return auth_method::access_key;
  if (text == "role-arn") return auth_method::role_arn;
  if (text == "none") return auth_method::none;
  return std::nullopt;
}

std::vector<problem> tenant_settings::check_problems() const {
  auto p = problems();
  std::erase_if(p, [](const problem& q) { return q.field == field::source_url || q.field == field::source_token_env; });
  return p;
}

std::vector<problem> tenant_settings::problems() const {
  std::vector<problem> p;
  auto add = [&](field f, const result<void>& r) {
    if (!r) p.push_back({f, r.error().message});
  };
  // First what the file could not keep byte for byte; the rules of each field after.
  for (const auto& [f, name, value] : text_fields(*this))
    if (auto ok = check_storable(name, value); !ok) {
      p.push_back({f, ok.error().message});
      return p;
    }
  if (method == auth_method::none)
    p.push_back({field::method, "no method: save the tenant with --method access-key or role-arn"});
  if (bucket.empty()) p.push_back({field::bucket, "no bucket"});
  else add(field::bucket, s3::check_bucket_name(bucket));
  if (!prefix.empty()) add(field::prefix, check_prefix(prefix));
  if (!region.empty()) add(field::region, check_region(region));
  if (method == auth_method::role_arn) {
    if (role_arn.empty()) p.push_back({field::role_arn, "the role-arn method needs a role ARN"});
    else add(field::role_arn, check_role_arn(role_arn));
    if (external_id.empty())
      p.push_back({field::external_id, "the role-arn method needs the tenant's external ID: run `secexport tenant "
                                       "external-id " + id + "`"});
    if (session_duration < 900 || session_duration > 43200)
      p.push_back({field::session_duration, "session-duration must be 900 to 43200 seconds"});
  }
  if (method == auth_method::access_key) {
    if (access_key_id.empty()) p.push_back({field::access_key_id, "the access-key method needs an access key ID"});
    else add(field::access_key_id, check_access_key_id(access_key_id));
    if (secret_access_key.empty())
      p.push_back({field::secret_access_key, "the access-key method needs a secret access key"});
  }
  if (source_url.empty()) p.push_back({field::source_url, "no source URL"});
  else add(field::source_url, check_source_url(source_url));
  add(field::source_token_env, check_env_name(source_token_env));
  return p;
}

void apply(tenant_settings& t, const settings_change& c) {
  if (c.method && *c.method != t.method) {
    if (*c.method == auth_method::role_arn) {
      t.access_key_id.clear();
      t.secret_access_key = secret();
    } else if (*c.method == auth_method::access_key) {
      t.role_arn.clear();
    }
    t.method = *c.method;
  }
  if (c.bucket) t.bucket = *c.bucket;
  if (c.prefix) t.prefix = *c.prefix;
  if (c.region) t.region = *c.region;
  if (c.role_arn) t.role_arn = *c.role_arn;
  if (c.session_duration) t.session_duration = *c.session_duration;
  if (c.access_key_id) t.access_key_id = *c.access_key_id;
  if (c.source_url) t.source_url = *c.source_url;
  if (c.source_token_env) t.source_token_env = *c.source_token_env;
  if (c.secret_access_key) t.secret_access_key = *c.secret_access_key;
  if (c.compress) t.compress = c.compress;
}

// ---------------------------------------------------------------------------------- checks

namespace {

result<void> invalid(std::string why) { return error{errc::invalid_setting, std::move(why)}; }

} // namespace

result<void> check_role_arn(std::string_view arn) {
  const std::string q = "role ARN '" + std::string(arn) + "'";
  const std::string want = " (expected arn:aws:iam::123456789012:role/NAME)";
  std::string_view rest = arn;
  std::size_t partition_end = 0;
  if (!rest.starts_with("arn:")) return invalid(q + " does not start with 'arn:'" + want);
  rest.remove_prefix(4);
  partition_end = rest.find(':');
  if (partition_end == std::string_view::npos) return invalid(q + " is incomplete" + want);
  auto partition = rest.substr(0, partition_end);
  if (partition != "aws" && partition != "aws-cn" && partition != "aws-us-gov")
    return invalid(q + " has an unknown partition '" + std::string(partition) + "'" + want);
  rest.remove_prefix(partition_end + 1);
  if (!rest.starts_with("iam::")) return invalid(q + " is not an IAM ARN" + want);
  rest.remove_prefix(5);
  auto colon = rest.find(':');
  if (colon != 12 || !std::all_of(rest.begin(), rest.begin() + 12, is_digit))
    return invalid(q + " needs a 12-digit account ID" + want);
  rest.remove_prefix(13);
  if (!rest.starts_with("role/")) return invalid(q + " is not a role (the resource must begin with 'role/')" + want);
  rest.remove_prefix(5);
  auto slash = rest.rfind('/');
  auto name = slash == std::string_view::npos ? rest : rest.substr(slash + 1);
  if (name.empty() || name.size() > 64) return invalid(q + " needs a role name of 1 to 64 characters");
  for (char c : rest) {
    bool ok = is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || std::string_view("+=,.@_-/").find(c) != std::string_view::npos;
    if (!ok) return invalid(q + " contains '" + std::string(1, c) + "', which role names and paths do not allow");
  }
  return {};
}

result<void> check_region(std::string_view r) {
  // Two letters, then dash-separated words, then a number: us-east-1, ap-southeast-2,
  // us-gov-west-1, eu-central-2.
  const std::string q = "region '" + std::string(r) + "' is not a region name such as eu-west-1";
  if (r.size() < 9 || r.size() > 25) return invalid(q);
  auto last_dash = r.rfind('-');
  if (last_dash == std::string_view::npos || last_dash + 1 == r.size()) return invalid(q);
  if (!std::all_of(r.begin() + static_cast<std::ptrdiff_t>(last_dash) + 1, r.end(), is_digit)) return invalid(q);
  if (r[2] != '-') return invalid(q);
  for (std::size_t i = 0; i < last_dash; ++i) {
    char c = r[i];
    if (!(c >= 'a' && c <= 'z') && c != '-') return invalid(q);
    if (c == '-' && (i + 1 < r.size() && r[i + 1] == '-')) return invalid(q);
  }
  return {};
}

result<void> check_access_key_id(std::string_view id) {
  if (id.size() < 16 || id.size() > 128) return invalid("access key IDs are 16 to 128 characters long");
  for (char c : id)
    if (!((c >= 'A' && c <= 'Z') || is_digit(c))) return invalid("access key IDs contain only uppercase letters and digits");
  return {};
}

result<void> check_external_id(std::string_view id) {
  if (id.size() < 2 || id.size() > 1224) return invalid("external IDs are 2 to 1224 characters long");
  for (char c : id) {
    bool ok = is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || std::string_view("+=,.@:/_-").find(c) != std::string_view::npos;
    if (!ok) return invalid("external IDs use only letters, digits and + = , . @ : / _ -");
  }
  return {};
}

result<void> check_prefix(std::string_view p) {
  auto normal = exporter::normalize_prefix(p);
  if (!normal) return invalid(normal.error().message);
  if (*normal != p) return invalid("prefix '" + std::string(p) + "' is saved as '" + *normal + "' (no leading, trailing or doubled '/')");
  return {};
}

result<void> check_source_url(std::string_view url) {
  auto ep = io::parse_endpoint(url);
  if (!ep) return invalid("source URL '" + io::printable_url(url) + "': " + ep.error().message);
  return {};
}

result<void> check_env_name(std::string_view name) {
  const std::string q = "source-token-env '" + std::string(name.substr(0, 80)) + "'";
  if (name.empty() || name.size() > 255) return invalid(q + ": an environment variable name is 1 to 255 characters");
  if (is_digit(name.front())) return invalid(q + " begins with a digit, which environment variable names do not");
  for (char c : name)
    if (!is_lower_alnum(c) && !(c >= 'A' && c <= 'Z') && c != '_')
      return invalid(q + ": environment variable names use only letters, digits and '_' (such as SECEXPORT_SOURCE_TOKEN)");
  return {};
}

result<void> check_storable(std::string_view setting, std::string_view value) {
  for (unsigned char c : value)
    if (c < 0x20 || c == 0x7f)
      return invalid(std::string(setting) + " contains a control character (such as a newline or a tab), "
                                            "which a setting cannot hold");
  if (!value.empty() && (value.front() == ' ' || value.back() == ' '))
    return invalid(std::string(setting) + " begins or ends with a space, which a setting cannot hold");
  if (!valid_utf8(value)) return invalid(std::string(setting) + " is not valid UTF-8");
  return {};
}

std::vector<std::tuple<field, std::string_view, std::string_view>> text_fields(const tenant_settings& t) {
  return {{field::bucket, "bucket", t.bucket},
          {field::prefix, "prefix", t.prefix},
          {field::region, "region", t.region},
          {field::role_arn, "role-arn", t.role_arn},
          {field::external_id, "external-id", t.external_id},
          {field::access_key_id, "access-key-id", t.access_key_id},
          {field::secret_access_key, "secret-access-key", t.secret_access_key.reveal()},
          {field::source_url, "source-url", t.source_url},
          {field::source_token_env, "source-token-env", t.source_token_env}};
}

std::string new_external_id() {
  unsigned char raw[18]; // 144 bits
  if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("the random number generator failed");
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out = "sx-";
  for (std::size_t i = 0; i < sizeof raw; i += 3) {
    std::uint32_t v = (std::uint32_t{raw[i]} << 16) | (std::uint32_t{raw[i + 1]} << 8) | raw[i + 2];
    for (int s = 18; s >= 0; s -= 6) out.push_back(alphabet[(v >> s) & 63]);
  }
  return out;
}

// ---------------------------------------------------------------------------------- files

namespace {

constexpr std::string_view sealed_prefix = "enc:v1:";

// What binds a sealed secret to its tenant: a file moved under another name fails to open.
std::string associated_data(std::string_view id) { return "secexport tenant " + std::string(id); }

} // namespace

store_key load_store_key(const fs::path& file) {
  auto read = read_private_line(file, "the store key " + file.string());
  if (!read)
    throw store_error(read.error().code == make_error_code(secexport::errc::file_not_private) ? errc::file_not_private
                                                                                            : errc::store_key_missing,
                      read.error().message);
  const auto& line = *read;
  store_key key;
  bool ok = false;
  if (line.size() == 64) {
    ok = true;
    for (std::size_t i = 0; i < 32 && ok; ++i) {
      const int hi = hex_value(line[2 * i]), lo = hex_value(line[2 * i + 1]);
      ok = hi >= 0 && lo >= 0;
      key.bytes[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    }
  } else if (auto raw = base64_decode(line); raw && raw->size() == 32) {
    std::copy(raw->begin(), raw->end(), key.bytes.begin());
    ok = true;
  }
  if (!ok)
    throw store_error(errc::store_key_missing, "the store key " + file.string() +
                                                   " is not 32 bytes as 64 hex digits or base64 (make one with "
                                                   "`openssl rand -hex 32 > FILE`)");
  return key;
}

std::string serialize(const tenant_settings& t, const store_key* key) {
  // The last gate: a value the file would not give back byte for byte is never written.
  for (const auto& [f, name, value] : text_fields(t))
    if (auto ok = check_storable(name, value); !ok)
      throw store_error(errc::invalid_setting, "tenant " + t.id + " not saved: " + ok.error().message);
  std::ostringstream o;
  o << "# secexport tenant settings for " << t.id << ", written by `secexport tenant`.\n"
    << "# Mode 0600: this file may hold a secret access key.\n"
    << "[tenant]\n"
    << "enabled = " << (t.enabled ? "true" : "false") << "\n"
    << "method = " << to_string(t.method) << "\n";
  auto line = [&](std::string_view k, const std::string& v) {
    if (!v.empty()) o << k << " = " << v << "\n";
  };
  line("bucket", t.bucket);
  line("prefix", t.prefix);
  line("region", t.region);
  line("role-arn", t.role_arn);
  line("external-id", t.external_id);
  if (t.method == auth_method::role_arn || t.session_duration != 3600)
    o << "session-duration = " << t.session_duration << "\n";
  line("access-key-id", t.access_key_id);
  if (!t.secret_access_key.empty()) {
    if (key) {
      const auto sealed = aes256gcm_seal(key->bytes, t.secret_access_key.reveal(), associated_data(t.id));
      o << "secret-access-key = " << sealed_prefix
        << base64_encode({reinterpret_cast<const std::uint8_t*>(sealed.data()), sealed.size()}) << "\n";
    } else {
      o << "secret-access-key = " << t.secret_access_key.reveal() << "\n";
    }
  }
  line("source-url", t.source_url);
  line("source-token-env", t.source_token_env);
  if (t.compress) o << "compress = " << exporter::to_string(*t.compress) << "\n";
  return o.str();
}

tenant_settings parse_tenant_file(std::string_view text, std::string_view file_name, std::string id,
                                  const store_key* store) {
  auto parsed = parse_ini(text, file_name);
  if (!parsed) throw store_error(errc::malformed_file, parsed.error().message);
  const auto& ini = *parsed;
  tenant_settings t;
  t.id = std::move(id);
  const std::string where = std::string(file_name);
  for (const auto& [section, keys] : ini)
    if (section != "tenant") throw store_error(errc::malformed_file, where + ": unknown section [" + section + "] (settings go in [tenant])");
  auto it = ini.find("tenant");
  if (it == ini.end()) throw store_error(errc::malformed_file, where + ": no [tenant] section");
  for (const auto& [k, v] : it->second) {
    const std::string& key = k; // (clang before 16 cannot capture a structured binding)
    auto bad = [&](const std::string& why) { return store_error(errc::malformed_file, where + ": " + key + ": " + why); };
    if (k == "enabled") {
      if (v != "true" && v != "false") throw bad("must be true or false");
      t.enabled = v == "true";
    } else if (k == "method") {
      auto m = parse_auth_method(v);
      if (!m) throw bad("must be access-key or role-arn");
      t.method = *m;
    } else if (k == "bucket") t.bucket = v;
    else if (k == "prefix") t.prefix = v;
    else if (k == "region") t.region = v;
    else if (k == "role-arn") t.role_arn = v;
    else if (k == "external-id") t.external_id = v;
    else if (k == "session-duration") {
      char* end = nullptr;
      auto n = std::strtoul(v.c_str(), &end, 10);
      if (v.empty() || *end || n < 900 || n > 43200) throw bad("must be 900 to 43200 seconds");
      t.session_duration = static_cast<unsigned>(n);
    } else if (k == "access-key-id") t.access_key_id = v;
    else if (k == "secret-access-key") {
      if (!v.starts_with(sealed_prefix)) {
        t.secret_access_key = secret(v); // registered for redaction
        t.secret_in_clear = true;
        continue;
      }
      if (!store)
        throw store_error(errc::store_key_missing, where + ": the secret access key is encrypted; give the store key "
                                                           "(SECEXPORT_STORE_KEY_FILE or --store-key-file)");
      auto sealed = base64_decode(std::string_view(v).substr(sealed_prefix.size()));
      std::optional<std::string> plain;
      if (sealed)
        plain = aes256gcm_open(store->bytes, {reinterpret_cast<const char*>(sealed->data()), sealed->size()},
                               associated_data(t.id));
      if (!plain)
        throw store_error(errc::store_key_wrong, where + ": cannot decrypt the secret access key: the store key is not "
                                                         "the one it was encrypted with, or the file was written for "
                                                         "another tenant than " + t.id);
      t.secret_access_key = secret(std::move(*plain));
    }
    else if (k == "source-url") t.source_url = v;
    else if (k == "source-token-env") {
      if (v.empty()) throw bad("must name the environment variable that holds the event API's token");
      t.source_token_env = v;
    }
    else if (k == "compress") {
      t.compress = exporter::parse_codec(v);
      if (!t.compress) throw bad("must be none, gzip or zstd");
    }
    else throw store_error(errc::malformed_file, where + ": unknown setting '" + k + "'");
  }
  return t;
}

tenant_store::tenant_store(fs::path dir, std::optional<store_key> key) : dir_(std::move(dir)), key_(key) {}

fs::path tenant_store::default_dir() {
  if (const char* d = std::getenv("SECEXPORT_TENANTS_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x) return fs::path(x) / "secexport" / "tenants";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".config" / "secexport" / "tenants";
  return "/etc/secexport/tenants";
}

fs::path tenant_store::path_of(std::string_view id) const {
  if (auto ok = exporter::check_tenant_id(id); !ok) throw store_error(errc::invalid_setting, ok.error().message);
  return dir_ / (std::string(id) + ".conf");
}

fs::path tenant_store::resolve(const fs::path& path) const {
  // A Kubernetes Secret volume holds each file as a symlink through `..data` to a timestamped
  // directory beside it: a link is followed when it stays inside the store's directory.
  std::error_code ec;
  const auto target = fs::canonical(path, ec);
  if (ec) throw store_error(errc::store_unreadable, "cannot read " + path.string() + ": " + ec.message());
  const auto root = fs::canonical(dir_, ec);
  if (ec) throw store_error(errc::store_unreadable, "cannot read " + dir_.string() + ": " + ec.message());
  const auto inside = target.lexically_relative(root);
  if (inside.empty() || *inside.begin() == "..")
    throw store_error(errc::store_unreadable, path.string() + " is a symbolic link to " + target.string() +
                                                  ", outside the tenant store " + root.string() + "; refusing it");
  return target;
}

std::optional<tenant_settings> tenant_store::load(std::string_view id) const {
  const auto path = path_of(id);
  struct stat link {};
  if (::lstat(path.c_str(), &link) != 0) {
    if (errno == ENOENT) return std::nullopt;
    throw store_error(errc::store_unreadable, "cannot read " + path.string() + ": " + errno_text());
  }
  const auto target = S_ISLNK(link.st_mode) ? resolve(path) : path;
  int fd = ::open(target.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw store_error(errc::store_unreadable, "cannot read " + path.string() + ": " + errno_text());
  }
  struct stat st {};
  ::fstat(fd, &st);
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw store_error(errc::store_unreadable, path.string() + " is not a regular file");
  }
  if (st.st_mode & 077) {
    ::close(fd);
    const auto shown = target == path ? path.string() : path.string() + " (" + target.string() + ")";
    throw store_error(errc::file_not_private, shown + " is readable by group or others and may hold a secret key; "
                      "refusing to use it (chmod 600 " + target.string() +
                      "; for a Kubernetes Secret volume, defaultMode: 0400)");
  }
  std::string text;
  char buf[4096];
  for (;;) {
    auto n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      throw store_error(errc::store_unreadable, "cannot read " + path.string() + ": " + errno_text());
    }
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  auto t = parse_tenant_file(text, path.string(), std::string(id), key_ ? &*key_ : nullptr);
  if (t.secret_in_clear) {
    static std::atomic<bool> warned{false};
    if (!warned.exchange(true))
      log_warn(key_ ? "a tenant's secret access key is stored unencrypted; `secexport tenant rekey` encrypts it"
                    : "tenant secret access keys are stored unencrypted; set SECEXPORT_STORE_KEY_FILE and run "
                      "`secexport tenant rekey`",
               {{"file", path.string()}});
  }
  return t;
}

std::vector<std::string> tenant_store::list() const {
  std::vector<std::string> ids;
  std::error_code ec;
  const auto status = fs::status(dir_, ec);
  if (!fs::exists(status))
    throw store_error(errc::store_missing, "the tenant store " + dir_.string() +
                                               " does not exist (check SECEXPORT_TENANTS_DIR or --tenants-dir; "
                                               "`secexport tenant save` creates it)");
  if (!fs::is_directory(status))
    throw store_error(errc::store_unreadable, "the tenant store " + dir_.string() + " is not a directory");
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const auto name = entry.path().filename().string();
    if (!name.ends_with(".conf") || name.starts_with('.')) continue;
    auto id = name.substr(0, name.size() - 5);
    if (exporter::check_tenant_id(id)) ids.push_back(std::move(id));
  }
  if (ec) throw store_error(errc::store_unreadable, "cannot list " + dir_.string() + ": " + ec.message());
  std::sort(ids.begin(), ids.end());
  return ids;
}

void tenant_store::save(const tenant_settings& t) const {
  const auto path = path_of(t.id);
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw store_error(errc::write_failed, "cannot create " + dir_.string() + ": " + ec.message());
  ::chmod(dir_.c_str(), 0700);
  // A name of its own per writer: two processes saving at once never write into one file.
  const auto tmp = dir_ / ("." + t.id + ".conf." + std::to_string(::getpid()) + "." + random_suffix() + ".tmp");
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) throw store_error(errc::write_failed, "cannot write " + tmp.string() + ": " + errno_text());
  const auto text = serialize(t, key_ ? &*key_ : nullptr);
  if (!write_all(fd, text) || ::fsync(fd) != 0) {
    auto why = errno_text();
    ::close(fd);
    ::unlink(tmp.c_str());
    throw store_error(errc::write_failed, "cannot write " + tmp.string() + ": " + why);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    auto why = errno_text();
    ::unlink(tmp.c_str());
    throw store_error(errc::write_failed, "cannot replace " + path.string() + ": " + why);
  }
  if (int d = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
    ::fsync(d);
    ::close(d);
  }
}

tenant_store::lock tenant_store::lock_tenant(std::string_view id) const { return *lock_tenant(id, true); }

std::optional<tenant_store::lock> tenant_store::try_lock_tenant(std::string_view id) const {
  return lock_tenant(id, false);
}

std::optional<tenant_store::lock> tenant_store::lock_tenant(std::string_view id, bool wait) const {
  const auto path = path_of(id);
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw store_error(errc::write_failed, "cannot create " + dir_.string() + ": " + ec.message());
  ::chmod(dir_.c_str(), 0700);
  const auto lock_path = dir_ / ("." + std::string(id) + ".lock");
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) throw store_error(errc::write_failed, "cannot lock " + lock_path.string() + ": " + errno_text());
  while (::flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK && !wait) {
      ::close(fd);
      return std::nullopt;
    }
    auto why = errno_text();
    ::close(fd);
    throw store_error(errc::write_failed, "cannot lock " + lock_path.string() + ": " + why);
  }
  return std::optional<lock>(std::in_place, fd);
}

tenant_store::lock::~lock() {
  if (fd_ >= 0) ::close(fd_); // closing releases the flock
}

bool tenant_store::remove(std::string_view id) const {
  const auto path = path_of(id);
  if (::unlink(path.c_str()) == 0) return true;
  if (errno == ENOENT) return false;
  throw store_error(errc::write_failed, "cannot remove " + path.string() + ": " + errno_text());
}

} // namespace secexport::tenant

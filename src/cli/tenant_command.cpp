// `secexport tenant ...`: what a customer-facing engineer does when a customer connects a
// bucket: issue the external ID and show the trust policy (role-arn method), show the
// permissions policy, test the credentials, save the settings, and manage saved tenants.
#include "auth/sts_client.hpp"
#include "base/log.hpp"
#include "cli/commands.hpp"
#include "cli/common_options.hpp"
#include "cli/tenant_options.hpp"
#include "io/run_coroutine.hpp"
#include "s3/s3_client.hpp"
#include "tenant/error.hpp"
#include "tenant/tenant_session.hpp"
#include "export/object_key.hpp"
#include "tenant/credential_check.hpp"
#include "tenant/policies.hpp"
#include "tenant/external_id.hpp"
#include "tenant/tenant_json.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>

namespace secexport::cli {

namespace net = boost::asio;
using tenant::auth_method;
using tenant::tenant_settings;

namespace {

constexpr const char* secret_env = "SECEXPORT_TENANT_SECRET_ACCESS_KEY";

// The settings a customer enters; each given flag overrides the saved value.
struct settings_flags {
  std::string method, bucket, prefix, region, role_arn, access_key_id, secret_file, source_url, source_token_env;
  std::string compress;
  std::optional<unsigned> session_duration;

  void add_to(CLI::App& app) {
    auto* g = "Tenant settings (override what is saved)";
    app.add_option("--method", method, "access-key (an IAM user's keys) or role-arn (AssumeRole with the external ID)")
        ->check(CLI::IsMember({"access-key", "role-arn"}))
        ->group(g);
    app.add_option("--bucket", bucket, "The customer's S3 bucket")->group(g);
    app.add_option("--prefix", prefix, "Key prefix inside the bucket (optional)")->group(g);
    app.add_option("--bucket-region", region, "The bucket's region (optional; else --region, AWS_REGION, ...)")->group(g);
    app.add_option("--role-arn", role_arn, "role-arn method: the customer's role, arn:aws:iam::ACCOUNT:role/NAME")->group(g);
    app.add_option("--session-duration", session_duration,
                   "role-arn method: session length in seconds (default 3600; falls back to 3600 with a warning "
                   "when the role's maximum is lower)")
        ->check(CLI::Range(900u, 43200u))
        ->group(g);
    app.add_option("--access-key-id", access_key_id, "access-key method: the IAM user's access key ID")->group(g);
    app.add_option("--secret-access-key-file", secret_file,
                   std::string("access-key method: file holding the secret access key, or - for stdin (else ") +
                       secret_env + "); never on the command line")
        ->group(g);
    app.add_option("--source-url", source_url, "Base URL of the tenant's security-event API")->group(g);
    app.add_option("--source-token-env", source_token_env,
                   "Environment variable holding the event API's bearer token (default SECEXPORT_SOURCE_TOKEN); "
                   "only the name is saved")
        ->group(g);
    app.add_option("--compress", compress,
                   "The tenant's report codec: none, gzip (.csv.gz) or zstd (.csv.zst); `run` and `daemon` use it "
                   "unless their own --compress is given")
        ->check(CLI::IsMember({"none", "gzip", "zstd"}))
        ->group(g);
  }

  // What the flags change (each given flag overrides the saved value).
  [[nodiscard]] tenant::settings_change change() const {
    tenant::settings_change c;
    if (!method.empty()) c.method = tenant::parse_auth_method(method); // checked by CLI11
    auto set = [](std::optional<std::string>& field, const std::string& flag) {
      if (!flag.empty()) field = flag;
    };
    set(c.bucket, bucket);
    if (!prefix.empty()) c.prefix = exporter::normalize_prefix(prefix).value(); // "/audit/" is saved as "audit"
    set(c.region, region);
    set(c.role_arn, role_arn);
    set(c.access_key_id, access_key_id);
    set(c.source_url, source_url);
    set(c.source_token_env, source_token_env);
    c.session_duration = session_duration;
    if (!compress.empty()) c.compress = exporter::parse_codec(compress); // checked by CLI11
    c.secret_access_key = read_secret();
    return c;
  }

  void apply(tenant_settings& t) const { tenant::apply(t, change()); }

  [[nodiscard]] std::optional<secret> read_secret() const {
    std::string value;
    if (secret_file == "-") {
      value = read_secret_line(std::cin);
    } else if (!secret_file.empty()) {
      value = read_private_file(secret_file, "--secret-access-key-file");
    } else if (const char* v = std::getenv(secret_env); v && *v) {
      value = v;
    } else {
      return std::nullopt;
    }
    if (value.empty()) throw usage_error("the secret access key given is empty");
    return secret(std::move(value)); // registered for redaction by its constructor
  }
};

struct tenant_args {
  std::string tenant;
  store_flags tenants_dir;
  settings_flags settings;
  aws_flags aws;
  bool trust_account = false;
  bool no_verify = false;
  bool disabled = false;
  std::string new_key_file;
  output_format output = output_format::text;
};

// One JSON object on stdout (--output json).
void print_json(const json_writer& w) {
  std::fputs(w.str().c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

// The saved settings of `id`; a new, empty tenant when it has none (unless `must_exist`).
tenant_settings load(const tenant::tenant_store& store, const std::string& id, bool must_exist) {
  exporter::check_tenant_id(id).value();
  auto t = store.load(id);
  if (t) return std::move(*t);
  if (must_exist) throw failure(tenant::errc::no_such_tenant, "no tenant " + id + " in " + store.dir().string());
  tenant_settings fresh;
  fresh.id = id;
  return fresh;
}

tenant_settings load_or_new(const tenant::tenant_store& store, const std::string& id) { return load(store, id, false); }
tenant_settings load_existing(const tenant::tenant_store& store, const std::string& id) { return load(store, id, true); }

void save(const tenant::tenant_store& store, const tenant_settings& t) { store.save(t); }

// ------------------------------------------------------------------------- external-id

int run_external_id(tenant_args& a) {
  auto store = open_store(a.tenants_dir);
  exporter::check_tenant_id(a.tenant).value();
  // The exporter's identity first: a tenant is saved only once the steps can be printed.
  net::io_context ioc(1);
  auto session = open_session(ioc.get_executor(), a.aws);
  auto id = io::run_to_completion<auth::caller_identity>(ioc, [&]() -> net::awaitable<auth::caller_identity> {
    auto r = co_await tenant::exporter_identity(session);
    session.context->close_idle();
    co_return r;
  });
  const auto principal = tenant::principal_for(id, a.trust_account).value();
  const auto held = store.lock_tenant(a.tenant); // one writer at a time: every caller gets the same ID
  const auto info = tenant::issue_external_id(store, a.tenant, principal, held);
  if (a.output == output_format::json) {
    json_writer w;
    tenant::write_external_id(w, info);
    print_json(w);
    return exit_ok;
  }
  std::printf("External ID for tenant %s: %s%s\n", info.tenant.c_str(), info.external_id.c_str(),
              info.issued_now ? " (issued now; shown the same from now on)" : "");
  std::printf("Exporter AWS account ID: %s\n", info.exporter.account.c_str());
  std::printf("Exporter identity: %s\n\n", info.exporter.identity_arn.c_str());
  std::printf("Give the customer these steps:\n"
              "  1. Create an IAM role whose trust policy is the document below (trusted principal: %s,\n"
              "     \"Require external ID\" = %s).\n"
              "  2. Attach the permissions policy from `secexport tenant policy %s`.\n"
              "  3. Enter the role's ARN; then: secexport tenant save %s --method role-arn --role-arn ARN "
              "--bucket BUCKET --source-url URL\n\n",
              info.exporter.principal.c_str(), info.external_id.c_str(), info.tenant.c_str(), info.tenant.c_str());
  std::fputs(info.trust_policy().c_str(), stdout);
  return exit_ok;
}

// ------------------------------------------------------------------------- policy

int run_policy(tenant_args& a) {
  auto store = open_store(a.tenants_dir);
  auto t = load_or_new(store, a.tenant);
  a.settings.apply(t);
  if (t.bucket.empty()) throw usage_error("tenant " + t.id + " has no bucket yet: pass --bucket");
  s3::check_bucket_name(t.bucket).value();
  if (a.output == output_format::json) { // the document alone: it pipes into `aws iam put-role-policy`
    std::fputs(tenant::permissions_policy(t.bucket, t.prefix).c_str(), stdout);
    return exit_ok;
  }
  std::printf("Permissions policy for tenant %s (attach to the %s):\n", t.id.c_str(),
              t.method == auth_method::access_key ? "IAM user" : "IAM role");
  std::fputs(tenant::permissions_policy(t.bucket, t.prefix).c_str(), stdout);
  std::printf("\nOptional: also allow these so that secexport can clean up a multipart upload that failed "
              "(without them its parts stay, and are billed, until a lifecycle rule removes them):\n");
  std::fputs(tenant::cleanup_policy(t.bucket, t.prefix).c_str(), stdout);
  return exit_ok;
}

// ------------------------------------------------------------------------- test and save

void require_complete(const tenant_settings& t) {
  auto problems = t.check_problems(); // the source is read at export time, not by a check
  if (problems.empty()) return;
  std::string msg = "tenant " + t.id + " is not ready:";
  for (const auto& p : problems) msg += "\n  - " + p.message;
  throw failure(tenant::errc::not_configured, msg);
}

// Prints the steps; true when every one passed.
bool check(const tenant_args& a, const tenant_settings& t) {
  net::io_context ioc(1);
  const auto exporter = a.aws.settings();
  const bool json = a.output == output_format::json;
  if (!json)
    std::printf("Testing credentials for tenant %s (method %s, bucket %s%s%s):\n", t.id.c_str(),
              std::string(tenant::to_string(t.method)).c_str(), t.bucket.c_str(), t.prefix.empty() ? "" : ", prefix ",
              t.prefix.c_str());
  auto report = io::run_to_completion<tenant::check_report>(
      ioc, [&] { return tenant::test_credentials(ioc.get_executor(), exporter, t); });
  if (json) {
    json_writer w;
    tenant::write_check_report(w, report);
    print_json(w);
    return report.passed();
  }
  std::fputs(redact(tenant::format_report(report)).c_str(), stdout);
  if (auto f = report.first_failure()) {
    if (f->denied) std::printf("credential check FAILED at %s: %s is needed\n", f->name.c_str(), f->action.c_str());
    else std::printf("credential check FAILED at %s: %s\n", f->name.c_str(), redact(f->code + ": " + f->detail).c_str());
  }
  else
    std::printf("credential check passed\n");
  std::fflush(stdout);
  return report.passed();
}

int run_test(tenant_args& a) {
  auto store = open_store(a.tenants_dir);
  auto t = load_or_new(store, a.tenant);
  a.settings.apply(t);
  require_complete(t);
  return check(a, t) ? exit_ok : exit_failure;
}

int run_save(tenant_args& a) {
  auto store = open_store(a.tenants_dir);
  const auto held = store.lock_tenant(a.tenant); // one writer at a time: no write is lost
  auto t = load_or_new(store, a.tenant);
  a.settings.apply(t);
  t.enabled = !a.disabled;
  auto problems = t.problems();
  if (!problems.empty()) {
    std::string msg = "not saved: tenant " + t.id + " has problems:";
    for (const auto& p : problems) msg += "\n  - " + p.message;
    throw failure(tenant::errc::not_configured, msg);
  }
  if (a.no_verify) {
    log_warn("saving without testing the credentials (--no-verify)", {{"tenant", t.id}});
  } else if (!check(a, t)) {
    throw failure(tenant::errc::check_failed, "not saved: the credential check failed for tenant " + t.id);
  }
  save(store, t);
  std::printf("saved tenant %s (%s, %s) in %s\n", t.id.c_str(), t.enabled ? "enabled" : "disabled",
              std::string(tenant::to_string(t.method)).c_str(), store.path_of(t.id).c_str());
  return exit_ok;
}

// ------------------------------------------------------------------------- show, list, ...

int run_show(tenant_args& a) {
  auto store = open_store(a.tenants_dir);
  auto t = load_existing(store, a.tenant);
  if (a.output == output_format::json) {
    json_writer w;
    tenant::write_settings(w, t);
    print_json(w);
    return exit_ok;
  }
  auto line = [](const char* k, const std::string& v) {
    if (!v.empty()) std::printf("%-18s %s\n", k, v.c_str());
  };
  line("tenant", t.id);
  line("enabled", t.enabled ? "true" : "false");
  line("method", std::string(tenant::to_string(t.method)));
  line("bucket", t.bucket);
  line("prefix", t.prefix);
  line("region", t.region);
  line("role-arn", t.role_arn);
  line("external-id", t.external_id);
  if (t.method == auth_method::role_arn) line("session-duration", std::to_string(t.session_duration));
  line("access-key-id", t.access_key_id.empty() ? "" : mask_identifier(t.access_key_id));
  line("secret-access-key", t.secret_access_key.empty() ? "" : "**** (set)");
  line("source-url", t.source_url);
  line("source-token-env", t.source_token_env);
  line("compress", t.compress ? std::string(exporter::to_string(*t.compress)) : "");
  line("file", store.path_of(t.id).string());
  for (const auto& p : t.problems()) std::printf("problem            %s\n", p.message.c_str());
  return exit_ok;
}

int run_list(tenant_args& a) {
  auto store = open_store(a.tenants_dir);
  if (a.output == output_format::json) {
    json_writer w;
    const auto unreadable = tenant::write_tenant_list(w, store); // the API's rendering (errors inside)
    print_json(w);
    return unreadable ? exit_failure : exit_ok;
  }
  const auto ids = store.list();
  std::printf("%-24s %-8s %-10s %s\n", "TENANT", "ENABLED", "METHOD", "BUCKET/PREFIX");
  std::size_t unreadable = 0;
  for (const auto& id : ids) {
    try {
      auto t = *store.load(id);
      std::printf("%-24s %-8s %-10s %s%s%s\n", id.c_str(), t.enabled ? "yes" : "no",
                  std::string(tenant::to_string(t.method)).c_str(), t.bucket.c_str(), t.prefix.empty() ? "" : "/",
                  t.prefix.c_str());
    } catch (const failure& e) {
      std::printf("%-24s %-8s %-10s %s\n", id.c_str(), "?", "?", "(unreadable)");
      report_error(e.what());
      ++unreadable;
    }
  }
  if (ids.empty()) log_warn("the tenant store has no tenants", {{"dir", store.dir().string()}});
  std::fflush(stdout);
  return unreadable ? exit_failure : exit_ok;
}

int run_set_enabled(tenant_args& a, bool enabled) {
  auto store = open_store(a.tenants_dir);
  const auto held = store.lock_tenant(a.tenant); // one writer at a time: no write is lost
  auto t = load_existing(store, a.tenant);
  if (enabled) {
    auto problems = t.problems();
    if (!problems.empty())
      throw failure(tenant::errc::not_configured, "cannot enable tenant " + t.id + ": " + problems.front().message);
  }
  t.enabled = enabled;
  save(store, t);
  std::printf("tenant %s %s\n", t.id.c_str(), enabled ? "enabled" : "disabled");
  return exit_ok;
}

int run_rekey(tenant_args& a) {
  const auto from = open_store(a.tenants_dir);
  store_flags target = a.tenants_dir;
  if (!a.new_key_file.empty()) target.key_file = a.new_key_file;
  const auto to = open_store(target);
  if (!to.encrypted())
    throw usage_error("tenant rekey needs a key to encrypt with: --new-store-key-file FILE, or the current one "
                      "(--store-key-file or SECEXPORT_STORE_KEY_FILE) to encrypt the secrets still in clear");
  std::size_t done = 0, already = 0, failed = 0;
  for (const auto& id : from.list()) {
    try {
      const auto held = from.lock_tenant(id);
      std::optional<tenant_settings> t;
      try {
        t = from.load(id);
      } catch (const tenant::store_error& e) {
        // A rekey that stopped half-way: files it already moved open with the new key.
        if (e.code() != tenant::errc::store_key_wrong) throw;
        (void)to.load(id); // throws if the new key does not open it either
        ++already;
        continue;
      }
      if (!t) continue;
      to.save(*t);
      ++done;
    } catch (const failure& e) {
      report_error(e.what());
      ++failed;
    }
  }
  std::printf("rekeyed %zu tenant(s) in %s%s%s\n", done, to.dir().c_str(),
              already ? (", " + std::to_string(already) + " already under the new key").c_str() : "",
              failed ? (", " + std::to_string(failed) + " FAILED").c_str() : "");
  return failed ? exit_failure : exit_ok;
}

int run_remove(tenant_args& a) {
  auto store = open_store(a.tenants_dir);
  const auto held = store.lock_tenant(a.tenant); // one writer at a time: no write is lost
  exporter::check_tenant_id(a.tenant).value();
  if (!store.remove(a.tenant))
    throw failure(tenant::errc::no_such_tenant, "no tenant " + a.tenant + " in " + store.dir().string());
  std::printf("removed tenant %s (its reports and manifests in the bucket are untouched)\n", a.tenant.c_str());
  return exit_ok;
}

} // namespace

command add_tenant_command(CLI::App& parent) {
  auto args = std::make_shared<tenant_args>();
  auto* a = args.get();
  auto* app = parent.add_subcommand(
      "tenant",
      "Connect a customer's bucket and manage saved tenants. The usual order: `tenant external-id T` "
      "(role-arn method: give the customer the ID and trust policy), `tenant policy T --bucket B` (the "
      "permissions to attach), `tenant save T ...` (tests the credentials, saves only if they work). "
      "Settings live in --tenants-dir, one file per tenant, mode 0600.");
  app->require_subcommand(1);
  std::vector<std::pair<CLI::App*, std::function<int()>>> subs;
  auto sub = [&](const char* name, const char* help, bool aws, bool settings, std::function<int()> run) {
    auto* s = app->add_subcommand(name, help);
    if (std::string(name) != "list" && std::string(name) != "rekey") s->add_option("TENANT", a->tenant, "Tenant ID")->required();
    add_tenants_dir_option(*s, a->tenants_dir);
    if (settings) a->settings.add_to(*s);
    if (aws) a->aws.add_to(*s, false);
    subs.emplace_back(s, std::move(run));
    return s;
  };
  auto* ext = sub("external-id",
                  "Issue the tenant's external ID (once; shown the same afterwards), show the exporter's AWS account "
                  "ID (STS GetCallerIdentity on the exporter's own credentials) and print the trust policy for the "
                  "customer's role. The principal is the exporter's own IAM identity (a role when the exporter "
                  "runs under one), tighter than trusting the whole account.",
                  true, false, [a] { return run_external_id(*a); });
  add_output_option(*ext, a->output, "the external ID, the exporter's account and principal, and the trust policy");
  ext->add_flag("--trust-account", a->trust_account,
                "Trust the exporter's whole account (arn:aws:iam::ACCOUNT:root) instead of its identity, as the "
                "product page describes");
  auto* policy = sub("policy",
      "Print the least-privilege permissions policy for the tenant's bucket and prefix, and separately the "
      "optional actions that let failed multipart uploads be cleaned up.",
      false, true, [a] { return run_policy(*a); });
  add_output_option(*policy, a->output,
                    "the permissions policy document alone, ready for `aws iam put-role-policy --policy-document "
                    "file:///dev/stdin`");
  auto* test = sub("test",
      "Test credentials: with the tenant's method, AssumeRole (role-arn), GetBucketLocation, ListObjectsV2 on the "
      "prefix, PutObject of a small probe object, GetObject of it (compared), DeleteObject of it. One line per "
      "step with the IAM action it needs; exit status 0 only if all pass. Flags override the saved settings "
      "without saving them.",
      true, true, [a] { return run_test(*a); });
  add_output_option(*test, a->output, "{passed, failed_action, steps: [{action, permission, status, code, message}]}");
  auto* save_cmd = sub("save",
                       "Save changes: validate the settings, run the credential test, and save only if it passes. "
                       "Flags override the saved settings; switching --method drops the other method's credentials.",
                       true, true, [a] { return run_save(*a); });
  save_cmd->add_flag("--no-verify", a->no_verify, "Save without the credential test (automation; prints a warning)");
  save_cmd->add_flag("--disabled", a->disabled, "Save the tenant disabled (the daily job skips it)");
  auto* show = sub("show", "Print the tenant's settings; the secret access key is never shown.", false, false,
                   [a] { return run_show(*a); });
  add_output_option(*show, a->output, "the settings, the secret only as secret_access_key_set");
  auto* list = sub("list", "List saved tenants.", false, false, [a] { return run_list(*a); });
  add_output_option(*list, a->output, "{tenants: [settings as `show` prints them]}");
  sub("enable", "Include the tenant in the daily job.", false, false, [a] { return run_set_enabled(*a, true); });
  sub("disable", "Leave the tenant out of the daily job (settings kept).", false, false,
      [a] { return run_set_enabled(*a, false); });
  sub("remove", "Delete the tenant's settings file (the bucket is untouched).", false, false,
      [a] { return run_remove(*a); });
  auto* rekey = sub("rekey",
                    "Rewrite every tenant's secret access key under a store key: --new-store-key-file rotates to a new "
                    "key (the current one from --store-key-file or SECEXPORT_STORE_KEY_FILE); without it, secrets "
                    "still in clear are encrypted with the current key. Each file is replaced atomically; a rekey "
                    "that stopped half-way can be run again.",
                    false, false, [a] { return run_rekey(*a); });
  rekey->add_option("--new-store-key-file", a->new_key_file, "The new store key (64 hex digits or base64, mode 0600)");
  return {app, [subs, args] {
            for (const auto& [s, run] : subs)
              if (s->parsed()) return run();
            return int(exit_usage);
          }};
}

} // namespace secexport::cli

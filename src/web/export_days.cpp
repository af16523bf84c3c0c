#include "web/export_days.hpp"

#include "base/log.hpp"
#include "base/secret.hpp"
#include "export/object_key.hpp"
#include "web/error.hpp"

#include <simdjson.h>

#include <algorithm>
#include <iterator>

namespace secexport::web {

namespace net = boost::asio;
using namespace std::chrono;

std::optional<day_status> parse_manifest_summary(std::string_view json) {
  simdjson::dom::parser parser;
  const simdjson::padded_string text(json);
  simdjson::dom::object o;
  if (parser.parse(text).get(o)) return std::nullopt;
  day_status d;
  std::uint64_t rows = 0, bytes = 0;
  std::string_view finished;
  if (o["rows"].get(rows) || o["bytes"].get(bytes) || o["finished_at"].get(finished)) return std::nullopt;
  d.exported = true;
  d.rows = rows;
  d.bytes = bytes;
  d.finished_at = std::string(finished);
  return d;
}

net::awaitable<std::vector<day_status>> recent_days(s3::s3_client& s3, const tenant::tenant_settings& t,
                                                    std::string key_template, sys_days today, unsigned count) {
  std::vector<day_status> out;
  for (unsigned i = 1; i <= count; ++i) {
    const sys_days day = today - std::chrono::days(i);
    auto key = exporter::object_key(t.prefix, key_template, t.id, sys_us{day}, sys_us{day + std::chrono::days(1)});
    if (!key) throw api_error(errc::internal, key.error().message);
    const auto mkey = exporter::manifest_key(*key);
    auto r = co_await s3.get_object(t.bucket, mkey);
    day_status d;
    if (r.ok()) {
      if (auto parsed = parse_manifest_summary(r.body)) d = std::move(*parsed);
      else d.problem = "the manifest " + s3::s3_client::url(t.bucket, mkey) + " is not a secexport manifest";
    } else if (r.error.status != 404) {
      throw api_error(errc::upstream_failed, "cannot read the manifest " + s3::s3_client::url(t.bucket, mkey) +
                                                 ": " + r.error.describe());
    }
    d.day = day;
    d.key = *key;
    out.push_back(std::move(d));
  }
  co_return out;
}

void write_day_status(json_writer& w, const day_status& d) {
  w.begin_object();
  w.member("date", format_iso_day(d.day));
  w.member("status", d.exported ? "exported" : "missing");
  if (d.exported) {
    w.member("rows", d.rows);
    w.member("bytes", d.bytes);
    w.member("finished_at", d.finished_at);
  }
  if (!d.problem.empty()) w.member("problem", d.problem);
  w.member("key", d.key);
  w.end_object();
}

void write_export_run(json_writer& w, const export_run& r) {
  w.begin_object();
  w.member("id", r.id);
  w.member("tenant", r.tenant);
  w.member("date", format_iso_day(r.day));
  w.member("status", r.status == export_run::state::running     ? "running"
                     : r.status == export_run::state::succeeded ? "succeeded"
                                                                : "failed");
  w.member("rows", r.rows);
  w.member("bytes", r.bytes);
  w.member("seconds", r.seconds);
  w.member("started_at", format_rfc3339(time_point_cast<seconds>(r.started_at)));
  if (r.status != export_run::state::running)
    w.member("finished_at", format_rfc3339(time_point_cast<seconds>(r.finished_at)));
  if (!r.error.empty()) w.member("error", r.error);
  w.end_object();
}

export_runs::export_runs(runner run) : run_(std::move(run)) {}

export_runs::~export_runs() { stop(); }

std::optional<export_run> export_runs::start(const tenant::tenant_settings& t, sys_days day) {
  reap();
  std::lock_guard l(mutex_);
  for (const auto& [id, r] : runs_)
    if (r.tenant == t.id && r.status == export_run::state::running) return std::nullopt;
  export_run r;
  r.id = next_id_++;
  r.tenant = t.id;
  r.day = day;
  r.started_at = time_point_cast<microseconds>(system_clock::now());
  runs_[r.id] = r;
  auto done = std::make_shared<std::atomic<bool>>(false);
  const auto id = r.id;
  workers_.push_back({std::thread([this, t, day, id, done] {
                        auto outcome = run_(t, day, scope_);
                        std::lock_guard inner(mutex_);
                        auto& run = runs_[id];
                        for (const auto& d : outcome.days) {
                          run.rows += d.rows;
                          run.bytes += d.bytes;
                          run.seconds += d.seconds;
                        }
                        run.status = outcome.ok() ? export_run::state::succeeded : export_run::state::failed;
                        if (outcome.failure) run.error = redact(outcome.failure->message);
                        run.finished_at = time_point_cast<microseconds>(system_clock::now());
                        log_info("background export finished",
                                 {{"tenant", run.tenant}, {"day", format_iso_day(run.day)}, {"ok", outcome.ok()},
                                  {"rows", run.rows}});
                        *done = true;
                      }),
                      done});
  log_info("background export started", {{"tenant", t.id}, {"day", format_iso_day(day)}, {"run", id}});
  return r;
}

std::optional<export_run> export_runs::find(std::uint64_t id) const {
  std::lock_guard l(mutex_);
  auto it = runs_.find(id);
  if (it == runs_.end()) return std::nullopt;
  return it->second;
}

std::vector<export_run> export_runs::of_tenant(const std::string& tenant) const {
  std::lock_guard l(mutex_);
  std::vector<export_run> out;
  for (auto it = runs_.rbegin(); it != runs_.rend() && out.size() < 20; ++it)
    if (it->second.tenant == tenant) out.push_back(it->second);
  return out;
}

void export_runs::reap() {
  std::vector<worker> finished;
  {
    std::lock_guard l(mutex_);
    auto split = std::stable_partition(workers_.begin(), workers_.end(), [](const worker& w) { return !*w.done; });
    std::move(split, workers_.end(), std::back_inserter(finished));
    workers_.erase(split, workers_.end());
  }
  for (auto& w : finished) w.thread.join();
}

void export_runs::stop() {
  scope_.stop();
  scope_.cancel_all("the server is stopping");
  std::vector<worker> all;
  {
    std::lock_guard l(mutex_);
    all = std::move(workers_);
    workers_.clear();
  }
  for (auto& w : all)
    if (w.thread.joinable()) w.thread.join();
}

} // namespace secexport::web

#include "base/metrics.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>

#include <fcntl.h>
#include <unistd.h>

namespace secexport::metrics {

namespace {

[[maybe_unused]] bool valid_name(std::string_view s, bool colon) { // in asserts only
  if (s.empty()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':') ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

} // namespace

registry& process_registry() {
  static registry r; // constructed before the first family registers in it
  return r;
}

void registry::add(family_base* f) {
  std::lock_guard lock(mutex_);
  families_.push_back(f);
}

void registry::remove(family_base* f) noexcept {
  std::lock_guard lock(mutex_);
  std::erase(families_, f);
}

std::string registry::render() const {
  std::vector<family_base*> families;
  {
    std::lock_guard lock(mutex_);
    families = families_;
  }
  std::sort(families.begin(), families.end(), [](auto* a, auto* b) { return a->name() < b->name(); });
  std::string out;
  for (const auto* f : families) {
    f->render_header(out);
    f->render(out);
  }
  return out;
}

void cell::set_max(double v) noexcept {
  double current = value_.load(std::memory_order_relaxed);
  while (current < v && !value_.compare_exchange_weak(current, v, std::memory_order_relaxed)) {
  }
}

family_base::family_base(registry& r, std::string name, std::string help, std::string type,
                         std::vector<std::string> labels)
    : registry_(r), name_(std::move(name)), help_(std::move(help)), type_(std::move(type)), labels_(std::move(labels)) {
  assert(valid_name(name_, true));
  for ([[maybe_unused]] const auto& l : labels_) assert(valid_name(l, false) && !l.starts_with("__") && l != "le");
  registry_.add(this);
}

family_base::~family_base() { registry_.remove(this); }

std::vector<std::string> family_base::checked(label_values values) const {
  assert(values.size() == labels_.size());
  return std::vector<std::string>(values.begin(), values.end());
}

std::string family_base::label_text(const std::vector<std::string>& values) const {
  std::string out;
  for (std::size_t i = 0; i < labels_.size(); ++i) {
    out += i ? ',' : '{';
    out += labels_[i];
    out += "=\"";
    out += escape(values[i]);
    out += '"';
  }
  return out;
}

void family_base::render_header(std::string& out) const {
  out += "# HELP " + name_ + ' ' + escape(help_, true) + '\n';
  out += "# TYPE " + name_ + ' ' + type_ + '\n';
}

family::family(std::string name, std::string help, std::string type, std::vector<std::string> labels, registry& r)
    : family_base(r, std::move(name), std::move(help), std::move(type), std::move(labels)) {
  assert(type_ == "counter" || type_ == "gauge");
  assert(type_ != "counter" || name_.ends_with("_total"));
}

cell& family::with(label_values values) {
  auto key = checked(values);
  std::lock_guard lock(mutex_);
  auto& c = series_[std::move(key)];
  if (!c) c = std::make_unique<cell>();
  return *c;
}

double family::value(label_values values) const {
  auto key = checked(values);
  std::lock_guard lock(mutex_);
  auto it = series_.find(key);
  return it == series_.end() ? 0 : it->second->value();
}

double family::sum() const {
  std::lock_guard lock(mutex_);
  double total = 0;
  for (const auto& [k, c] : series_) total += c->value();
  return total;
}

void family::render(std::string& out) const {
  std::lock_guard lock(mutex_);
  for (const auto& [values, c] : series_) {
    out += name_;
    if (!labels_.empty()) out += label_text(values) + '}';
    out += ' ';
    out += format_value(c->value());
    out += '\n';
  }
}

histogram::histogram(std::string name, std::string help, std::vector<double> bounds, std::vector<std::string> labels,
                     registry& r)
    : family_base(r, std::move(name), std::move(help), "histogram", std::move(labels)), bounds_(std::move(bounds)) {
  assert(std::is_sorted(bounds_.begin(), bounds_.end()));
}

void histogram::observe(label_values values, double v) {
  auto key = checked(values);
  const auto bucket = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin());
  std::lock_guard lock(mutex_);
  auto& s = series_[std::move(key)];
  if (s.buckets.empty()) s.buckets.resize(bounds_.size() + 1);
  ++s.buckets[bucket];
  s.sum += v;
  ++s.count;
}

void histogram::render(std::string& out) const {
  std::lock_guard lock(mutex_);
  for (const auto& [values, s] : series_) {
    const auto labels = label_text(values);
    const auto open = labels.empty() ? std::string("{") : labels + ',';
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
      cumulative += s.buckets[i];
      out += name_ + "_bucket" + open + "le=\"" + (i < bounds_.size() ? format_value(bounds_[i]) : "+Inf") + "\"} " +
             std::to_string(cumulative) + '\n';
    }
    const auto closed = labels.empty() ? std::string() : labels + '}';
    out += name_ + "_sum" + closed + ' ' + format_value(s.sum) + '\n';
    out += name_ + "_count" + closed + ' ' + std::to_string(s.count) + '\n';
  }
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  assert(ec == std::errc());
  return std::string(buf, end);
}

std::string escape(std::string_view text, bool help) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '"' && !help) out += "\\\"";
    else out += c;
  }
  return out;
}

result<void> write_textfile(const registry& r, const std::string& path) {
  const auto text = r.render();
  // The collector reads only *.prom files, so a temporary name that does not end in .prom is
  // never read half-written, even before the rename.
  const auto tmp = path + ".tmp." + std::to_string(::getpid());
  auto fail = [&](const char* step) -> result<void> {
    const int e = errno;
    ::unlink(tmp.c_str());
    return error{make_error_code(errc::unreadable_file),
                 std::string("cannot write the metrics file ") + path + " (" + step + "): " + std::strerror(e)};
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail("create");
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return fail("write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    return fail("fsync");
  }
  if (::close(fd) != 0) return fail("close");
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("rename");
  return {};
}

} // namespace secexport::metrics

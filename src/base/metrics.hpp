// Metrics in the Prometheus text exposition format (version 0.0.4): counters, gauges and
// histograms with labels, kept in a registry that renders them for a scrape of /metrics
// (`daemon --metrics-listen`) or a node_exporter textfile (`run --metrics-file`).
//
// Families are usually namespace-scope objects of the layer that counts (io counts retries,
// s3 the parts in flight, the job the exports), registered in the process registry when
// they are constructed. A series (one set of label values) is created at zero on first use
// and lives as long as its family: callers may keep the reference `with()` returns and
// update it without a lookup, so a hot path pays one relaxed atomic operation.
//
// Thread-safe: any thread may update any series while another renders.
#pragma once

#include "base/error.hpp"

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace secexport::metrics {

class family_base;

/// A set of metric families, rendered sorted by name.
class registry {
public:
  registry() = default;
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  /// Every family, in the text exposition format (ends with a newline).
  [[nodiscard]] std::string render() const;

private:
  friend class family_base;
  void add(family_base* f);
  void remove(family_base* f) noexcept;
  mutable std::mutex mutex_;
  std::vector<family_base*> families_;
};

/// The registry secexport's own families register in.
[[nodiscard]] registry& process_registry();

/// One series of a counter or gauge.
class cell {
public:
  void add(double v) noexcept { value_.fetch_add(v, std::memory_order_relaxed); }
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  /// Keeps the larger of the current value and `v`.
  void set_max(double v) noexcept;
  [[nodiscard]] double value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<double> value_{0};
};

using label_values = std::initializer_list<std::string_view>;

class family_base {
public:
  family_base(const family_base&) = delete;
  family_base& operator=(const family_base&) = delete;
  virtual ~family_base();
  [[nodiscard]] const std::string& name() const noexcept { return name_; }

protected:
  /// `name` must match [a-zA-Z_:][a-zA-Z0-9_:]* and label names [a-zA-Z_][a-zA-Z0-9_]*
  /// (asserted: they are fixed in the code, never input).
  family_base(registry& r, std::string name, std::string help, std::string type, std::vector<std::string> labels);
  /// `{a="x",b="y"` for these values (no closing brace, so a histogram can add `le`).
  [[nodiscard]] std::string label_text(const std::vector<std::string>& values) const;
  [[nodiscard]] std::vector<std::string> checked(label_values values) const;
  void render_header(std::string& out) const;
  virtual void render(std::string& out) const = 0;
  friend class registry;

  registry& registry_;
  std::string name_, help_, type_;
  std::vector<std::string> labels_;
  mutable std::mutex mutex_;
};

/// Counters (`type` "counter": names end in _total) and gauges ("gauge").
class family final : public family_base {
public:
  family(std::string name, std::string help, std::string type, std::vector<std::string> labels = {},
         registry& r = process_registry());
  /// The series for `values` (one per label name, in order), created at zero.
  [[nodiscard]] cell& with(label_values values = {});
  /// The value of a series, 0 if it does not exist (tests, the progress line).
  [[nodiscard]] double value(label_values values = {}) const;
  /// The sum over every series.
  [[nodiscard]] double sum() const;

private:
  void render(std::string& out) const override;
  std::map<std::vector<std::string>, std::unique_ptr<cell>> series_;
};

/// A histogram: cumulative buckets with upper bounds `bounds` (ascending) plus +Inf, a sum
/// and a count.
class histogram final : public family_base {
public:
  histogram(std::string name, std::string help, std::vector<double> bounds, std::vector<std::string> labels = {},
            registry& r = process_registry());
  void observe(label_values values, double v);

private:
  struct series {
    std::vector<std::uint64_t> buckets; // not cumulative; the last is +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };
  void render(std::string& out) const override;
  std::vector<double> bounds_;
  std::map<std::vector<std::string>, series> series_;
};

/// A sample value as the format writes it: shortest round trip, NaN, +Inf, -Inf.
[[nodiscard]] std::string format_value(double v);
/// A label value (or HELP text, `help` true) escaped for the format.
[[nodiscard]] std::string escape(std::string_view text, bool help = false);

/// Writes `r` into `path` for node_exporter's textfile collector: a temporary file in the same
/// directory, flushed, then renamed over `path`, so a scrape never reads half a file. Returns
/// an error naming the path.
[[nodiscard]] result<void> write_textfile(const registry& r, const std::string& path);

} // namespace secexport::metrics

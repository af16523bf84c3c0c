#include "export/report_writer.hpp"

namespace secexport::exporter {

namespace {
constexpr std::size_t large_row = 1u << 20;
} // namespace

template <class Out>
report_writer<Out>::report_writer(Out& out, csv::row_encoder_options options, source::event_order& order)
    : out_(out), encoder_(options), order_(order) {}

template <class Out> bool report_writer<Out>::write_header() { return out_.write(csv::report_header); }

template <class Out> bool report_writer<Out>::write(const source::page& p) {
  for (const auto& e : p.events) {
    auto verdict = order_.admit(e, p);
    if (verdict == source::event_verdict::out_of_order) {
      const auto& last = *order_.last();
      throw source::source_error(source::errc::out_of_order, "the event source broke its order: event " + std::string(e.id) + " at " +
                             format_rfc3339(e.created_at) + " came after event " + last.id + " at " +
                             format_rfc3339(last.time) + " (page at cursor '" + p.cursor + "', " +
                             format_rfc3339(p.request_start) + ".." + format_rfc3339(p.request_end) + ")");
    }
    if (verdict != source::event_verdict::keep) continue;
    const auto need = csv::row_encoder::max_row_size(e);
    auto window = out_.window(need);
    if (window.size() >= need) {
      out_.commit(encoder_.encode(e, window.data()));
    } else {
      if (window.empty()) return false; // the upload failed; it says why
      if (scratch_.size() < need) scratch_.resize(need);
      auto n = encoder_.encode(e, scratch_.data());
      if (!out_.write({scratch_.data(), n})) return false;
      if (scratch_.size() > large_row) { // an unusually large event: its memory goes with it
        scratch_.clear();
        scratch_.shrink_to_fit();
        encoder_.trim(large_row);
      }
    }
    ++rows_;
  }
  return true;
}

template class report_writer<s3::part_writer>;
template class report_writer<compressing_writer>;

} // namespace secexport::exporter

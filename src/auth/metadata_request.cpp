#include "auth/metadata_request.hpp"

namespace secexport::auth {

namespace net = boost::asio;

io::http_options metadata_http_options() {
  io::http_options o;
  o.timeouts.connect = std::chrono::seconds(1);
  o.timeouts.handshake = std::chrono::seconds(1);
  o.timeouts.response = std::chrono::seconds(2);
  o.timeouts.idle = std::chrono::seconds(2);
  o.max_response_body = 64 << 10;
  return o;
}

net::awaitable<io::http_result> send_metadata_request(io::http_client& http, aws_context& context,
                                                      const io::http_request& request, std::string_view what) {
  io::http_result r;
  auto attempt = [&](unsigned) -> net::awaitable<io::attempt_report> {
    r = co_await http.send(request);
    io::attempt_report report;
    report.outcome.transport = r.error;
    report.outcome.stale_connection = r.stale_connection;
    report.outcome.status = r.error ? 0u : r.response.status;
    report.description = r.error ? r.describe_error(http.target()) : "HTTP " + std::to_string(r.response.status);
    co_return report;
  };
  static const io::backoff_policy policy{std::chrono::milliseconds(100), std::chrono::milliseconds(500), 3};
  const io::retry_scope scope{policy, http.budget(), context.retry_clock(), nullptr, what, request.target};
  co_await io::retry(scope, attempt);
  co_return r;
}

} // namespace secexport::auth

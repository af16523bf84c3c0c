// `daemon --metrics-listen ADDR`: /metrics (the process's metrics in the Prometheus text
// format) and /healthz over plain HTTP, served by io::http_server on a thread of its own, so
// a scrape is answered whatever the daily job is doing.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <string>

namespace secexport::cli {

class metrics_endpoint {
public:
  /// Binds `address` ("ADDR:PORT", ":PORT") now: a bad or busy address throws a failure
  /// naming it. Serves until destroyed.
  explicit metrics_endpoint(const std::string& address);
  ~metrics_endpoint();
  metrics_endpoint(const metrics_endpoint&) = delete;
  metrics_endpoint& operator=(const metrics_endpoint&) = delete;

  [[nodiscard]] boost::asio::ip::tcp::endpoint local_endpoint() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace secexport::cli

#include "job/shutdown.hpp"

#include "base/log.hpp"

#include <csignal>

namespace secexport::job {

using namespace std::chrono;

shutdown_handler::shutdown_handler(boost::asio::io_context& main, stop_scope& scope, duration<double> grace,
                                   bool watch_signals)
    : signals_(main), grace_timer_(main), scope_(scope), grace_(grace) {
  if (!watch_signals) return;
  signals_.add(SIGINT);
  signals_.add(SIGTERM);
  arm();
}

void shutdown_handler::arm() {
  signals_.async_wait([this](boost::system::error_code ec, int sig) {
    if (ec) return;
    const std::string reason = sig == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)";
    if (!signal_) signal_ = sig;
    if (!begun_) begin(reason);
    else cancel_now(reason);
    arm();
  });
}

void shutdown_handler::begin(const std::string& reason) {
  begun_ = true;
  log_warn("stopping: no new exports; exports in flight get the grace period",
           {{"signal", reason}, {"grace_seconds", grace_.count()}});
  scope_.stop();
  if (sleeping_) sleeping_->cancel();
  grace_timer_.expires_after(duration_cast<steady_clock::duration>(grace_));
  grace_timer_.async_wait([this, reason](boost::system::error_code ec) {
    if (!ec) scope_.cancel_all(reason + ", grace period over");
  });
}

void shutdown_handler::cancel_now(const std::string& reason) { scope_.cancel_all(reason); }

} // namespace secexport::job

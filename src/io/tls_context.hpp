// The TLS client context every connection shares: TLS 1.2 or newer, peer verification on,
// trust from the system store or from a CA bundle (`--ca-file`, `AWS_CA_BUNDLE`).
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace secexport::io {

struct tls_options {
  std::string ca_file;       // empty: the system's default trust store
  bool verify_peer = true;   // off only with --no-verify-ssl, loudly
};

/// Throws a `failure` (bad input) naming the file if the CA bundle cannot be loaded.
[[nodiscard]] std::shared_ptr<boost::asio::ssl::context> make_tls_context(const tls_options& options);

} // namespace secexport::io

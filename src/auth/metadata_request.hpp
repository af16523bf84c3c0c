// One request to a credentials service on the local network: the EC2 instance metadata
// service and the ECS / EKS Pod Identity container endpoint. Short deadlines (1 s to
// connect, 2 s per response by default), a small body limit, and one or two retries after a
// short pause through the retry engine (io/retry.hpp), since both services throttle and
// restart; the caller judges the final answer.
#pragma once

#include "auth/aws_client.hpp"
#include "io/http_client.hpp"

#include <boost/asio/awaitable.hpp>

#include <string_view>

namespace secexport::auth {

/// HTTP options for such a service: short deadlines, a 64 KiB body limit.
[[nodiscard]] io::http_options metadata_http_options();

/// Sends `request` (retrying transient failures up to 3 attempts); `what` names the service
/// in the retry log line. Returns the last attempt's result.
[[nodiscard]] boost::asio::awaitable<io::http_result>
send_metadata_request(io::http_client& http, aws_context& context, const io::http_request& request,
                      std::string_view what);

} // namespace secexport::auth

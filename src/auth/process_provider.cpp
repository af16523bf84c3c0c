#include "auth/process_provider.hpp"

#include "auth/credentials_json.hpp"
#include "base/log.hpp"
#include "io/child_process.hpp"

namespace secexport::auth {

namespace net = boost::asio;

std::optional<std::vector<std::string>> split_command_line(std::string_view command) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < command.size(); ++i) {
    const char c = command[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else if (c == '\'') {
      auto end = command.find('\'', i + 1);
      if (end == std::string_view::npos) return std::nullopt;
      word.append(command.substr(i + 1, end - i - 1));
      in_word = true;
      i = end;
    } else if (c == '"') {
      in_word = true;
      for (++i;; ++i) {
        if (i >= command.size()) return std::nullopt;
        const char d = command[i];
        if (d == '"') break;
        if (d == '\\' && i + 1 < command.size() && std::string_view("\\\"").find(command[i + 1]) != std::string_view::npos)
          word.push_back(command[++i]);
        else
          word.push_back(d);
      }
    } else if (c == '\\') {
      if (i + 1 >= command.size()) return std::nullopt;
      word.push_back(command[++i]);
      in_word = true;
    } else {
      word.push_back(c);
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

result<credentials> parse_process_output(std::string_view json) {
  auto bad = [](std::string what) -> result<credentials> { return error{errc::bad_response, std::move(what)}; };
  auto d = read_credentials_document(json);
  if (!d) return bad("its output is not a JSON object");
  if (!d->version) return bad("its output has no \"Version\" number (expected 1)");
  if (*d->version != 1) return bad("its output has \"Version\": " + std::to_string(*d->version) + " (only 1 is known)");
  if (!d->access_key_id || d->access_key_id->empty()) return bad("its output has no \"AccessKeyId\"");
  if (!d->secret_access_key || d->secret_access_key->empty()) return bad("its output has no \"SecretAccessKey\"");
  auto c = make_credentials(d->access_key_id, d->secret_access_key, d->session_token, d->expiration, false);
  if (!c) return bad("its \"Expiration\" is not an RFC 3339 time");
  return std::move(*c);
}

namespace {

class process_provider final : public refreshing_provider {
public:
  process_provider(aws_context& context, process_spec spec, std::vector<std::string> argv, process_limits limits,
                   std::function<sys_s()> clock, std::chrono::seconds window)
      : refreshing_provider(context.executor(), std::move(clock), window), spec_(std::move(spec)),
        argv_(std::move(argv)), limits_(limits) {}

  std::string describe() const override {
    return "credential_process of profile '" + spec_.profile + "' (" + argv_.front() + ")";
  }

protected:
  net::awaitable<credentials> fetch() override {
    auto run = co_await io::run_process(argv_, limits_.max_output, limits_.timeout);
    if (!run.succeeded()) fail(argv_.front() + " " + run.describe(limits_.timeout, limits_.max_output));
    auto c = parse_process_output(run.output);
    if (!c) fail(argv_.front() + " ran, but " + c.error().message);
    c->source = describe();
    log_fetched(c->expiration);
    co_return std::move(*c);
  }

private:
  void log_fetched(const std::optional<sys_s>& expires) const {
    log_info("credential_process credentials", {{"profile", spec_.profile},
                                                {"expires", expires ? format_rfc3339(*expires) : "never"}});
  }

  [[noreturn]] void fail(const std::string& why) const {
    aws_error e;
    e.transport = why;
    e.code = make_error_code(errc::no_credentials);
    throw aws_call_error("credential_process of profile '" + spec_.profile + "' gave no credentials: " + why, e);
  }

  process_spec spec_;
  std::vector<std::string> argv_;
  process_limits limits_;
};

} // namespace

std::shared_ptr<refreshing_provider> process_credentials(aws_context& context, process_spec spec,
                                                         refresh_options options, process_limits limits) {
  auto argv = split_command_line(spec.command);
  if (!argv || argv->empty())
    throw config_error("credential_process of profile '" + spec.profile +
                       "' is empty or has an unclosed quote or a trailing backslash");
  return std::make_shared<process_provider>(context, std::move(spec), std::move(*argv), limits,
                                            refresh_clock(context, options), options.window);
}

} // namespace secexport::auth

#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "bot/config.hpp"

namespace tcns::bot {

class WebhookService;

/// The listening socket of `tcns serve`: one event-loop thread (libevent) owns every client
/// connection. Signed webhooks (POST /webhook/viber, /webhook/zalo with a Content-Length) are
/// verified and parsed on that thread and handed to the write queue without waiting: their
/// answers go out when the group commit that holds them is done, so one thread serves any
/// number of platform connections and a month-end burst costs no thread switch per request.
/// Every other request (health, metrics, admin, exports, and webhooks this fast path does not
/// take: chunked bodies, `Expect`, HTTP/1.0, a query string, an oversized or malformed head)
/// turns its connection into a byte pipe to the full cpp-httplib server on a loopback port, for
/// the rest of that connection's life, so those requests behave exactly as before.
class HttpFront {
  public:
    struct Options {
        std::string listen = "127.0.0.1";
        int port = 0;            ///< 0: any free port
        int backend_port = 0;    ///< the cpp-httplib server on 127.0.0.1
        int read_timeout_s = 5;  ///< a request must arrive whole within this; idle keep-alive too
        int write_timeout_s = 5;
        std::size_t max_body_bytes = 64 * 1024;
        std::size_t max_connections = 10000;
        int keep_alive_max = 1000;  ///< requests per connection, as the full server
    };

    /// `webhooks` may be null (no channel): then every connection is piped.
    /// `on_queued` runs on the loop thread after a commit that stored webhooks.
    HttpFront(Options options, const Config& config, WebhookService* webhooks,
              std::function<void()> on_queued);
    ~HttpFront();
    HttpFront(const HttpFront&) = delete;
    HttpFront& operator=(const HttpFront&) = delete;

    /// Binds the listening socket; throws std::runtime_error when it cannot. Returns the port.
    int bind();
    /// Runs the event loop until stop(). bind() must have succeeded.
    void run();
    /// From any thread, also before run() started.
    void stop();

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace tcns::bot

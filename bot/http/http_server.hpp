#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bot/http/http_types.hpp"

namespace tcns::bot {

/// Answers a request exactly once, from any thread. A Responder dropped without answering
/// answers 500 (the last-resort handler: every path writes an explicit status).
class Responder {
  public:
    struct State;
    explicit Responder(std::shared_ptr<State> state) : state_(std::move(state)) {}
    void operator()(HttpResponse response) const;

  private:
    std::shared_ptr<State> state_;
};

/// Where a route's handler runs: on the connection's network thread (quick, no disk: it must
/// not block), or on the handler pool (database reads, templates, export set-up).
enum class RouteRuns { kNetwork, kPool };

/// One entry of the route table. Handlers take the request and answer through the Responder,
/// at once or later (a webhook answers after its group commit, from the writer thread).
struct HttpRoute {
    std::string method;  ///< GET routes also answer HEAD
    std::string path;    ///< exact, or an ECMAScript regex (matched whole) when `regex`
    bool regex = false;
    std::size_t body_limit = 0;  ///< bytes, with Content-Length or chunked alike
    RouteRuns runs = RouteRuns::kPool;
    std::function<void(HttpRequest&, Responder)> handler;
};

/// A route whose handler is a plain function from request to response.
HttpRoute plain_route(std::string method, std::string path, std::size_t body_limit, RouteRuns runs,
                      std::function<HttpResponse(const HttpRequest&)> fn, bool regex = false);

/// The one HTTP/1.1 server of the public port, on Boost.Beast's strict parser. Each request is
/// parsed once: its head within `max_header_bytes`/`max_header_fields` (431), then its body
/// within the matched route's limit (413, checked against Content-Length before any byte of the
/// body is read, and while reading a chunked body). RFC 9112 framing errors (Content-Length
/// with Transfer-Encoding, differing or repeated Content-Length, a Transfer-Encoding not ending
/// in chunked, bare LF line ends) and a body on GET/HEAD are answered 400 and the connection is
/// closed. A request must arrive whole within `request_timeout_s` from its first byte (408);
/// an idle keep-alive connection is closed after `idle_timeout_s`. Requests of one connection
/// are answered one after the other, so pipelined requests are answered in order.
class HttpServer {
  public:
    struct Options {
        std::string listen = "127.0.0.1";
        int port = 0;  ///< 0: any free port
        int io_threads = 2;
        int pool_threads = 4;
        std::size_t max_header_bytes = 8 * 1024;
        std::size_t max_header_fields = 64;
        int request_timeout_s = 10;
        int idle_timeout_s = 5;
        int write_timeout_s = 10;
        std::size_t max_connections = 1024;
        int keep_alive_max = 1000;  ///< requests per connection
        /// Peers whose X-Forwarded-For names the client (its last entry): the reverse proxy.
        std::vector<std::string> trusted_proxies;
        std::size_t max_streams = 8;  ///< streamed responses (exports) at once; more get 503
    };

    HttpServer(Options options, std::vector<HttpRoute> routes);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// Binds the listening socket; throws std::runtime_error when it cannot. Returns the port.
    int bind();
    /// Serves until stop(). bind() must have succeeded.
    void run();
    /// From any thread, also before run() started.
    void stop();

    struct Impl;

  private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace tcns::bot

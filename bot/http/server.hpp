#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include <vector>
#include "bot/config.hpp"
#include "bot/http/http_server.hpp"

namespace tcns::bot {

class WebhookService;

/// Every route of the public port, in one table (server.cpp): method, path, body limit, where
/// the handler runs, and the handler. Add a route here.
std::vector<HttpRoute> make_routes(const Config& config, WebhookService* webhooks,
                                   std::function<void()> on_queued);

/// The HTTP side of `tcns serve`: one HttpServer (Boost.Beast) on the configured address with
/// the routes of make_routes() and the limits of the config's "server" section.
/// Background threads (dispatcher, scheduler) are owned by the caller of run().
class Server {
  public:
    explicit Server(Config config);
    /// With webhooks: POST /webhook/<channel> for enabled channels, applied through `webhooks`;
    /// `on_queued` runs after a webhook's replies were committed (wakes the dispatcher).
    Server(Config config, WebhookService* webhooks, std::function<void()> on_queued);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Binds the listening socket; port 0 picks a free port. Returns the bound port.
    int bind();
    /// Serves until stop() is called. bind() must have succeeded.
    void run();
    void stop();
    int port() const { return port_; }
    const Config& config() const { return config_; }

  private:
    Config config_;
    std::unique_ptr<HttpServer> http_;
    int port_ = 0;
};

}  // namespace tcns::bot

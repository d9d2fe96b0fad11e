#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "bot/config.hpp"

namespace httplib {
class Server;
}

namespace tcns::bot {

class WebhookService;
class HttpFront;

/// The HTTP side of `tcns serve`: the event-loop front (HttpFront) on the configured address,
/// which answers signed webhooks itself, and behind it on a loopback port the cpp-httplib
/// server with every route, limit and the last-resort exception handler.
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
    void install_routes();

    Config config_;
    WebhookService* webhooks_ = nullptr;
    std::function<void()> on_queued_;
    std::unique_ptr<httplib::Server> http_;
    std::unique_ptr<HttpFront> front_;
    int port_ = 0;
    int backend_port_ = 0;
};

}  // namespace tcns::bot

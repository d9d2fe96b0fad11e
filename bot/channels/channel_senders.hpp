#pragma once

#include <memory>
#include <string>

#include "adapters/common/webhook.hpp"
#include "bot/channels/http_client.hpp"
#include "bot/channels/zalo_tokens.hpp"
#include "bot/jobs/dispatcher.hpp"

namespace tcns::bot {

/// Sends outbox rows through Viber's send_message (quick replies as a keyboard).
class ViberSender : public ChannelSender {
  public:
    ViberSender(std::string api_base, std::string token, std::string sender_name,
                std::string sender_avatar, HttpClient& http, double rate = 0)
        : rate_(rate),
          api_base_(std::move(api_base)),
          token_(std::move(token)),
          name_(std::move(sender_name)),
          avatar_(std::move(sender_avatar)),
          http_(http) {}
    std::string channel() const override { return "viber"; }
    SendResult send(const storage::OutboxRow& row) override;
    double rate_per_second() const override { return rate_; }

  private:
    double rate_;
    std::string api_base_, token_, name_, avatar_;
    HttpClient& http_;
};

/// Sends outbox rows through Zalo's /v3.0/oa/message/cs (quick replies as oa.query.show
/// buttons); a refused token is refreshed once and the send retried once.
class ZaloSender : public ChannelSender {
  public:
    ZaloSender(std::string api_base, ZaloTokenManager& tokens, HttpClient& http, double rate = 0)
        : rate_(rate), api_base_(std::move(api_base)), tokens_(tokens), http_(http) {}
    std::string channel() const override { return "zalo"; }
    SendResult send(const storage::OutboxRow& row) override;
    double rate_per_second() const override { return rate_; }

  private:
    double rate_;
    std::string api_base_;
    ZaloTokenManager& tokens_;
    HttpClient& http_;
};

/// Sends outbox rows through the Zalo Bot Platform's sendMessage (options written out as text).
/// The bot token is part of the request path, so no path is ever logged.
class ZaloBotSender : public ChannelSender {
  public:
    ZaloBotSender(std::string api_base, std::string token, HttpClient& http, double rate = 0)
        : rate_(rate), api_base_(std::move(api_base)), token_(std::move(token)), http_(http) {}
    std::string channel() const override { return "zalo-bot"; }
    SendResult send(const storage::OutboxRow& row) override;
    double rate_per_second() const override { return rate_; }

  private:
    double rate_;
    std::string api_base_, token_;
    HttpClient& http_;
};

/// Maps an adapter's classification to the dispatcher's (a token outcome that survives the
/// one refresh-and-retry is retried later with backoff, so an admin can fix the token).
SendResult to_send_result(const adapters::SendOutcome& o);

}  // namespace tcns::bot

#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/conversation.hpp"
#include "core/org.hpp"
#include "core/time.hpp"

namespace tcns::storage {

/// A chat account on one channel, possibly linked to a person.
struct ChatAccount {
    core::AccountId id = 0;
    std::string channel;
    std::string user_id;
    std::optional<core::PersonId> person;
    bool subscribed = true;
    std::optional<core::Instant> last_inbound;  ///< when the person last wrote from it
    bool unreachable = false;                   ///< a platform refused it since then
};

/// What the conversation needs to know about a person from the roster.
struct PersonFacts {
    std::string name;
    std::vector<core::TeamFacts> teams;  ///< ids, codes, names, units and roles only
    bool official = false;
};

/// Facts the writer reads for every webhook, kept between webhooks on the writer's connection
/// only (Database::enable_facts_cache): roster facts, which only other connections change
/// (`tcns import`, `tcns admin`), and the chat accounts, conversation states and teams' period
/// facts, which the writer itself changes through the repositories that keep them in step. The
/// cache is dropped whenever SQLite's data_version says another connection committed (checked at
/// the start of every write transaction, when no other connection can commit), and when a
/// transaction rolls back. Bounded: a map is dropped when full.
class FactsCache {
  public:
    static constexpr std::size_t kMaxEntries = 100'000;
    /// States and team facts are about 1 KB each (tests/bench: 62 MB peak RSS against 21 MB
    /// without them, 20,000 leaders): at most about 40 MB, however large the roster.
    static constexpr std::size_t kMaxConversations = 20'000;

    const PersonFacts* person(core::PersonId id) const {
        const auto it = people_.find(id);
        return it == people_.end() ? nullptr : &it->second;
    }
    void put_person(core::PersonId id, PersonFacts facts) {
        if (people_.size() >= kMaxEntries) people_.clear();
        people_.insert_or_assign(id, std::move(facts));
    }
    /// A period's deadline extension: outer empty when not cached, inner empty when none.
    std::optional<std::optional<core::Instant>> extension(const std::string& period) const {
        const auto it = extensions_.find(period);
        if (it == extensions_.end()) return std::nullopt;
        return it->second;
    }
    void put_extension(const std::string& period, std::optional<core::Instant> at) {
        if (extensions_.size() >= kMaxEntries) extensions_.clear();
        extensions_.insert_or_assign(period, at);
    }

    /// A team's facts for a period (ReportRepo::fill_team_facts: the submission, last month's
    /// values, targets and the shared draft), without the team's identity and role. The writer
    /// writes drafts and submissions itself: DraftRepo keeps the cached draft in step
    /// (write-through) and ReportRepo::submit drops the team's entries it changes.
    const core::TeamFacts* team(core::TeamId id, const std::string& period) const {
        const auto it = teams_.find(TeamKey{id, period});
        return it == teams_.end() ? nullptr : &it->second;
    }
    core::TeamFacts* team_mut(core::TeamId id, const std::string& period) {
        const auto it = teams_.find(TeamKey{id, period});
        return it == teams_.end() ? nullptr : &it->second;
    }
    void put_team(core::TeamId id, const std::string& period, core::TeamFacts facts) {
        if (teams_.size() >= kMaxConversations) teams_.clear();
        teams_.insert_or_assign(TeamKey{id, period}, std::move(facts));
    }
    void drop_team(core::TeamId id, const std::string& period) {
        teams_.erase(TeamKey{id, period});
    }

    /// A conversation's state as last read or written on this connection (the writer is the
    /// only one to write conversations; another connection's commit drops the cache).
    const core::ConversationState* state(core::AccountId account) const {
        const auto it = states_.find(account);
        return it == states_.end() ? nullptr : &it->second;
    }
    void put_state(core::AccountId account, core::ConversationState state) {
        if (states_.size() >= kMaxConversations) states_.clear();
        states_.insert_or_assign(account, std::move(state));
    }

    /// A chat account by channel and platform user id, as last read or written on this
    /// connection. ChatAccountRepo keeps it in step; the dispatcher marks accounts unreachable
    /// on its own connection, whose commit drops the cache.
    const ChatAccount* account(const std::string& channel, const std::string& user_id) const {
        const auto it = accounts_.find(account_key(channel, user_id));
        return it == accounts_.end() ? nullptr : &it->second;
    }
    ChatAccount* account_mut(core::AccountId id) {
        const auto key = account_keys_.find(id);
        if (key == account_keys_.end()) return nullptr;
        const auto it = accounts_.find(key->second);
        return it == accounts_.end() ? nullptr : &it->second;
    }
    void put_account(const ChatAccount& a) {
        if (accounts_.size() >= kMaxEntries) drop_accounts();
        std::string key = account_key(a.channel, a.user_id);
        account_keys_.insert_or_assign(a.id, key);
        accounts_.insert_or_assign(std::move(key), a);
    }
    void drop_accounts() {
        accounts_.clear();
        account_keys_.clear();
    }

    void clear() {
        drop_accounts();
        people_.clear();
        extensions_.clear();
        teams_.clear();
        states_.clear();
    }
    std::size_t size() const {
        return accounts_.size() + people_.size() + extensions_.size() + teams_.size() +
               states_.size();
    }

  private:
    static std::string account_key(const std::string& channel, const std::string& user_id) {
        std::string key;
        key.reserve(channel.size() + 1 + user_id.size());
        key += channel;
        key += '\n';  // in neither a channel name nor a platform user id
        key += user_id;
        return key;
    }

    struct TeamKey {
        core::TeamId team;
        std::string period;
        bool operator==(const TeamKey&) const = default;
    };
    struct TeamKeyHash {
        std::size_t operator()(const TeamKey& k) const noexcept {
            return std::hash<std::string>{}(k.period) ^ (std::hash<core::TeamId>{}(k.team) * 31);
        }
    };
    std::unordered_map<std::string, ChatAccount> accounts_;
    std::unordered_map<core::AccountId, std::string> account_keys_;
    std::unordered_map<core::PersonId, PersonFacts> people_;
    std::unordered_map<std::string, std::optional<core::Instant>> extensions_;
    std::unordered_map<TeamKey, core::TeamFacts, TeamKeyHash> teams_;
    std::unordered_map<core::AccountId, core::ConversationState> states_;
};

}  // namespace tcns::storage

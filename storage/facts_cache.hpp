#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/conversation.hpp"
#include "core/org.hpp"
#include "core/time.hpp"

namespace tcns::storage {

/// What the conversation needs to know about a person from the roster.
struct PersonFacts {
    std::string name;
    std::vector<core::TeamFacts> teams;  ///< ids, codes, names, units and roles only
    bool official = false;
};

/// Roster facts the writer reads for every webhook, kept between webhooks on the writer's
/// connection only (Database::enable_facts_cache). Only other processes change them (`tcns
/// import`, `tcns admin`): the cache is dropped whenever SQLite's data_version says another
/// connection committed (checked at the start of every write transaction, when no other
/// connection can commit), and when a transaction rolls back. Bounded: dropped when full.
class FactsCache {
  public:
    static constexpr std::size_t kMaxEntries = 100'000;

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
    void clear() {
        people_.clear();
        extensions_.clear();
    }
    std::size_t size() const { return people_.size() + extensions_.size(); }

  private:
    std::unordered_map<core::PersonId, PersonFacts> people_;
    std::unordered_map<std::string, std::optional<core::Instant>> extensions_;
};

}  // namespace tcns::storage

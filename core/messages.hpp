#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.hpp"

namespace tcns::core {

/// Named values substituted into a message template's {placeholders}.
using Params = std::vector<std::pair<std::string, std::string>>;

/// The bot's words, loaded from templates/messages.vi.json (DESIGN.md decision 4): a key names
/// each message; "{name}" placeholders are filled from Params.
class Messages {
  public:
    Messages() = default;
    explicit Messages(std::map<std::string, std::string> texts);

    /// The template filled in. An unknown key renders as "[key]" (load-time validation
    /// against required_message_keys() keeps that from reaching users); an unknown
    /// placeholder is left as written.
    std::string render(std::string_view key, const Params& params = {}) const;
    bool has(std::string_view key) const { return texts_.find(key) != texts_.end(); }
    /// Looked up by string_view (std::less<>): no key is copied to render a message.
    using Texts = std::map<std::string, std::string, std::less<>>;
    const Texts& all() const { return texts_; }

  private:
    Texts texts_;
};

/// Fills "{name}" placeholders in `tmpl`.
std::string fill_template(std::string_view tmpl, const Params& params);

/// The one wording of a deadline, from templates: "hết ngày 29/11/2026" ("deadline.end_of_day")
/// for a deadline at midnight (the plan's "before the 30th"), else "trước 17:00 ngày 02/12/2026"
/// ("deadline.at_time") for an extension to a time of day.
std::string deadline_words(Instant deadline, const Messages& messages);

/// Every key the conversation uses; a messages file missing one is refused at start-up.
const std::vector<std::string_view>& required_message_keys();

}  // namespace tcns::core

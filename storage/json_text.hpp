#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tcns::storage {

/// Writes JSON objects exactly as nlohmann::json::dump(-1, ' ', false, replace) would, without
/// building a DOM: the writer thread encodes a conversation state and an outbox message for
/// every webhook, and the DOM (a std::map per object) was a tenth of its time. Keys must be
/// added in ascending byte order (nlohmann's object order), which the tests check against
/// nlohmann itself.
class JsonObjectWriter {
  public:
    JsonObjectWriter() { out_.push_back('{'); }
    JsonObjectWriter& string(std::string_view key, std::string_view value);
    JsonObjectWriter& integer(std::string_view key, std::int64_t value);
    JsonObjectWriter& boolean(std::string_view key, bool value);
    /// `json` must already be valid JSON text (a nested object or array).
    JsonObjectWriter& raw(std::string_view key, std::string_view json);
    std::string finish() &&;

  private:
    void key(std::string_view k);
    std::string out_;
    bool first_ = true;
};

/// `s` as a JSON string literal (quotes included), as nlohmann writes it: UTF-8 kept as is,
/// control characters escaped, bytes that are not UTF-8 replaced by U+FFFD.
void append_json_string(std::string& out, std::string_view s);

}  // namespace tcns::storage

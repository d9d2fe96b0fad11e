#pragma once

// What the server-rendered pages (admin_page.cpp, web_page.cpp) share to fill their templates.

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/html.hpp"
#include "core/messages.hpp"

namespace tcns::bot {

/// Template parameters: `text` escapes, `html` inserts a fragment the page rendered itself.
class HtmlParams {
  public:
    HtmlParams& text(std::string name, std::string_view value) {
        params_.emplace_back(std::move(name), core::html_escape(value));
        return *this;
    }
    HtmlParams& html(std::string name, std::string fragment) {
        params_.emplace_back(std::move(name), std::move(fragment));
        return *this;
    }
    std::string fill(std::string_view tmpl) const { return core::fill_template(tmpl, params_); }

  private:
    core::Params params_;
};

/// The colour classes of the legend: 80 % and more good, 50 % and more fair, else poor.
inline std::string level_class(std::optional<double> pct) {
    if (!pct) return "poor";
    return *pct >= 80.0 ? "good" : *pct >= 50.0 ? "fair" : "poor";
}

}  // namespace tcns::bot

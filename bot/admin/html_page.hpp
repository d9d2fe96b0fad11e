#pragma once

// What the server-rendered pages (admin_page.cpp, web_page.cpp) share: their answers' headers
// and the filling of their templates.

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "bot/http/http_types.hpp"
#include "core/html.hpp"
#include "core/messages.hpp"

namespace tcns::bot {

/// Headers of every HTML page the server answers: never cached, never framed, no script at all.
inline HttpResponse html_reply(int status, std::string body) {
    HttpResponse res;
    res.status = status;
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                   "frame-ancestors 'none'; base-uri 'none'");
    res.set_content(std::move(body), "text/html; charset=utf-8");
    return res;
}

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

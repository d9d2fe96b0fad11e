#include "adapters/common/webhook.hpp"

namespace tcns::adapters {

std::string_view to_string(VerifyResult r) {
    switch (r) {
        case VerifyResult::kOk:
            return "ok";
        case VerifyResult::kMissing:
            return "missing";
        case VerifyResult::kBad:
            return "bad";
        case VerifyResult::kMalformedBody:
            return "malformed_body";
    }
    return "unknown";
}

std::string_view to_string(ParseError e) {
    switch (e) {
        case ParseError::kMalformedJson:
            return "malformed_json";
        case ParseError::kMissingField:
            return "missing_field";
    }
    return "unknown";
}

std::string_view to_string(SendOutcomeKind k) {
    switch (k) {
        case SendOutcomeKind::kSuccess:
            return "success";
        case SendOutcomeKind::kRetryable:
            return "retryable";
        case SendOutcomeKind::kTokenExpired:
            return "token_expired";
        case SendOutcomeKind::kUnreachable:
            return "unreachable";
        case SendOutcomeKind::kPermanent:
            return "permanent";
    }
    return "unknown";
}

}  // namespace tcns::adapters

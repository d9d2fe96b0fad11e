#pragma once

#include <string_view>
#include <vector>

namespace tcns::storage {

/// One forward-only schema step. Migrations are never edited once released: add a new one.
struct Migration {
    int version;
    std::string_view name;
    std::string_view sql;
};

/// Every migration this build knows, in ascending version order.
const std::vector<Migration>& migrations();

}  // namespace tcns::storage

#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <string>

#include "core/form.hpp"
#include "storage/database.hpp"

namespace tcns::test {

/// A small form: two counts, a disabled count, a choice and two text items (KK01 with
/// difficulty categories).
inline core::Form export_test_form() {
    core::Form f;
    f.id = "monthly-report";
    f.version = 3;
    f.title = "Báo cáo tháng";
    auto add = [&f](std::string code, std::string label, std::string unit, core::ItemType type,
                    bool enabled = true, std::vector<core::Choice> choices = {}) {
        core::FormItem i;
        i.code = std::move(code);
        i.label = std::move(label);
        i.unit = std::move(unit);
        i.type = type;
        i.enabled = enabled;
        i.choices = std::move(choices);
        f.items.push_back(std::move(i));
    };
    add("LH01", "Lượt hướng dẫn", "lượt", core::ItemType::kCount);
    add("HD02", "Hộ dùng DVC", "hộ", core::ItemType::kCount);
    add("XX99", "Chỉ tiêu cũ", "lượt", core::ItemType::kCount, false);
    add("CH01", "Có họp tổ", "", core::ItemType::kChoice, true, {{"yes", "Có"}, {"no", "Không"}});
    add("KK01", "Khó khăn", "", core::ItemType::kText, true,
        {{"network", "Mạng yếu"}, {"devices", "Thiếu thiết bị"}});
    add("DX01", "Đề xuất", "", core::ItemType::kText);
    return f;
}

/// Seeds a tiny province: Đồng Nai (75) > Xã Long Hưng (100) > Ấp 1, Ấp 2; > Phường Trảng Dài
/// (200) > Khu phố 1 with T3 and the dissolved T4. November 2026: T1 on time (revision 2), T2
/// late, T3 missing. October 2026: T1 on time, T3 late. Targets: T1 and Xã Long Hưng monthly
/// (and a yearly one the monthly ones override), Phường Trảng Dài yearly only. Times are UTC
/// epoch seconds.
inline void seed_export_fixture(storage::Database& db) {
    db.handle().exec(R"sql(
INSERT INTO units(id, code, name, type, level, parent_id) VALUES
  (1, '75', 'Tỉnh Đồng Nai', 'Tỉnh', 'province', NULL),
  (2, '100', 'Xã Long Hưng', 'Xã', 'commune', 1),
  (3, '200', 'Phường Trảng Dài', 'Phường', 'commune', 1),
  (4, '100-01', 'Ấp 1', 'Ấp', 'hamlet', 2),
  (5, '100-02', 'Ấp 2', 'Ấp', 'hamlet', 2),
  (6, '200-01', 'Khu phố 1', 'Khu phố', 'hamlet', 3);
INSERT INTO teams(id, code, unit_id, name, active) VALUES
  (1, 'T1', 4, 'Tổ CNS Ấp 1', 1),
  (2, 'T2', 5, 'Tổ CNS Ấp 2', 1),
  (3, 'T3', 6, 'Tổ CNS Khu phố 1', 1),
  (4, 'T4', 6, 'Tổ cũ', 0);
INSERT INTO people(id, phone, full_name) VALUES
  (1, '84912345678', 'Nguyễn Thị Ánh Tuyết'),
  (2, '84912000002', 'Trần Văn Bình'),
  (3, '84912000003', 'Lê Văn Cường'),
  (4, '84912000004', '=Phạm Hack');
INSERT INTO roles(person_id, role, team_id, unit_id, title) VALUES
  (1, 'leader', 1, NULL, ''),
  (2, 'leader', 2, NULL, ''),
  (4, 'member', 3, NULL, ''),
  (3, 'official', NULL, 2, 'Phó Chủ tịch UBND xã');
INSERT INTO chat_accounts(id, channel, platform_user_id, person_id, created_at, linked_at) VALUES
  (1, 'zalo', 'z-1', 1, 1700000000, 1700000000),
  (2, 'viber', 'v-9', NULL, 1700000000, NULL);
INSERT INTO invite_codes(code, person_id, created_at, expires_at, used_at) VALUES
  ('USED22', 1, 1700000000, 1900000000, 1700000100),
  ('BINH23', 2, 1700000000, 1900000000, NULL),
  ('OLD234', 3, 1600000000, 1600086400, NULL);
-- 2026-11-20T08:00+07 = 1795136400; 2026-11-21T09:00+07 = 1795226400
-- 2026-11-30T10:00+07 = 1796007600; 2026-10-15T07:30+07 = 1792024200
-- 2026-10-30T12:00+07 = 1793336400
INSERT INTO reports(id, team_id, period, revision, form_id, form_version, submitted_at,
                    submitted_by, late) VALUES
  (1, 1, '2026-11', 1, 'monthly-report', 3, 1795136400, 1, 0),
  (2, 1, '2026-11', 2, 'monthly-report', 3, 1795226400, 1, 0),
  (3, 2, '2026-11', 1, 'monthly-report', 3, 1796007600, 2, 1),
  (4, 1, '2026-10', 1, 'monthly-report', 3, 1792024200, 1, 0),
  (5, 3, '2026-10', 1, 'monthly-report', 3, 1793336400, NULL, 1);
INSERT INTO report_values(report_id, item_code, value_int, value_text, choice) VALUES
  (1, 'LH01', 99, NULL, NULL),
  (2, 'LH01', 12, NULL, NULL),
  (2, 'HD02', 0, NULL, NULL),
  (2, 'XX99', 7, NULL, NULL),
  (2, 'CH01', NULL, NULL, 'yes'),
  (2, 'KK01', NULL, '=cmd|'' /C calc''!A0', 'network'),
  (2, 'DX01', NULL, 'Cần thêm máy, "gấp"', NULL),
  (3, 'LH01', 5, NULL, NULL),
  (4, 'LH01', 8, NULL, NULL),
  (4, 'HD02', 3, NULL, NULL),
  (5, 'LH01', 4, NULL, NULL);
INSERT INTO report_status(team_id, period, first_submitted_at, last_submitted_at,
                          latest_report_id, revision, late) VALUES
  (1, '2026-11', 1795136400, 1795226400, 2, 2, 0),
  (2, '2026-11', 1796007600, 1796007600, 3, 1, 1),
  (1, '2026-10', 1792024200, 1792024200, 4, 1, 0),
  (3, '2026-10', 1793336400, 1793336400, 5, 1, 1);
INSERT INTO difficulties(team_id, period, category, text, source, report_id, person_id,
                         created_at) VALUES
  (1, '2026-11', 'network', 'Sóng yếu ở ấp', 'chat', NULL, 1, 1795600000),
  (1, '2026-11', 'network', '=cmd|'' /C calc''!A0', 'form', 2, 1, 1795226400),
  (2, '2026-11', '', '@SUM(1)', 'chat', NULL, 2, 1796000000),
  (3, '2026-10', 'devices', 'Thiếu máy tính', 'chat', NULL, NULL, 1793000000);
INSERT INTO targets(unit_id, team_id, item_code, period, value) VALUES
  (NULL, 1, 'LH01', '2026-11', 10),
  (2, NULL, 'LH01', '2026-11', 20),
  (2, NULL, 'LH01', '2026-10', 10),
  (2, NULL, 'LH01', '2026', 200),
  (3, NULL, 'LH01', '2026', 120);
)sql");
}

}  // namespace tcns::test

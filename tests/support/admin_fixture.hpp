#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include "storage/database.hpp"

namespace tcns::test {

/// A hand-made province for the admin page: Tỉnh Đồng Nai (75) > Thành phố Biên Hòa (731) >
/// Xã Long Hưng (100: Ấp 1 with T01, Ấp 2 with T02 and T03) and Phường Trảng Dài (200: Khu phố 1
/// with T04 and T05); > Huyện Long Thành (732) > Xã An Phước (300: Ấp Bàu Cạn with T06, T08 and
/// the dissolved T07). October 2026: T01, T04, T05, T08 on time; T02 late (two revisions); T03
/// and T06 missing (T06's name is full of HTML). September 2026: only T01, on time.
///
/// By hand, October 2026:
///   commune   Xã Long Hưng      3 teams, 2 submitted, 1 on time, 1 late, 1 missing, 33,3%
///             Phường Trảng Dài  2, 2, 2, 0, 0, 100,0%
///             Xã An Phước       2, 1, 1, 0, 1, 50,0%
///   district  Thành phố Biên Hòa 5, 4, 3, 1, 1, 60,0%; Huyện Long Thành 2, 1, 1, 0, 1, 50,0%
///   total     7, 5, 4, 1, 2, 57,1%
///   missing   T03 (leader Lê Văn Cường, 0912000003), then T06 (no leader)
inline void seed_admin_fixture(storage::Database& db) {
    db.handle().exec(R"sql(
INSERT INTO units(id, code, name, type, level, parent_id) VALUES
  (1, '75', 'Tỉnh Đồng Nai', 'Tỉnh', 'province', NULL),
  (2, '731', 'Thành phố Biên Hòa', 'Thành phố', 'district', 1),
  (3, '732', 'Huyện Long Thành', 'Huyện', 'district', 1),
  (4, '100', 'Xã Long Hưng', 'Xã', 'commune', 2),
  (5, '200', 'Phường Trảng Dài', 'Phường', 'commune', 2),
  (6, '300', 'Xã An Phước', 'Xã', 'commune', 3),
  (7, '100-01', 'Ấp 1', 'Ấp', 'hamlet', 4),
  (8, '100-02', 'Ấp 2', 'Ấp', 'hamlet', 4),
  (9, '200-01', 'Khu phố 1', 'Khu phố', 'hamlet', 5),
  (10, '300-01', 'Ấp Bàu Cạn', 'Ấp', 'hamlet', 6);
INSERT INTO teams(id, code, unit_id, name, active) VALUES
  (1, 'T01', 7, 'Tổ CNS Ấp 1', 1),
  (2, 'T02', 8, 'Tổ CNS Ấp 2', 1),
  (3, 'T03', 8, 'Tổ CNS Ấp 2 (B)', 1),
  (4, 'T04', 9, 'Tổ CNS Khu phố 1', 1),
  (5, 'T05', 9, 'Tổ CNS Khu phố 1 (B)', 1),
  (6, 'T06', 10, 'Tổ <b>Bàu Cạn</b> & "Ấp"', 1),
  (7, 'T07', 10, 'Tổ đã giải thể', 0),
  (8, 'T08', 10, 'Tổ CNS Bàu Cạn', 1);
INSERT INTO people(id, phone, full_name) VALUES
  (1, '84912000001', 'Nguyễn Thị Ánh Tuyết'),
  (2, '84912000002', 'Trần Văn Bình'),
  (3, '84912000003', 'Lê Văn Cường');
INSERT INTO roles(person_id, role, team_id, unit_id, title) VALUES
  (1, 'leader', 1, NULL, ''),
  (2, 'leader', 2, NULL, ''),
  (3, 'leader', 3, NULL, '');
-- 2026-10-15T07:30+07 = 1792024200; 2026-10-30T12:00+07 = 1793336400;
-- 2026-10-31T08:00+07 = 1793408400; 2026-09-20T09:00+07 = 1789869600
INSERT INTO reports(id, team_id, period, revision, form_id, form_version, submitted_at, late)
VALUES
  (1, 1, '2026-10', 1, 'monthly-report', 1, 1792024200, 0),
  (2, 2, '2026-10', 1, 'monthly-report', 1, 1793336400, 1),
  (3, 2, '2026-10', 2, 'monthly-report', 1, 1793408400, 1),
  (4, 4, '2026-10', 1, 'monthly-report', 1, 1792024200, 0),
  (5, 5, '2026-10', 1, 'monthly-report', 1, 1792024200, 0),
  (6, 8, '2026-10', 1, 'monthly-report', 1, 1792024200, 0),
  (7, 1, '2026-09', 1, 'monthly-report', 1, 1789869600, 0);
INSERT INTO report_status(team_id, period, first_submitted_at, last_submitted_at,
                          latest_report_id, revision, late) VALUES
  (1, '2026-10', 1792024200, 1792024200, 1, 1, 0),
  (2, '2026-10', 1793336400, 1793408400, 3, 2, 1),
  (4, '2026-10', 1792024200, 1792024200, 4, 1, 0),
  (5, '2026-10', 1792024200, 1792024200, 5, 1, 0),
  (8, '2026-10', 1792024200, 1792024200, 6, 1, 0),
  (1, '2026-09', 1789869600, 1789869600, 7, 1, 0);
)sql");
}

}  // namespace tcns::test

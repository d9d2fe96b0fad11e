#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include "core/time.hpp"
#include "storage/database.hpp"

namespace tcns::test {

/// A small hand-made roster for conversation tests (invite codes valid until 2027):
///   Tỉnh Thử (P) → Xã An Bình (C) → Ấp 1 (H1), Ấp 2 (H2)
///   T1 "Tổ CNS Ấp 1": leader Nguyễn Văn An 0912000001, deputy Trần Thị Bình 0912000003,
///                      member Lê Văn Cường 0912000004
///   T2 "Tổ CNS Ấp 2": leader Phạm Thị Dung 0912000005, who is also deputy of T1
///   official Võ Văn Em 0912000002 of Xã An Bình
/// Invite codes: AN2345 (An, unused), CU7777 (Cường, unused), HET999 (Bình, expired),
///               DA8888 (Dung, already used), EM5555 (Em, unused).
inline void seed_small_roster(storage::Database& db) {
    auto& h = db.handle();
    h.exec(R"sql(
INSERT INTO units (id, code, name, type, level, parent_id) VALUES
  (1, 'P', 'Tỉnh Thử', 'Tỉnh', 'province', NULL),
  (2, 'C', 'Xã An Bình', 'Xã', 'commune', 1),
  (3, 'H1', 'Ấp 1', 'Ấp', 'hamlet', 2),
  (4, 'H2', 'Ấp 2', 'Ấp', 'hamlet', 2);
INSERT INTO teams (id, code, unit_id, name) VALUES
  (1, 'T1', 3, 'Tổ CNS Ấp 1'),
  (2, 'T2', 4, 'Tổ CNS Ấp 2');
INSERT INTO people (id, phone, full_name) VALUES
  (1, '84912000001', 'Nguyễn Văn An'),
  (2, '84912000002', 'Võ Văn Em'),
  (3, '84912000003', 'Trần Thị Bình'),
  (4, '84912000004', 'Lê Văn Cường'),
  (5, '84912000005', 'Phạm Thị Dung');
INSERT INTO roles (person_id, role, team_id, unit_id, title) VALUES
  (1, 'leader', 1, NULL, ''),
  (3, 'deputy', 1, NULL, ''),
  (4, 'member', 1, NULL, ''),
  (5, 'leader', 2, NULL, ''),
  (5, 'deputy', 1, NULL, ''),
  (2, 'official', NULL, 2, 'Phó Chủ tịch UBND xã');
INSERT INTO invite_codes (code, person_id, created_at, expires_at, used_at) VALUES
  ('AN2345', 1, 1760000000, 1830000000, NULL),
  ('CU7777', 4, 1760000000, 1830000000, NULL),
  ('HET999', 3, 1700000000, 1710000000, NULL),
  ('DA8888', 5, 1760000000, 1830000000, 1760000500),
  ('EM5555', 2, 1760000000, 1830000000, NULL);
)sql");
}

}  // namespace tcns::test

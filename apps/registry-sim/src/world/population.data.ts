/**
 * Vocabulary for synthetic persons. Weights are rough national shares (family names from common
 * surveys, ethnic groups and religions from the 2019 census) so samples look plausible; nothing here
 * describes a real person.
 */

import type { Weighted } from './seeded-random.js';

export const FAMILY_NAMES: Weighted<string> = [
  ['Nguyễn', 380], ['Trần', 110], ['Lê', 95], ['Phạm', 70], ['Hoàng', 31], ['Huỳnh', 20], ['Phan', 45],
  ['Vũ', 20], ['Võ', 19], ['Đặng', 21], ['Bùi', 20], ['Đỗ', 14], ['Hồ', 13], ['Ngô', 13], ['Dương', 10],
  ['Lý', 5], ['Đào', 6], ['Đoàn', 6], ['Trương', 6], ['Đinh', 5], ['Trịnh', 5], ['Hà', 4], ['Mai', 4],
  ['Lâm', 4], ['Lương', 3], ['Cao', 3], ['Tạ', 2], ['Chu', 2], ['Tô', 2], ['Thái', 2], ['Kiều', 1],
  ['Quách', 1], ['La', 1], ['Tăng', 1],
];

/** Middle names; "Văn" and "Thị" weigh more for people born before 1990, as they did. */
export const MIDDLE_NAMES = {
  male: {
    traditional: [['Văn', 70], ['Đức', 8], ['Hữu', 6], ['Đình', 6], ['Công', 5], ['Quang', 5]],
    modern: [
      ['Văn', 12], ['Minh', 14], ['Đức', 10], ['Quốc', 8], ['Gia', 8], ['Bảo', 7], ['Anh', 6], ['Thành', 6],
      ['Hoàng', 6], ['Tuấn', 5], ['Duy', 5], ['Trọng', 4], ['Xuân', 3], ['Ngọc', 3], ['Thanh', 3],
    ],
  },
  female: {
    traditional: [['Thị', 75], ['Ngọc', 6], ['Thu', 5], ['Thanh', 5], ['Kim', 5], ['Hồng', 4]],
    modern: [
      ['Thị', 15], ['Ngọc', 12], ['Thu', 8], ['Thanh', 7], ['Minh', 7], ['Bảo', 7], ['Khánh', 7], ['Phương', 6],
      ['Mai', 6], ['Kim', 5], ['Hồng', 4], ['Diệu', 4], ['Quỳnh', 4], ['Như', 4], ['Hải', 4],
    ],
  },
} as const satisfies Record<'male' | 'female', Record<'traditional' | 'modern', Weighted<string>>>;

export const GIVEN_NAMES = {
  male: [
    'An', 'Bình', 'Cường', 'Dũng', 'Dương', 'Đạt', 'Đức', 'Giang', 'Hải', 'Hiếu', 'Hòa', 'Hoàng', 'Hùng', 'Huy',
    'Khang', 'Khánh', 'Khoa', 'Kiên', 'Lâm', 'Long', 'Luân', 'Minh', 'Nam', 'Nghĩa', 'Phong', 'Phúc', 'Quân',
    'Quang', 'Sơn', 'Tài', 'Tâm', 'Thắng', 'Thành', 'Thịnh', 'Toàn', 'Trung', 'Tuấn', 'Tùng', 'Việt', 'Vinh',
    'Vũ', 'Bảo', 'Duy', 'Hưng', 'Lộc', 'Phát', 'Tiến', 'Trí', 'Đông', 'Hậu', 'Nhân', 'Thái', 'Hiển', 'Quý',
  ],
  female: [
    'An', 'Anh', 'Bích', 'Chi', 'Dung', 'Duyên', 'Giang', 'Hà', 'Hạnh', 'Hằng', 'Hiền', 'Hoa', 'Hồng', 'Huệ',
    'Hương', 'Huyền', 'Lan', 'Liên', 'Linh', 'Loan', 'Mai', 'My', 'Nga', 'Ngân', 'Ngọc', 'Nhung', 'Oanh',
    'Phương', 'Quyên', 'Quỳnh', 'Tâm', 'Thảo', 'Thơ', 'Thu', 'Thủy', 'Trang', 'Trâm', 'Uyên', 'Vân', 'Vy',
    'Yến', 'Xuân', 'Nhi', 'Hân', 'Khánh', 'Ly', 'Diệp', 'Tuyết', 'Thư', 'Lệ', 'Thắm', 'Nhàn',
  ],
} as const;

export const ETHNICITIES: Weighted<string> = [
  ['Kinh', 853], ['Tày', 19], ['Thái', 19], ['Mường', 15], ['Mông', 14], ['Khmer', 14], ['Nùng', 11],
  ['Dao', 9], ['Hoa', 8], ['Gia Rai', 5], ['Ê Đê', 4], ['Ba Na', 3], ['Sán Chay', 2], ['Chăm', 2],
];

export const RELIGIONS: Weighted<string> = [
  ['Không', 860], ['Công giáo', 61], ['Phật giáo', 48], ['Hòa Hảo', 10], ['Tin Lành', 10], ['Cao Đài', 6],
];

export const ADULT_OCCUPATIONS: Weighted<string> = [
  ['Nông dân', 28], ['Công nhân', 18], ['Lao động tự do', 12], ['Kinh doanh', 10], ['Nhân viên văn phòng', 8],
  ['Giáo viên', 4], ['Nội trợ', 5], ['Kỹ sư', 3], ['Bộ đội', 1], ['Công an', 1], ['Bác sĩ', 1], ['Tài xế', 3],
  ['Thợ may', 2], ['Thợ xây', 3],
];

/** Marital status codes of the population database. */
export const MARITAL_STATUS = {
  single: 'DOC_THAN',
  married: 'DA_KET_HON',
  widowed: 'GOA',
} as const;
export type MaritalStatus = (typeof MARITAL_STATUS)[keyof typeof MARITAL_STATUS];

/** Relation of a household member to the head of household, as on the residence record. */
export const RELATION_TO_HEAD = [
  'CHU_HO', 'VO', 'CHONG', 'CON', 'BO', 'ME', 'CON_DAU', 'CON_RE', 'CHAU', 'ANH_CHI_EM', 'KHAC',
] as const;
export type RelationToHead = (typeof RELATION_TO_HEAD)[number];

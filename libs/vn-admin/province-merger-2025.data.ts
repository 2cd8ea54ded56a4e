/**
 * Which of the 34 current provinces absorbed each of the 63 former ones (Nghị quyết 202/2025/QH15,
 * effective 12 June 2025). Keyed by the former province's 2-digit code, which is also the last two
 * digits of its CCCD birth-registration code; the value is the current province code. The data files
 * do not carry this mapping, and the simulator needs it to house people born in a former province.
 */
export const PROVINCE_MERGER_2025: Readonly<Record<string, string>> = {
  '01': '01', '02': '08', '04': '04', '06': '19', '08': '08', '10': '15', '11': '11', '12': '12',
  '14': '14', '15': '15', '17': '25', '19': '19', '20': '20', '22': '22', '24': '24', '25': '25',
  '26': '25', '27': '24', '30': '31', '31': '31', '33': '33', '34': '33', '35': '37', '36': '37',
  '37': '37', '38': '38', '40': '40', '42': '42', '44': '44', '45': '44', '46': '46', '48': '48',
  '49': '48', '51': '51', '52': '52', '54': '66', '56': '56', '58': '56', '60': '68', '62': '51',
  '64': '52', '66': '66', '67': '68', '68': '68', '70': '75', '72': '80', '74': '79', '75': '75',
  '77': '79', '79': '79', '80': '80', '82': '82', '83': '86', '84': '86', '86': '86', '87': '82',
  '89': '91', '91': '91', '92': '92', '93': '92', '94': '92', '95': '96', '96': '96',
};

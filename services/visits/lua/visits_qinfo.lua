-- visits.QualityInfo: a quality-information record (产品质量信息表) routed to
-- the departments it concerns. ARGV: 5 source, 6 product (JSON or null),
-- 7 text (JSON), 8 departments (JSON), 9 reporting department ('' = none),
-- 10.. the departments one by one.
local depts = {}
for i = 10, #ARGV do depts[#depts + 1] = ARGV[i] end
local id = qinfo_new(ARGV[5], nil, ARGV[6], ARGV[7], ARGV[8], depts, 'null', ARGV[9], TODAY_DAY,
  TODAY)
return ok(render_hash(qkey(id), QI_FIELDS))

-- visits.Enroll: a new account and its first open routine visit (the plan is
-- never materialised: only the next routine visit is kept open and indexed).
-- ARGV: 5 customer (JSON), 6 customer key, 7 project (JSON), 8 delivered_on,
-- 9 department, 10 owner, 11 plan n, 12 its due date, 13 its day number.
local dept, owner = ARGV[9], ARGV[10]
local id = account_new({customer = ARGV[5], project = ARGV[7], delivered_on = jstr(ARGV[8]),
  department = jstr(dept), owner = jstr(owner)}, dept, owner, ARGV[6], ARGV[8], true)
routine_open(load_account(id), tonumber(ARGV[11]), ARGV[12], tonumber(ARGV[13]))
return ok(render_account(id))

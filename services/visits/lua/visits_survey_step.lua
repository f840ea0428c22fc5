-- One batch of visits.AnnualSurvey (新需求管理): a survey visit for each active
-- account, in enrolment order from where the last batch stopped, skipping
-- accounts that already have the year's survey. Bounded: `batch` accounts.
-- ARGV: 5 year, 6 due_on, 7 its day number, 8 batch size.
-- Answers {"created": n, "done": bool}.
local year, due, day, batch = ARGV[5], ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8])
local cursor_key, marks = key('survey', year, 'cursor'), key('survey', year)
local from = redis.call('GET', cursor_key) or '0'
local page = redis.call('ZRANGEBYSCORE', key('accounts', 'active'), '(' .. from, '+inf',
  'WITHSCORES', 'LIMIT', 0, batch)
local created = 0
for i = 1, #page, 2 do
  local id = page[i]
  if redis.call('HEXISTS', marks, id) == 0 then
    local pid = plan_new(load_account(id), 'survey', due, day, year)
    redis.call('HSET', marks, id, pid)
    created = created + 1
  end
  redis.call('SET', cursor_key, page[i + 1])
end
return ok('{"created":' .. created .. ',"done":' .. (#page < 2 * batch and 'true' or 'false') .. '}')

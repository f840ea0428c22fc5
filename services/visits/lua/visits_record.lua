-- visits.Record: the communication record (用户沟通记录). Closes the open
-- planned visit `planned_id` names, or by default the earliest open one that
-- is not a complaint's follow-up (a complaint's follow-up is closed only by
-- naming it, so a routine call never confirms or reopens a complaint by
-- accident); closing the routine visit opens the next one, which the caller
-- computed from the plan state it read (ABORTED if that moved on
-- meanwhile). quality_info issues become quality-information records;
-- complaint issues and the confirmation of a complaint's follow-up go to the
-- complaints service through the outbox, written in this same script.
-- ARGV: 5 account id, 6 plan n the caller computed against, 7 next plan n,
-- 8 its due date, 9 its day number, 10 planned_id ('' = the default),
-- 11 visited_on, 12 its day number, 13 method, 14 contact (JSON), 15 summary
-- (JSON), 16 demands (JSON or null), 17 satisfaction ('' = none),
-- 18 complaints.Confirm members ('' = none), 19 default department for
-- complaints, 20 issue count, then per issue: kind, issue text (JSON),
-- complaints.Create members ('' for quality_info).
local a, e = account_target(ARGV[5])
if not a then return e end
local want, visited_on, visited_day = ARGV[10], ARGV[11], tonumber(ARGV[12])
local open_key = akey(a.id) .. ':open'

-- The earliest open planned visit that is not a complaint's follow-up, and
-- the earliest complaint follow-up met on the way (for the message when
-- there is nothing else).
local function default_member()
  local from, followup = 0, nil
  while true do
    local batch = redis.call('ZRANGE', open_key, from, from + 49)
    if #batch == 0 then return nil, followup end
    for _, m in ipairs(batch) do
      if not plan_complaint(m) then return m, followup end
      followup = followup or m
    end
    from = from + 50
  end
end

-- The planned visit this record closes, if any.
local member, followup
local routine_acc, routine_n = string.match(want, '^(A%d+)%-R(%d+)$')
if want == '' then
  member, followup = default_member()
elseif want == routine_id(a) and a.plan_n > 0 then
  member = 'R'
elseif routine_acc == a.id and a.routine then
  local state = (a.plan_n == 0 or tonumber(routine_n) < a.plan_n) and 'closed' or 'not open yet'
  return err('FAILED_PRECONDITION', 'routine visit ' .. want .. ' is ' .. state ..
    (a.plan_n > 0 and ('; the open one is ' .. routine_id(a)) or ''), 'planned_id')
elseif string.sub(want, 1, 1) == 'P' and redis.call('ZSCORE', open_key, want) then
  member = want
elseif string.sub(want, 1, 1) == 'P' and redis.call('HGET', pkey(want), 'account') == a.id then
  return err('FAILED_PRECONDITION', 'planned visit ' .. want .. ' is ' ..
    redis.call('HGET', pkey(want), 'status'), 'planned_id')
else
  return err('NOT_FOUND', 'no open planned visit ' .. want .. ' on account ' .. a.id,
    'planned_id')
end
if not a.active and not member then
  return err('FAILED_PRECONDITION', 'account ' .. a.id .. ' is deactivated' ..
    (followup and ('; to record the complaint follow-up, name it: planned_id ' .. followup) or ''),
    'account_id')
end
if member == 'R' and a.plan_n ~= tonumber(ARGV[6]) then
  return err('ABORTED', 'account ' .. a.id .. ' changed while recording; retry', 'account_id')
end

-- Checks done; writes from here on.
local year = string.sub(TODAY, 1, 4)
local id = string.format('V%s-%06d', year, redis.call('INCR', key('seq', year)))
local order = next_order()
local kind, planned = nil, 'null'
if member then
  local score = redis.call('ZSCORE', open_key, member)
  if member == 'R' then
    kind = 'routine'
    planned = render_routine(a, 'done', id)
    plan_close(a, 'R')
    if a.active and a.routine then
      routine_open(a, tonumber(ARGV[7]), ARGV[8], tonumber(ARGV[9]))
    end
  else
    kind = redis.call('HGET', pkey(member), 'kind')
    redis.call('HSET', pkey(member), 'status', 'done', 'visit_id', id)
    plan_close(a, member)
    planned = render_plan(member, a)
  end
  redis.call('ZADD', key('done_due'), score, id)
  if a.dept ~= '' then redis.call('ZADD', key('done_due', 'dept', a.dept), score, id) end
end

-- Issues.
local n_issues, at, issue_fields = tonumber(ARGV[20]), 21, {}
for i = 1, n_issues do
  local ikind, text, members = ARGV[at], ARGV[at + 1], ARGV[at + 2]
  at = at + 3
  if ikind == 'quality_info' then
    local issue = cjson.decode(text)
    local product = issue.product ~= cjson.null and cjson.encode(issue.product) or 'null'
    local qid = qinfo_new('visit', id, product, cjson.encode(issue.text),
      cjson.encode(issue.departments), issue.departments, jstr(a.customer_key), a.dept,
      visited_day, visited_on)
    text = fill_last(text, jstr(qid))
  else
    outbox('complaints', 'complaints.Create', '{"channel":"visit","customer":' .. a.customer ..
      ',"received_by":{"name":' .. jstr(ACTOR) .. ',"department":' ..
      jstr(a.dept ~= '' and a.dept or ARGV[19]) .. '},' .. members .. '}', 'visit_complaint',
      id .. ' ' .. i)
  end
  issue_fields[#issue_fields + 1] = 'issue:' .. i
  issue_fields[#issue_fields + 1] = text
end

-- The follow-up of a complaint (bound by visits.ScheduleFollowUp, which
-- checked the complaint id), named in planned_id, with the customer's
-- satisfaction confirms it.
local confirmation = 'null'
local complaint = member and want ~= '' and plan_complaint(member)
if complaint and ARGV[18] ~= '' then
  local entry = outbox('complaints', 'complaints.Confirm', '{"id":' .. jstr(complaint) .. ',' ..
    ARGV[18] .. '}')
  confirmation = '{"complaint_id":' .. jstr(complaint) .. ',"satisfied":' ..
    (tonumber(ARGV[17]) >= 3 and 'true' or 'false') .. ',"outbox_id":' ..
    jstr(tostring(entry)) .. '}'
end

local args = {'HSET', vkey(id), 'id', jstr(id), 'account_id', jstr(a.id), 'customer', a.customer,
  'project', redis.call('HGET', akey(a.id), 'project'), 'department', jstr(a.dept),
  'visited_on', jstr(visited_on), 'method', jstr(ARGV[13]), 'contact', ARGV[14],
  'summary', ARGV[15], 'demands', ARGV[16], 'satisfaction', ARGV[17] == '' and 'null' or ARGV[17],
  'planned', planned, 'confirmation', confirmation, 'recorded_by', jstr(ACTOR),
  'created_at', jstr(NOW_TEXT), 'version', '1', '_order', order, '_account', a.id,
  '_customer', a.customer_key, '_dept', a.dept, '_day', visited_day, '_issues', n_issues,
  '_kind', kind or ''}
for _, v in ipairs(issue_fields) do args[#args + 1] = v end
redis.call(unpack(args))
local day_score = num(visited_day * SCALE + order)
redis.call('ZADD', key('idx', 'all'), order, id)
redis.call('ZADD', key('idx', 'account', a.id), order, id)
redis.call('ZADD', key('idx', 'customer', a.customer_key), order, id)
redis.call('ZADD', key('idx', 'day'), day_score, id)
if a.dept ~= '' then
  redis.call('ZADD', key('idx', 'dept', a.dept), order, id)
  redis.call('ZADD', key('idx', 'day', 'dept', a.dept), day_score, id)
end
touch(akey(a.id), a.version, {_last_visit = visited_on})
return ok(render_visit(id))

/**
 * The run search, run inside Redis so that walking an index and checking candidates costs no
 * network round trips. The plan (built by redis-run-search.ts from core's parsed filter and
 * order_by) arrives as JSON in ARGV[1]:
 *
 *   { head, offset, limit,
 *     exps:    [{ id, sources: ['active'|'deleted', ...], deleted }],   -- the view, per experiment
 *     clauses: [{ t, key, field, cmp, num, str, values, byExp }],       -- AND-joined
 *     order:   [{ t, key, field, asc, str }] }                          -- ends with run_id ASC
 *
 * Clause and order types `t`: metric, param, tag, attr (run_name/user_id/status/artifact_uri/
 * lifecycle_stage), start, end, runid, ids (run ids the store computed itself, e.g. LIKE matches).
 *
 * Two strategies, chosen by cost:
 * 1. Ordered walk: walk the index of the first order term (start_time: the view's sorted sets;
 *    a metric: its value index, then its NaN set, then the runs without it; params, tags and
 *    string attributes: their `value\0runId` sorted sets) in order, check each run against the
 *    filter, and stop as soon as offset + limit + 1 runs matched. Runs that tie on the first term
 *    are sorted by the remaining terms.
 * 2. Enumerate and sort: take the runs of the most selective indexable clause (a metric or time
 *    range, an `=` on a param, tag or attribute, a run id list), check the rest, sort them all.
 * The walk is chosen unless the most selective clause matches fewer than sqrt(need × total) runs.
 *
 * Returns {'1' if more runs follow else '0', runId...} for the requested page.
 * String comparisons are bytewise (Lua's own `<` on strings follows the server's locale).
 *
 * Bounded calls: Redis runs one script at a time, so a walk that visits every run of a large
 * experiment (a filter matching almost none, with no selective indexable clause) would hold every
 * other client for as long. With `plan.budget`, an ordered walk stops once it has checked `budget`
 * runs, between two groups of tied values or between its phases (an order term's index, its NaN
 * runs, the runs lacking it), and returns {'cont', <state as JSON>}; the caller sends the same
 * plan again with `resume` = that state and the walk goes on from where it stopped. The state is
 * the order term and phase, each index's position and the ids matched so far (never matched
 * twice). Writes between two calls can shift positions: a run created or deleted meanwhile may be
 * seen or missed, as with paging. Enumerate-and-sort and `order_by run_id` still run in one call.
 */
export const SEARCH_RUNS = `
local plan = cjson.decode(ARGV[1])
local head = plan.head
local need = plan.offset + plan.limit + 1
local clauses, order = plan.clauses, plan.order
local CHUNK = 256
local budget = tonumber(plan.budget)
local resume = plan.resume
-- Runs checked against the filter in this call; ids matched in an earlier call of this search.
local visits = 0
local seen = {}
local suspended = nil

local function bytecmp(a, b)
  if a == b then return 0 end
  local n = math.min(#a, #b)
  for k = 1, n do
    local x, y = string.byte(a, k), string.byte(b, k)
    if x ~= y then if x < y then return -1 else return 1 end end
  end
  if #a < #b then return -1 else return 1 end
end

local function num(s)
  if s == 'inf' or s == '+inf' then return math.huge end
  if s == '-inf' then return -math.huge end
  return tonumber(s)
end

local function cmpNum(a, op, b)
  if op == '=' then return a == b
  elseif op == '!=' then return a ~= b
  elseif op == '>' then return a > b
  elseif op == '>=' then return a >= b
  elseif op == '<' then return a < b
  else return a <= b end
end

local function ekey(e, suffix) return head .. ':e:' .. e .. ':' .. suffix end
local function runKey(id) return head .. ':run:' .. id end

local exps = {}
for _, x in ipairs(plan.exps) do exps[x.id] = x end

for _, c in ipairs(clauses) do
  if c.num then c.n = tonumber(c.num) end
  if c.values then
    c.set = {}
    for _, v in ipairs(c.values) do c.set[v] = true end
  end
  if c.byExp then
    c.set = {}
    for _, ids in pairs(c.byExp) do for _, id in ipairs(ids) do c.set[id] = true end end
  end
end

-- A candidate: its id and experiment; start time and lifecycle are known when it came from a
-- view set, else looked up once by inView (filter clauses run first, so rejected runs skip it).
local function candidate(id, e, start, life)
  if not exps[e] then return nil end
  return { id = id, e = e, start = start, life = life, rank = {}, val = {} }
end

local function inView(cand)
  if cand.start then return true end
  if cand.outside then return false end
  local x = exps[cand.e]
  for _, src in ipairs(x.sources) do
    local s = redis.call('ZSCORE', ekey(cand.e, src), cand.id)
    if s then
      cand.start = tonumber(s)
      if src == 'deleted' or x.deleted then cand.life = 'deleted' else cand.life = 'active' end
      return true
    end
  end
  cand.outside = true
  return false
end

local function checkClause(c, cand)
  local id, e = cand.id, cand.e
  local t = c.t
  if t == 'metric' then
    local s = redis.call('ZSCORE', ekey(e, 'm:' .. c.key), id)
    if s then return cmpNum(num(s), c.cmp, c.n) end
    if c.cmp == '!=' then return redis.call('SISMEMBER', ekey(e, 'mnan:' .. c.key), id) == 1 end
    return false
  elseif t == 'param' or t == 'tag' or t == 'attr' then
    local v
    if t == 'param' then v = redis.call('HGET', runKey(id) .. ':params', c.key)
    elseif t == 'tag' then v = redis.call('HGET', runKey(id) .. ':tags', c.key)
    elseif c.key == 'lifecycle_stage' then
      if not inView(cand) then return false end
      v = cand.life
    else v = redis.call('HGET', runKey(id), c.field) end
    if not v then return false end
    if c.cmp == '=' then return v == c.str else return v ~= c.str end
  elseif t == 'start' then
    if not inView(cand) then return false end
    return cmpNum(cand.start, c.cmp, c.n)
  elseif t == 'end' then
    local s = redis.call('ZSCORE', ekey(e, 'end'), id)
    if not s then return false end
    return cmpNum(num(s), c.cmp, c.n)
  elseif t == 'runid' then
    local inSet
    if c.set then inSet = c.set[id] == true else inSet = id == c.str end
    if c.cmp == '=' or c.cmp == 'IN' then return inSet else return not inSet end
  elseif t == 'ids' then
    return c.set[id] == true
  end
  return false
end

local function matches(cand)
  for _, c in ipairs(clauses) do
    if not checkClause(c, cand) then return false end
  end
  return true
end

-- Sort value of a candidate for order term k: rank 0 (has a value), 1 (NaN metric), then missing.
local function sortValue(k, cand)
  local r = cand.rank[k]
  if r then return r, cand.val[k] end
  local term = order[k]
  local t = term.t
  local v
  r = 0
  if t == 'metric' then
    local s = redis.call('ZSCORE', ekey(cand.e, 'm:' .. term.key), cand.id)
    if s then v = num(s)
    elseif redis.call('SISMEMBER', ekey(cand.e, 'mnan:' .. term.key), cand.id) == 1 then r = 1
    else r = 2 end
  elseif t == 'param' or t == 'tag' then
    v = redis.call('HGET', runKey(cand.id) .. (t == 'param' and ':params' or ':tags'), term.key)
    if not v then r = 2 end
  elseif t == 'attr' then
    v = redis.call('HGET', runKey(cand.id), term.field)
    if not v then r = 2 end
  elseif t == 'start' then
    inView(cand)
    v = cand.start
  elseif t == 'end' then
    local s = redis.call('ZSCORE', ekey(cand.e, 'end'), cand.id)
    if s then v = num(s) else r = 2 end
  else
    v = cand.id
  end
  cand.rank[k] = r
  cand.val[k] = v
  return r, v
end

local function before(a, b)
  for k = 1, #order do
    local ra, va = sortValue(k, a)
    local rb, vb = sortValue(k, b)
    if ra ~= rb then return ra < rb end
    if ra == 0 then
      local c
      if order[k].str then c = bytecmp(va, vb)
      elseif va < vb then c = -1
      elseif va > vb then c = 1
      else c = 0 end
      if c ~= 0 then
        if order[k].asc then return c < 0 else return c > 0 end
      end
    end
  end
  return false
end

local out = {}
local function full() return #out >= need end

local function emitSorted(list)
  table.sort(list, before)
  for _, cand in ipairs(list) do
    if full() then return end
    out[#out + 1] = cand.id
  end
end

local function passes(cand, extra)
  if not cand then return false end
  if seen[cand.id] then return false end
  visits = visits + 1
  if not matches(cand) then return false end
  if not inView(cand) then return false end
  for _, f in ipairs(extra) do
    if not f(cand) then return false end
  end
  return true
end

-- Every run of the view that passes the filter and the extra predicates.
local function collectAll(extra)
  local list = {}
  for _, x in ipairs(plan.exps) do
    for _, src in ipairs(x.sources) do
      local life = (src == 'deleted' or x.deleted) and 'deleted' or 'active'
      local r = redis.call('ZRANGE', ekey(x.id, src), 0, -1, 'WITHSCORES')
      for j = 1, #r, 2 do
        local cand = candidate(r[j], x.id, tonumber(r[j + 1]), life)
        if passes(cand, extra) then list[#list + 1] = cand end
      end
    end
  end
  return list
end

-- ---- ordered walk ----

local function newIter(key, lex, desc, e, src)
  return { key = key, lex = lex, desc = desc, e = e, src = src, pos = 0, buf = {}, bi = 1, short = false }
end

-- Index of the iterator's next unread member in its sorted set.
local function position(it)
  if it.pos == 0 then return 0 end
  return it.pos - CHUNK + it.bi - 1
end

local function peek(it)
  if it.bi <= #it.buf then return it.buf[it.bi] end
  if it.short then return nil end
  local cmd = it.desc and 'ZREVRANGE' or 'ZRANGE'
  local r
  if it.lex then r = redis.call(cmd, it.key, it.pos, it.pos + CHUNK - 1)
  else r = redis.call(cmd, it.key, it.pos, it.pos + CHUNK - 1, 'WITHSCORES') end
  it.pos = it.pos + CHUNK
  it.buf = {}
  it.bi = 1
  if it.lex then
    for j = 1, #r do
      local m = r[j]
      it.buf[#it.buf + 1] = { g = string.sub(m, 1, -34), id = string.sub(m, -32) }
    end
    it.short = #r < CHUNK
  else
    for j = 1, #r, 2 do it.buf[#it.buf + 1] = { g = num(r[j + 1]), id = r[j] } end
    it.short = #r < 2 * CHUNK
  end
  if #it.buf == 0 then return nil end
  return it.buf[1]
end

local function ahead(ga, gb, lex, desc)
  local c
  if lex then c = bytecmp(ga, gb)
  elseif ga < gb then c = -1
  elseif ga > gb then c = 1
  else c = 0 end
  if desc then return c > 0 else return c < 0 end
end

-- \`level\` is the order term the walk belongs to, recorded when the call stops between two groups.
local function walk(iters, lex, desc, accept, level)
  while not full() do
    if budget and visits >= budget then
      local pos = {}
      for i, it in ipairs(iters) do pos[i] = position(it) end
      suspended = { level = level, phase = 'walk', pos = pos, out = out }
      return
    end
    local best = nil
    for _, it in ipairs(iters) do
      local h = peek(it)
      if h and (best == nil or ahead(h.g, best, lex, desc)) then best = h.g end
    end
    if best == nil then return end
    local group = {}
    for _, it in ipairs(iters) do
      while true do
        local h = peek(it)
        if not h or h.g ~= best then break end
        it.bi = it.bi + 1
        local cand = accept(h, it)
        if cand then group[#group + 1] = cand end
      end
    end
    if #group > 0 then emitSorted(group) end
  end
end

-- Stops the search before phase \`phase\` of order term k when this call has checked its budget.
local function pause(k, phase)
  if budget and visits >= budget and not full() then
    suspended = { level = k, phase = phase, pos = {}, out = out }
    return true
  end
  return false
end

-- The predicates of order term k's walk: the run lacks a value for every term before k.
local function lackingBefore(k)
  local extra = {}
  for j = 1, k - 1 do
    extra[#extra + 1] = function(cand)
      local r = sortValue(j, cand)
      return r == 2
    end
  end
  return extra
end

-- Walks order term k's index, then (metrics) its NaN runs, then the runs lacking it by term k + 1.
-- \`from\` is the state of a suspended call when resuming at this term.
local function drive(k, extra, from)
  local term = order[k]
  local t = term.t
  local desc = not term.asc
  if t == 'runid' then
    emitSorted(collectAll(extra))
    return
  end
  if t == 'start' then
    local iters = {}
    for _, x in ipairs(plan.exps) do
      for _, src in ipairs(x.sources) do iters[#iters + 1] = newIter(ekey(x.id, src), false, desc, x.id, src) end
    end
    if from then
      for i, it in ipairs(iters) do it.pos = tonumber(from.pos[i]) or 0 end
    end
    walk(iters, false, desc, function(h, it)
      local x = exps[it.e]
      local life = (it.src == 'deleted' or x.deleted) and 'deleted' or 'active'
      local cand = candidate(h.id, it.e, h.g, life)
      if passes(cand, extra) then return cand end
      return nil
    end, k)
    return
  end
  local suffix, lex
  if t == 'metric' then suffix, lex = 'm:' .. term.key, false
  elseif t == 'end' then suffix, lex = 'end', false
  elseif t == 'param' then suffix, lex = 'p:' .. term.key, true
  elseif t == 'tag' then suffix, lex = 't:' .. term.key, true
  else suffix, lex = 'a:' .. term.key, true end
  if not from or from.phase == 'walk' then
    local iters = {}
    for _, x in ipairs(plan.exps) do iters[#iters + 1] = newIter(ekey(x.id, suffix), lex, desc, x.id, nil) end
    if from then
      for i, it in ipairs(iters) do it.pos = tonumber(from.pos[i]) or 0 end
    end
    walk(iters, lex, desc, function(h, it)
      local cand = candidate(h.id, it.e)
      if passes(cand, extra) then return cand end
      return nil
    end, k)
    if suspended or full() then return end
  end
  if t == 'metric' then
    if pause(k, 'nan') then return end
    local group = {}
    for _, x in ipairs(plan.exps) do
      for _, id in ipairs(redis.call('SMEMBERS', ekey(x.id, 'mnan:' .. term.key))) do
        local cand = candidate(id, x.id)
        if passes(cand, extra) then group[#group + 1] = cand end
      end
    end
    emitSorted(group)
    if full() then return end
  end
  if t == 'attr' or k >= #order then return end
  if pause(k + 1, 'walk') then return end
  local lacking = {}
  for _, f in ipairs(extra) do lacking[#lacking + 1] = f end
  lacking[#lacking + 1] = function(cand)
    local r = sortValue(k, cand)
    return r == 2
  end
  drive(k + 1, lacking)
end

-- ---- enumerate and sort ----

local function scoreRange(c)
  local v = c.num
  if c.cmp == '=' then return v, v
  elseif c.cmp == '>' then return '(' .. v, '+inf'
  elseif c.cmp == '>=' then return v, '+inf'
  elseif c.cmp == '<' then return '-inf', '(' .. v
  else return '-inf', v end
end

local function indexable(c)
  local t = c.t
  if t == 'metric' or t == 'start' or t == 'end' then return c.cmp ~= '!=' end
  if t == 'param' or t == 'tag' then return c.cmp == '=' end
  if t == 'attr' then return c.cmp == '=' and c.key ~= 'lifecycle_stage' end
  if t == 'runid' then return c.cmp == '=' or c.cmp == 'IN' end
  return t == 'ids'
end

local function lexKey(c, e)
  if c.t == 'param' then return ekey(e, 'p:' .. c.key) end
  if c.t == 'tag' then return ekey(e, 't:' .. c.key) end
  return ekey(e, 'a:' .. c.key)
end

-- How many runs the clause's index yields (an upper bound on its matches).
local function estimate(c)
  local t = c.t
  local n = 0
  if t == 'runid' then
    if c.values then return #c.values end
    return 1
  end
  if t == 'ids' then
    for _, ids in pairs(c.byExp) do n = n + #ids end
    return n
  end
  for _, x in ipairs(plan.exps) do
    if t == 'metric' or t == 'end' then
      local lo, hi = scoreRange(c)
      n = n + redis.call('ZCOUNT', ekey(x.id, t == 'end' and 'end' or 'm:' .. c.key), lo, hi)
    elseif t == 'start' then
      local lo, hi = scoreRange(c)
      for _, src in ipairs(x.sources) do n = n + redis.call('ZCOUNT', ekey(x.id, src), lo, hi) end
    else
      n = n + redis.call('ZLEXCOUNT', lexKey(c, x.id), '[' .. c.str .. '\\0', '(' .. c.str .. '\\1')
    end
  end
  return n
end

local function enumerate(c)
  local list, seen = {}, {}
  local function add(id, e)
    if seen[id] then return end
    seen[id] = true
    local cand = candidate(id, e)
    if passes(cand, {}) then list[#list + 1] = cand end
  end
  local t = c.t
  if t == 'runid' then
    local ids = c.values or { c.str }
    for _, id in ipairs(ids) do
      local e = redis.call('HGET', runKey(id), 'experiment_id')
      if e then add(id, e) end
    end
    return list
  end
  if t == 'ids' then
    for e, ids in pairs(c.byExp) do for _, id in ipairs(ids) do add(id, e) end end
    return list
  end
  for _, x in ipairs(plan.exps) do
    if t == 'metric' or t == 'end' or t == 'start' then
      local lo, hi = scoreRange(c)
      local keys = {}
      if t == 'start' then for _, src in ipairs(x.sources) do keys[#keys + 1] = ekey(x.id, src) end
      else keys[1] = ekey(x.id, t == 'end' and 'end' or 'm:' .. c.key) end
      for _, key in ipairs(keys) do
        for _, id in ipairs(redis.call('ZRANGEBYSCORE', key, lo, hi)) do add(id, x.id) end
      end
    else
      for _, m in ipairs(redis.call('ZRANGEBYLEX', lexKey(c, x.id), '[' .. c.str .. '\\0', '(' .. c.str .. '\\1')) do
        add(string.sub(m, -32), x.id)
      end
    end
  end
  return list
end

local total = 0
for _, x in ipairs(plan.exps) do
  for _, src in ipairs(x.sources) do total = total + redis.call('ZCARD', ekey(x.id, src)) end
end

local best, bestSize = nil, nil
for _, c in ipairs(clauses) do
  if indexable(c) then
    local size = estimate(c)
    if best == nil or size < bestSize then best, bestSize = c, size end
  end
end

if resume then
  -- A resumed walk: the first call chose the strategy.
  for _, id in ipairs(resume.out) do
    out[#out + 1] = id
    seen[id] = true
  end
  local level = tonumber(resume.level)
  drive(level, lackingBefore(level), resume)
elseif best and (order[1].t == 'runid' or bestSize * bestSize <= need * total) then
  emitSorted(enumerate(best))
else
  drive(1, {})
end

if suspended then return { 'cont', cjson.encode(suspended) } end

local result = { (#out > plan.offset + plan.limit) and '1' or '0' }
for k = plan.offset + 1, math.min(#out, plan.offset + plan.limit) do result[#result + 1] = out[k] end
return result
`;

-- route.lua: the Redis anchor of atende's benchmarks (scenario 7a). One call is one conversation's routing in
-- the cheapest form Redis offers, all inside one atomic, AOF-logged script:
--   the chat joins its department's queue; the least-loaded eligible agent is picked from a sorted set (score =
--   open chats); its capacity is checked; the queue is popped; the assignment is recorded; the agent is told
--   (PUBLISH); and, as atende's benchmark attendants close each chat as soon as it is assigned, the agent's load
--   goes back down, so loads stay flat over a run.
-- KEYS[1] the department's queue (list)     KEYS[2] its online agents by load (sorted set)
-- KEYS[3] assignments (hash chat -> agent)  ARGV[1] the chat id   ARGV[2] an agent's capacity
-- Returns 1 when the chat was assigned, 0 when it stays queued (nobody with room).
redis.call('RPUSH', KEYS[1], ARGV[1])
local least = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
if #least == 0 or tonumber(least[2]) >= tonumber(ARGV[2]) then
    return 0
end
local agent = least[1]
local chat = redis.call('LPOP', KEYS[1])
redis.call('HSET', KEYS[3], chat, agent)
redis.call('ZINCRBY', KEYS[2], 1, agent)
redis.call('PUBLISH', 'agent:' .. agent, chat)
redis.call('ZINCRBY', KEYS[2], -1, agent)
return 1

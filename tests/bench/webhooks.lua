-- wrk script: replays the pre-signed webhooks prepared by bench_prepare, split across wrk
-- threads (thread k sends lines k, k+T, k+2T, …), counting the requests sent again after a
-- thread's share ran out ("wrapped": duplicates, which cost tcns little, so run.sh sizes the run
-- to keep it at zero). There is no response() function on purpose: with one, wrk hands every
-- answer's headers and body to Lua, which its manual calls expensive, and that CPU is taken from
-- the server on the same cores (4-6 % of tcns's throughput in three paired runs). Answers that are
-- not 2xx/3xx are counted by wrk itself ("Non-2xx or 3xx responses"), which run.sh reads.
local threads = {}
local counter = 0

function setup(thread)
    thread:set("id", counter)
    counter = counter + 1
    table.insert(threads, thread)
end

function init(args)
    local file = args[1]
    local nthreads = tonumber(args[2])
    requests = {}
    local n = 0
    for line in io.lines(file) do
        if n % nthreads == id then
            local path, header, sig, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
            local headers = {}
            headers["Content-Type"] = "application/json"
            headers[header] = sig
            table.insert(requests, wrk.format("POST", path, headers, body))
        end
        n = n + 1
    end
    index = 0
    wrapped = 0
    sent_all = false
end

function request()
    index = index + 1
    if index > #requests then index = 1 end
    if sent_all then wrapped = wrapped + 1 end
    if index == #requests then sent_all = true end
    return requests[index]
end

function done(summary, latency, requests)
    local w = 0
    for _, t in ipairs(threads) do
        w = w + t:get("wrapped")
    end
    io.write(string.format("wrapped %d\n", w))
end

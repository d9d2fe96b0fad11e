-- wrk script: replays the pre-signed webhooks prepared by bench_prepare, split across wrk
-- threads (thread k sends lines k, k+T, k+2T, …), counting non-200 answers and the requests
-- sent again after a thread's share ran out ("wrapped": duplicates, which cost tcns little, so
-- run.sh sizes the run to keep it at zero).
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
    bad = 0
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

function response(status, headers, body)
    if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
    local b, w = 0, 0
    for _, t in ipairs(threads) do
        b = b + t:get("bad")
        w = w + t:get("wrapped")
    end
    io.write(string.format("non200 %d\nwrapped %d\n", b, w))
end

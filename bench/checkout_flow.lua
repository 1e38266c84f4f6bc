-- The shopper flow for wrk: create a cart -> add an item -> checkout preview -> place order,
-- looping. Run with as many threads as connections (`wrk -tN -cN`): each wrk thread has its
-- own Lua state and then one connection, so the steps of one shopper follow each other.
--
-- Arguments (after `--`): host, comma-separated variant ids, payment method, shipping method
-- ("-" for none), coupon code ("-" for none), seed.
local host, variants, payment, shipping, coupon
local step, cart, variant, quantity = 0, nil, nil, 1
orders, sold_out, errors, requests = 0, 0, 0, 0  -- globals: done() reads them per thread
last_error = ""
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  host = args[1]
  variants = {}
  for v in string.gmatch(args[2], "%d+") do variants[#variants + 1] = v end
  payment = args[3]
  shipping = args[4] ~= "-" and args[4] or nil
  coupon = args[5] ~= "-" and args[5] or nil
  math.randomseed(tonumber(args[6] or "1") * 7919 + (id or 0))
end

local ADDRESS = '{"name":"李雷","phone":"13800138000","country":"CN","province":"浙江省",' ..
  '"city":"杭州市","district":"西湖区","line1":"文三路 90 号"}'
local CONTACT = '{"name":"李雷","phone":"13800138000"}'
local HEADERS = nil

local function post(path, body)
  if HEADERS == nil then
    HEADERS = {["Host"] = host, ["Content-Type"] = "application/json"}
  end
  return wrk.format("POST", path, HEADERS, body)
end

function request()
  requests = requests + 1
  if step == 0 then
    return post("/api/v1/carts", nil)
  elseif step == 1 then
    variant = variants[math.random(#variants)]
    quantity = math.random(2)
    return post("/api/v1/carts/" .. cart .. "/items",
                '{"variant_id":' .. variant .. ',"quantity":' .. quantity .. '}')
  elseif step == 2 then
    local body = '{"cart_id":"' .. cart .. '","address":' .. ADDRESS
    if coupon then body = body .. ',"coupon_code":"' .. coupon .. '"' end
    return post("/api/v1/checkout/preview", body .. "}")
  else
    local body = '{"cart_id":"' .. cart .. '","contact":' .. CONTACT .. ',"address":' ..
      ADDRESS .. ',"payment_method":"' .. payment .. '"'
    if shipping then body = body .. ',"shipping_method":"' .. shipping .. '"' end
    if coupon then body = body .. ',"coupon_code":"' .. coupon .. '"' end
    return post("/api/v1/orders", body .. "}")
  end
end

local function fail(status, body)
  errors = errors + 1
  if last_error == "" then
    last_error = string.format("step %d: %d %s", step, status, (body or ""):sub(1, 200))
  end
  step = 0
end

function response(status, headers, body)
  if step == 0 then
    if status ~= 201 then return fail(status, body) end
    cart = body:match('"id"%s*:%s*"([^"]+)"') or body:match('"id"%s*:%s*(%d+)')
    if not cart then return fail(status, body) end
    step = 1
  elseif step == 1 then
    if status == 409 then sold_out = sold_out + 1; step = 0; return end
    if status ~= 200 then return fail(status, body) end
    step = 2
  elseif step == 2 then
    if status ~= 200 then return fail(status, body) end
    step = 3
  else
    if status == 201 then orders = orders + 1
    elseif status == 409 then sold_out = sold_out + 1
    else return fail(status, body) end
    step = 0
  end
end

function done(summary, latency, reqs)
  local o, s, e = 0, 0, 0
  local first = ""
  for _, t in ipairs(threads) do
    o = o + t:get("orders")
    s = s + t:get("sold_out")
    e = e + t:get("errors")
    local le = t:get("last_error")
    if first == "" and le and le ~= "" then first = le end
  end
  local x = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "orders": %d, "sold_out": %d, ' ..
    '"flow_errors": %d, "socket_errors": %d, "timeouts": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, o, s, e, x.connect + x.read + x.write, x.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
  io.write("WRKERROR " .. first:gsub("\n", " ") .. "\n")
end

-- wrk script: prices sales for returning customers (POST /v1/checks/calculate); nothing is written.
--   wrk -t2 -c64 -d15s -s loadtests/wrk/calculate.lua http://127.0.0.1:8080 -- <cashier key> <customers> <run id>
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "body.lua")

function init(args)
  load_args(args, "/v1/checks/calculate")
end

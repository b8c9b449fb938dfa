-- wrk script: commits sales (POST /v1/checks), each with a new externalId.
--   wrk -t2 -c256 -d15s -s loadtests/wrk/commit.lua http://127.0.0.1:8080 -- <cashier key> <customers> <run id>
dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "body.lua")

function init(args)
  load_args(args, "/v1/checks")
end

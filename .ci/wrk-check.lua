-- wrk script for .ci/wrk-check: every request is POST /v1/authz/check with a permitted read.
-- The bearer token comes from the VICTOR_TOKEN environment variable.
wrk.method = "POST"
wrk.body = '{"user": "bench", "resource": "docs/readme", "action": "read"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("VICTOR_TOKEN") or "")

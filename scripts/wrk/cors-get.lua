-- A simple cross-origin GET, for wrk -s.
wrk.method = "GET"
wrk.headers["Origin"] = "https://app.example"

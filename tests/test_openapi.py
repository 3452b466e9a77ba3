"""The OpenAPI document declares the error body the service really sends, on every operation."""

from fastapi.testclient import TestClient

from app.main import create_app


def test_every_operation_declares_the_error_body() -> None:
    doc = create_app().openapi()
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    error = doc["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"error", "detail"}
    operations = [op for item in doc["paths"].values() for op in item.values() if "responses" in op]
    assert len(operations) > 50
    for op in operations:
        for code in ("401", "403", "404", "409", "413", "422"):
            schema = op["responses"][code]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, (op["operationId"], code)


def test_a_real_422_matches_the_declared_schema() -> None:
    with TestClient(create_app()) as client:
        body = client.post("/api/auth/login", json={"username": ""}).json()
    error = create_app().openapi()["components"]["schemas"]["Error"]
    assert set(error["required"]) <= set(body)
    assert all(isinstance(body[k], str) for k in ("error", "detail", "field"))
    assert {"field", "message"} == set(body["fields"][0])


def test_a_405_names_every_method_the_path_offers() -> None:
    client = TestClient(create_app())
    for method, path, allowed in [
        ("OPTIONS", "/api/enterprises/13", "GET, PATCH"),
        ("TRACE", "/api/hazards", "GET, POST"),
        ("DELETE", "/api/hazards/5/transitions", "POST"),
        # Not /api/enterprises/{enterprise_id}: that id is a number.
        ("OPTIONS", "/api/enterprises/industries", "GET"),
    ]:
        res = client.request(method, path)
        assert res.status_code == 405, (method, path)
        assert res.headers["allow"] == allowed, (method, path)
        assert res.json()["detail"] == "不支持的请求方法"


def test_file_downloads_declare_their_media_types() -> None:
    paths = create_app().openapi()["paths"]
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    for path in (
        "/api/enterprises/export.xlsx",
        "/api/hazards/export.xlsx",
        "/api/hazards/reports/{kind}.xlsx",
        "/api/risks/enterprises/{enterprise_id}/register.xlsx",
        "/api/campaigns/{campaign_id}/dispatch.xlsx",
        "/api/notices/{notice_id}/unacknowledged.xlsx",
    ):
        assert list(paths[path]["get"]["responses"]["200"]["content"]) == [xlsx], path
    pdf = paths["/api/documents/{doc_id}.pdf"]["get"]["responses"]["200"]["content"]
    assert list(pdf) == ["application/pdf"]
    images = paths["/api/attachments/{attachment_id}"]["get"]["responses"]["200"]["content"]
    assert set(images) == {"image/jpeg", "image/png", "image/webp"}


def _walk_strings(schema: dict, schemas: dict) -> list[dict]:
    if "$ref" in schema:
        return _walk_strings(schemas[schema["$ref"].rsplit("/", 1)[1]], schemas)
    found = [schema] if schema.get("type") == "string" else []
    for sub in [*schema.get("anyOf", []), *schema.get("properties", {}).values()]:
        found += _walk_strings(sub, schemas)
    if isinstance(schema.get("items"), dict):
        found += _walk_strings(schema["items"], schemas)
    return found


def test_the_document_states_the_input_limits_the_service_applies() -> None:
    """What the service refuses, the document says: clients and fuzzers generate only what is accepted."""
    import re

    from app.fields import MULTILINE_PATTERN, SINGLE_LINE_PATTERN

    doc = create_app().openapi()
    schemas = doc["components"]["schemas"]
    texts = []
    for item in doc["paths"].values():
        for op in item.values():
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                texts += _walk_strings(body["schema"], schemas)
            for param in op.get("parameters", []):
                texts += _walk_strings(param["schema"], schemas)
    plain = [t for t in texts if "enum" not in t and t.get("format") not in ("date", "date-time", "binary")]
    assert len(plain) > 100
    for text in plain:
        assert "pattern" in text, text
    assert re.fullmatch(SINGLE_LINE_PATTERN, "一车间") and not re.fullmatch(SINGLE_LINE_PATTERN, "一\n车间")
    assert re.fullmatch(MULTILINE_PATTERN, "第一行\n第二行\t完") and not re.fullmatch(
        MULTILINE_PATTERN, "x\x01"
    )
    # A PATCH field that cannot be cleared is not nullable; one that can, is.
    point = schemas["PointUpdate"]["properties"]
    assert point["name"]["type"] == "string" and "anyOf" not in point["name"]
    assert {"type": "null"} in point["location"]["anyOf"]
    assert "生产单元" in schemas["UnitIn"]["properties"]["unit_type"]["enum"]
    lon = schemas["PointIn"]["properties"]["lon"]["anyOf"][0]
    assert (lon["minimum"], lon["maximum"]) == (73.0, 136.0)

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

"""The OpenAPI document and the docs page."""

from liuyan.api.api import api
from liuyan.messages.present import ACTION_PATHS


def test_it_serves_the_openapi_document_at_a_stable_url(db, anon):
    r = anon.get("openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["version"] == "1"
    for path in ["/api/v1/messages", "/api/v1/track", "/api/v1/auth/token", "/api/v1/export/messages.csv"]:
        assert path in doc["paths"]
    for segment in ACTION_PATHS.values():
        assert f"/api/v1/messages/{{number}}/{segment}" in doc["paths"]
    assert {"TokenAuth", "SessionAuth"} <= set(doc["components"]["securitySchemes"])


def test_it_gives_every_operation_a_summary_and_tags(db):
    doc = api.get_openapi_schema()
    operations = [(path, method, op) for path, ops in doc["paths"].items() for method, op in ops.items()]
    assert len(operations) >= 50
    for path, method, op in operations:
        assert op.get("summary"), (path, method)
        assert op.get("tags"), (path, method)


def test_it_documents_the_error_shape(db, anon):
    doc = anon.get("openapi.json").json()
    submit = doc["paths"]["/api/v1/messages"]["post"]
    assert "201" in submit["responses"] and "400" in submit["responses"]
    assert submit["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    assert "451" not in submit["responses"]


def test_it_serves_the_docs_page(db, anon):
    r = anon.get("docs")
    assert r.status_code == 200
    assert b"openapi.json" in r.content

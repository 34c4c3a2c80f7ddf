import logging

from flask import Flask

from scheduler import create_app


def test_factory_builds_an_app(app):
    assert isinstance(app, Flask)
    assert {"auth", "main", "admin", "api"} <= set(app.blueprints)
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_sets_secure_cookies(test_environ, tmp_path):
    app = create_app({**test_environ, "GATEPOST_ENV": "production", "GATEPOST_INSTANCE_PATH": str(tmp_path),
                      "REDIS_URL": "redis://127.0.0.1:6379/15"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


def test_wsgi_module_exposes_app(monkeypatch, test_environ):
    import importlib
    import sys

    for key, value in test_environ.items():
        monkeypatch.setenv(key, value)
    sys.modules.pop("wsgi", None)
    wsgi = importlib.import_module("wsgi")
    assert isinstance(wsgi.app, Flask)


def test_request_id_is_echoed_and_generated(browser):
    response = browser.get("/login", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    generated = browser.get("/login", headers={"X-Request-ID": "<script>"}).headers["X-Request-ID"]
    assert generated != "<script>" and len(generated) == 32


def test_not_found_is_json_for_api_and_html_for_pages(browser, make):
    make.user("someone@example.org")
    browser.login("someone@example.org")
    api = browser.get("/api/nothing-here")
    assert api.status_code == 404 and api.json["ok"] is False and api.json["error"]["message"]
    page = browser.get("/nothing-here")
    assert page.status_code == 404 and b"could not find" in page.data


def test_unexpected_error_rolls_back_and_hides_details(app, test_environ, caplog):
    from scheduler.extensions import db
    from scheduler.models import Team

    app = create_app(test_environ)  # a fresh app: routes cannot be added after the first request

    @app.get("/_boom_for_test")
    def _boom():
        db.session.add(Team(name="half-saved"))
        db.session.flush()
        raise RuntimeError("secret internals")

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/_boom_for_test", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert b"secret internals" not in response.data and response.json["ok"] is False
    with app.app_context():
        assert db.session.query(Team).filter_by(name="half-saved").count() == 0
    assert any("unhandled error" in r.getMessage() for r in caplog.records)


def test_log_lines_carry_the_job_id_inside_a_job(app_ctx):
    import logging

    from rq import SimpleWorker

    from scheduler.logging_setup import RequestIdFilter
    from scheduler.queueing import task_queue

    records = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Collect()
    handler.addFilter(RequestIdFilter())
    logging.getLogger("scheduler.jobs").addHandler(handler)
    try:
        from scheduler import jobs

        queue = task_queue().queue()
        job = queue.enqueue(jobs.purge_failed_logins)
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
    finally:
        logging.getLogger("scheduler.jobs").removeHandler(handler)
    assert records and records[-1].request_id == f"job:{job.id}"

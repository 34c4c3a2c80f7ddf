"""Use cases: plain arguments in, domain objects out; never touch flask.request.

Operations only flush(); the caller (a request, a job, a CLI command) commits
once at its edge or rolls back.
"""
